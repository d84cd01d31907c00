// End to end on the loopback stack: the same rendered configs, real binaries, two replicas.
import { statfsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type LoopbackStack } from './stack.js';

interface Target { labels: { job: string; instance: string }; health: string }

async function targets(stack: LoopbackStack): Promise<Target[]> {
  const res = await fetch(`${stack.prometheusUrl}/api/v1/targets`);
  return ((await res.json()) as { data: { activeTargets: Target[] } }).data.activeTargets;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('loopback stack, two replicas', () => {
  let stack: LoopbackStack;
  beforeAll(async () => {
    stack = await startStack({ replicas: 2, scrapeInterval: '1s', evaluationInterval: '1s' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const follow = (code: string) => fetch(`${stack.url}/${code}`, { redirect: 'manual' });

  it('creates and follows a link through the front door, with errors as JSON', async () => {
    const res = await fetch(`${stack.url}/urls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ original_url: 'https://example.com/loopback' }),
    });
    expect(res.status).toBe(201);
    const { short_code } = (await res.json()) as { short_code: string };
    const hop = await follow(short_code);
    expect(hop.status).toBe(302);
    expect(hop.headers.get('location')).toBe('https://example.com/loopback');
    expect(hop.headers.get('x-request-id')).toBeTruthy();

    const bad = await fetch(`${stack.url}/%00`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/json');
    expect(await bad.json()).toHaveProperty('error');
  });

  it('scrapes every target, then loses none of the redirects when a replica stops', async () => {
    const expected = ['app/app-1', 'app/app-2', 'nginx/nginx', 'postgres/postgres', 'pgbouncer/pgbouncer',
      'redis/redis', 'prometheus/prometheus', 'alertmanager/alertmanager', 'edge/front-door', 'node/postgres'];
    const up = await until('every target up', async () => {
      const t = await targets(stack);
      const healthy = t.filter((x) => x.health === 'up').map((x) => `${x.labels.job}/${x.labels.instance}`).sort();
      return healthy.length === expected.length ? healthy : undefined;
    });
    expect(up).toEqual([...expected].sort());
    // `up` says the exporters answered; their own gauges say the servers behind them answered them.
    const query = async (q: string) => {
      const res = await fetch(`${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
      return ((await res.json()) as { data: { result: Array<{ value: [number, string] }> } }).data.result;
    };
    // probe_success: the edge probe went through nginx to a replica and got the app's JSON 401.
    for (const gauge of ['redis_up', 'pg_up', 'pgbouncer_up', 'nginx_up', 'probe_success']) {
      const result = await until(`${gauge} scraped`, async () => {
        const r = await query(gauge);
        return r.length > 0 ? r : undefined;
      });
      expect([gauge, result[0]!.value[1]]).toEqual([gauge, '1']);
    }
    // The volume alerts' ratio, on real data: node-exporter's statfs of the disk holding
    // PostgreSQL's folder, through the recording rules (the same numbers `df` gives).
    const used = await until('the disk ratio evaluated', async () => {
      const r = await query('1 - shortstack:postgres_volume_avail_bytes / shortstack:postgres_volume_bytes');
      return r.length > 0 ? Number(r[0]!.value[1]) : undefined;
    });
    const disk = statfsSync(stack.dir);
    expect(used).toBeCloseTo(1 - (disk.bavail * disk.bsize) / (disk.blocks * disk.bsize), 1);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(1);

    const created = await fetch(`${stack.url}/shorten`, {
      method: 'POST',
      headers: { 'x-api-key': stack.adminKey, 'content-type': 'application/json' },
      body: JSON.stringify({ original_url: 'https://example.com/failover' }),
    });
    const { short_code } = (await created.json()) as { short_code: string };

    await stack.replicas[1]!.stop();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const s = (await follow(short_code)).status;
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 302: 200 });

    const down = await until('app-2 reported down', async () => {
      const t = await targets(stack);
      const app2 = t.find((x) => x.labels.instance === 'app-2');
      return app2?.health === 'down' ? t : undefined;
    });
    expect(down.filter((x) => x.health === 'up').length).toBe(expected.length - 1);
    await stack.replicas[1]!.start();
  });

  it('runs Alertmanager on the rendered config', async () => {
    const res = await fetch(`${stack.alertmanagerUrl}/api/v2/status`);
    expect(res.status).toBe(200);
    const status = (await res.json()) as { config: { original: string } };
    expect(status.config.original).toContain('critical');
  });
});
