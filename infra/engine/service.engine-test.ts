// The built app image on a real engine, hardened as the docker placement runs it (read-only
// root, every capability dropped, no-new-privileges, a tmpfs /tmp, the image's own user): it
// migrates a real PostgreSQL, serves the API contract through PgBouncer and Redis, its own
// HEALTHCHECK turns healthy, and `docker stop` lets it write every buffered click in the grace
// period the placement gives it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLICA_PROCESS_TITLE } from '../../app/src/process-title.js';
import type { Service } from '../../app/src/service.js';
import { ADMIN_KEY, call } from '../../app/test/support/harness.js';
import { startDataServices, type DataServices } from '../loopback/data-services.js';
import { freePorts } from '../loopback/servers/ports.js';
import { APP_SHUTDOWN_TIMEOUT_MS, APP_STOP_GRACE_S } from '../topology/components/app.js';
import { REPO_ROOT } from './app-image.js';
import { engine, exec, logs, runDetached, runToCompletion, state, uniqueName, waitHealthy } from './containers.js';
import { pollUntil } from './docker.js';

/** The app's stop grace (the Docker placement's stopTimeout), and its own deadline inside it. */
const STOP_GRACE_S = APP_STOP_GRACE_S;
const SHUTDOWN_TIMEOUT_MS = APP_SHUTDOWN_TIMEOUT_MS;
const MIGRATIONS = readdirSync(join(REPO_ROOT, 'app/migrations')).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort();

let data: DataServices;
let direct: pg.Pool;
let appId: string | undefined;
let port: number;
let metricsPort: number;
/** The contract helpers' view of a replica: only its URL is used. */
let replica: Service;
const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(replica, method, path, opts);

beforeAll(async () => {
  data = await startDataServices();
  direct = new pg.Pool({ connectionString: data.directDatabaseUrl, max: 2 });
  [port, metricsPort] = (await freePorts(2)) as [number, number];
  replica = { url: `http://127.0.0.1:${port}` } as Service;
});

afterAll(async () => {
  const { docker } = engine();
  if (appId) await docker.run(['rm', '-f', appId], { allowFailure: true });
  await direct?.end();
  await data?.stop();
});

describe('migrate (node app/dist/migrate.js in the image)', () => {
  it('applies every migration straight to PostgreSQL, and a second run is a no-op', async () => {
    const { docker, image } = engine();
    const env = { MIGRATE_DATABASE_URL: data.directDatabaseUrl, LOG_LEVEL: 'info' };
    const first = await runToCompletion(docker, image, { command: ['node', 'app/dist/migrate.js'], env });
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('migrations applied');
    const { rows } = await direct.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(MIGRATIONS);
    const again = await runToCompletion(docker, image, { command: ['node', 'app/dist/migrate.js'], env });
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('schema up to date');
  });
});

describe('the server (the image CMD)', () => {
  it('starts hardened and its own HEALTHCHECK turns healthy', async () => {
    const { docker, image } = engine();
    appId = await runDetached(docker, image, {
      name: uniqueName('shortstack-app'),
      env: {
        HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort),
        DATABASE_URL: data.databaseUrl, REDIS_URL: data.redisUrl, ADMIN_API_KEYS: ADMIN_KEY,
        PUBLIC_BASE_URL: 'http://sho.rt.test', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
        // Clicks stay in memory until the stop below: only the graceful shutdown can write them.
        CLICK_FLUSH_INTERVAL_MS: '3600000', CLICK_FLUSH_BATCH: '1000000',
      },
      extra: ['--stop-timeout', String(STOP_GRACE_S)],
    });
    // interval 10 s, start period 15 s: the first check runs ~10 s in; a loaded machine gets minutes.
    await waitHealthy(docker, appId, 240_000);
    const s = await state(docker, appId);
    expect(s.Health?.Status).toBe('healthy');
    expect(s.Health?.Log.at(-1)?.ExitCode).toBe(0);
  });

  it('runs as uid 1000 with no capabilities, no-new-privileges, a read-only root and a writable tmpfs /tmp', async () => {
    const { docker } = engine();
    const id = appId!;
    const host = await docker.inspect<{ HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[]; SecurityOpt: string[]; Tmpfs: Record<string, string> } }>('container', id);
    expect(host?.HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] });
    expect(Object.keys(host!.HostConfig.Tmpfs)).toEqual(['/tmp']);

    // What the kernel says about the server process itself (pid 1 in the container).
    const status = await exec(docker, id, ['cat', '/proc/1/status']);
    expect(status.code, status.output).toBe(0);
    const field = (name: string) => status.output.match(new RegExp(`^${name}:\\s*(.*)$`, 'm'))?.[1]?.trim().split(/\s+/);
    expect(field('Uid')).toEqual(['1000', '1000', '1000', '1000']);
    expect(field('Gid')).toEqual(['1000', '1000', '1000', '1000']);
    for (const cap of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(field(cap), cap).toEqual(['0000000000000000']);
    expect(field('NoNewPrivs')).toEqual(['1']);
    // The server is pid 1 itself, node running the built app: its command line reads as the
    // replica's process title (main.ts sets it, so the bench tells replicas apart), its binary is node.
    const cmdline = await exec(docker, id, ['sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']);
    expect(cmdline.output.trim()).toBe(REPLICA_PROCESS_TITLE);
    const exe = await exec(docker, id, ['readlink', '/proc/1/exe']);
    expect(exe.output.trim()).toMatch(/\/node$/);

    const rootWrite = await exec(docker, id, ['sh', '-c', 'touch /app/probe']);
    expect(rootWrite.code).not.toBe(0);
    expect(rootWrite.output).toMatch(/Read-only file system/);
    const homeWrite = await exec(docker, id, ['sh', '-c', 'touch /home/node/probe']);
    expect(homeWrite.output).toMatch(/Read-only file system/);
    const tmpWrite = await exec(docker, id, ['sh', '-c', 'echo ok > /tmp/probe && cat /tmp/probe && grep " /tmp " /proc/mounts']);
    expect(tmpWrite.code, tmpWrite.output).toBe(0);
    expect(tmpWrite.output).toMatch(/^ok\ntmpfs \/tmp tmpfs /);
  });

  it('serves the API contract: a user, a key, a link with that key, a redirect', async () => {
    expect(await api('GET', '/health', { key: null })).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api('GET', '/ready', { key: null })).toMatchObject({ status: 200, body: { status: 'ok', database: 'up', redis: 'up' } });

    const user = await api('POST', '/users', { body: { username: 'engine', email: 'engine@example.com' } });
    expect(user.status, user.text).toBe(201);
    const key = await api('POST', `/users/${user.body.id}/keys`);
    expect(key.status, key.text).toBe(201);
    expect(typeof key.body.key).toBe('string');

    const link = await api('POST', '/urls', { key: key.body.key, body: { original_url: 'https://example.com/engine?q=1', title: 'engine' } });
    expect(link.status, link.text).toBe(201);
    expect(link.body).toMatchObject({ user_id: user.body.id, is_active: true, original_url: 'https://example.com/engine?q=1' });

    const redirect = await api('GET', `/${link.body.short_code}`, { key: null });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://example.com/engine?q=1');

    // The user's key sees its own link, not the user list; errors stay JSON.
    expect((await api('GET', `/urls/${link.body.id}`, { key: key.body.key })).status).toBe(200);
    expect((await api('GET', '/users', { key: key.body.key })).status).toBe(403);
    const missing = await api('GET', '/no-such-code-here', { key: null });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    expect(missing.body).toHaveProperty('error');

    // The rows are in PostgreSQL (the app reached it through PgBouncer).
    const { rows } = await direct.query('SELECT u.username, l.short_code FROM users u JOIN urls l ON l.user_id = u.id WHERE l.id = $1', [link.body.id]);
    expect(rows).toEqual([{ username: 'engine', short_code: link.body.short_code }]);
  });

  it(`writes every buffered click on docker stop, within the ${STOP_GRACE_S} s grace`, async () => {
    const { docker } = engine();
    const id = appId!;
    const created = await api('POST', '/urls', { body: { original_url: 'https://example.com/burst' } });
    expect(created.status, created.text).toBe(201);
    const N = 250;
    const statuses: number[] = [];
    // In waves of 25: a burst, without turning a loaded 2-core machine into the test's subject.
    for (let i = 0; i < N; i += 25) {
      statuses.push(...await Promise.all(Array.from({ length: Math.min(25, N - i) }, () =>
        fetch(`${replica.url}/${created.body.short_code}`, { redirect: 'manual', headers: { 'user-agent': 'engine-tier', referer: 'https://ref.example/' } }).then((r) => r.status))));
    }
    expect(statuses.filter((s) => s === 302)).toHaveLength(N);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`shortstack_redirects_total\\{result="found"\\} ${N + 1}\\b`));

    const clicks = async () => (await direct.query<{ n: number; events: number }>(
      `SELECT link_clicks(id)::int AS n, (SELECT count(*)::int FROM all_events WHERE url_id = $1 AND event_type = 'click') AS events FROM urls WHERE id = $1`,
      [created.body.id])).rows[0];
    // Still buffered: nothing written yet.
    expect(await clicks()).toEqual({ n: 0, events: 0 });

    const t0 = Date.now();
    const stop = await docker.run(['stop', id], { allowFailure: true, timeoutMs: (STOP_GRACE_S + 60) * 1000 });
    const seconds = (Date.now() - t0) / 1000;
    expect(stop.code, stop.stderr).toBe(0);
    const s = await state(docker, id);
    // Exit 0 from its own handler: not 137 (SIGKILL at the end of the grace), not 143 (no handler).
    expect({ running: s.Running, exitCode: s.ExitCode, oomKilled: s.OOMKilled }, await logs(docker, id)).toEqual({ running: false, exitCode: 0, oomKilled: false });
    expect(seconds).toBeLessThan(STOP_GRACE_S);
    expect(await clicks()).toEqual({ n: N, events: N });
    const messages = (await logs(docker, id)).split('\n').flatMap((l) => { try { return [(JSON.parse(l) as { msg: string }).msg]; } catch { return []; } });
    expect(messages).toEqual(expect.arrayContaining(['listening', 'shutting down', 'stopped']));
    expect(await logs(docker, id)).not.toContain(ADMIN_KEY);
    // The stopped container reports no health any more; nothing keeps running.
    await pollUntil('container stopped', async () => !(await state(docker, id)).Running, 30_000);
  });
});
