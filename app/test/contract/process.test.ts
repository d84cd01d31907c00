// The commands as operators run them: `npm run migrate` and `npm start` (app/src/main.ts) as real
// processes, a burst of redirects, SIGTERM, and every click counted after the graceful stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { freePorts } from '../../../infra/loopback/servers/ports.js';
import pg from 'pg';
import { ADMIN_KEY, REPO_ROOT, until } from '../support/harness.js';

let data: DataServices;
beforeAll(async () => { data = await startDataServices(); });
afterAll(async () => { await data?.stop(); });

function run(script: string, env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

describe('commands', () => {
  it('migrate exits 0, twice in parallel too', async () => {
    const env = { MIGRATE_DATABASE_URL: data.directDatabaseUrl, LOG_LEVEL: 'warn' };
    const runs = [run('app/src/migrate.ts', env), run('app/src/migrate.ts', env)];
    expect(await Promise.all(runs.map((r) => r.exited))).toEqual([0, 0]);
  });

  it('start refuses a bad configuration with exit 2 and says what is wrong', async () => {
    const r = run('app/src/main.ts', { DATABASE_URL: '', REDIS_URL: 'nope', PORT: 'x' });
    expect(await r.exited).toBe(2);
    expect(r.output()).toContain('DATABASE_URL is required');
    expect(r.output()).toContain('PORT must be an integer');
  });

  it('start serves; SIGTERM drains every click and exits 0', async () => {
    const [port, metricsPort] = (await freePorts(2)) as [number, number];
    const base = `http://127.0.0.1:${port}`;
    // A long flush interval: the clicks are still in memory when SIGTERM arrives.
    const app = run('app/src/main.ts', {
      HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort), DATABASE_URL: data.databaseUrl, REDIS_URL: data.redisUrl,
      ADMIN_API_KEYS: ADMIN_KEY, PUBLIC_BASE_URL: 'http://sho.rt.test', LOG_LEVEL: 'info', CLICK_FLUSH_INTERVAL_MS: '60000', CLICK_FLUSH_BATCH: '100000',
    });
    try {
      await until('the app to listen', async () => (await fetch(`${base}/health`).catch(() => undefined))?.status === 200, 60_000);
      const created = await fetch(`${base}/urls`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY }, body: JSON.stringify({ original_url: 'https://example.com/burst' }) });
      const link = (await created.json()) as { id: number; short_code: string };
      const BURST = 300;
      const statuses = await Promise.all(Array.from({ length: BURST }, () => fetch(`${base}/${link.short_code}`, { redirect: 'manual' }).then((r) => r.status)));
      expect(statuses.every((s) => s === 302)).toBe(true);
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/shortstack_redirects_total\{result="found"\} 300/);

      app.child.kill('SIGTERM');
      expect(await app.exited).toBe(0);
      const db = new pg.Client({ connectionString: data.directDatabaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query(`SELECT link_clicks(id)::int AS n, (SELECT count(*)::int FROM all_events WHERE url_id = $1 AND event_type = 'click') AS events FROM urls WHERE id = $1`, [link.id]);
        expect(rows[0]).toEqual({ n: BURST, events: BURST });
      } finally {
        await db.end();
      }
      const logs = app.output().trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
      expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['listening', 'shutting down', 'stopped']));
      expect(app.output()).not.toContain(ADMIN_KEY);
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  });

  it('with SHUTDOWN_DELAY_MS, SIGTERM serves on (each answer closing its connection, /ready 503) until the delay ends, then exits 0', async () => {
    const [port, metricsPort] = (await freePorts(2)) as [number, number];
    const base = `http://127.0.0.1:${port}`;
    // Long enough for a busy machine to send the requests below inside it.
    const app = run('app/src/main.ts', {
      HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort), DATABASE_URL: data.databaseUrl, REDIS_URL: data.redisUrl,
      ADMIN_API_KEYS: ADMIN_KEY, PUBLIC_BASE_URL: 'http://sho.rt.test', LOG_LEVEL: 'info', SHUTDOWN_DELAY_MS: '8000',
    });
    try {
      await until('the app to listen', async () => (await fetch(`${base}/health`).catch(() => undefined))?.status === 200, 20_000);
      const created = await fetch(`${base}/urls`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY }, body: JSON.stringify({ original_url: 'https://example.com/delay' }) });
      const link = (await created.json()) as { short_code: string };

      app.child.kill('SIGTERM');
      await until('the serve-on log line', async () => app.output().includes('serving on until the front door has re-resolved the replicas'), 20_000);
      const redirect = await fetch(`${base}/${link.short_code}`, { redirect: 'manual' });
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get('connection')).toBe('close');
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'unavailable', stopping: true });
      expect(app.child.exitCode).toBe(null);

      expect(await app.exited).toBe(0);
      await expect(fetch(`${base}/health`)).rejects.toThrow();
      const logs = app.output().trim().split('\n').map((l) => JSON.parse(l) as { msg: string; delayMs?: number });
      expect(logs.find((l) => l.delayMs !== undefined)?.delayMs).toBe(8000);
      expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    } finally {
      if (app.child.exitCode === null) app.child.kill('SIGKILL');
    }
  });
});
