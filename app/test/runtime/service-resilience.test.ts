// The whole service (createService) on real PostgreSQL via PgBouncer and real Redis, with the
// dependencies killed and restarted under it, two replicas sharing them, and a graceful stop.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { waitFor } from '../../../infra/loopback/servers/ports.js';
import { runMigrations } from '../../src/migrate.js';
import type { Service } from '../../src/service.js';
import { api, createLink, follow, startReplica } from './replica.js';
import { testPool } from '../support/test-pool.js';

describe('service resilience (real PostgreSQL, PgBouncer, Redis)', () => {
  let ds: DataServices;
  let direct: pg.Pool;
  let a: Service;
  let b: Service;

  beforeAll(async () => {
    ds = await startDataServices({ config: { pools: { pgbouncerPoolSize: 6 } } });
    await runMigrations(ds.directDatabaseUrl);
    direct = testPool(ds.directDatabaseUrl, { max: 2 });
    // Fast flushes so counts can be read soon after traffic.
    a = await startReplica(ds, { CLICK_FLUSH_INTERVAL_MS: '100' });
    b = await startReplica(ds, { CLICK_FLUSH_INTERVAL_MS: '100' });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await direct?.end();
    await ds?.stop();
  });

  const ready = async (s: Service) => {
    const res = await fetch(`${s.url}/ready`);
    return { status: res.status, body: (await res.json()) as { status: string; redis: string; database: string } };
  };

  it('keeps redirecting while Redis is killed, reports degraded, and recovers without a restart', async () => {
    const cached = await createLink(a, 'https://example.com/redis-cached');
    const uncached = await createLink(a, 'https://example.com/redis-uncached');
    expect((await follow(a, cached.short_code)).status).toBe(302);
    await ds.redis.kill();
    try {
      const started = Date.now();
      for (let i = 0; i < 20; i++) {
        expect((await follow(a, cached.short_code)).status).toBe(302); // from the LRU
        expect((await follow(a, uncached.short_code)).status).toBe(302); // from the database
      }
      expect(Date.now() - started).toBeLessThan(5_000); // fail fast: no waiting on Redis per request
      expect((await createLink(a, 'https://example.com/while-redis-down')).short_code).toBeTruthy();
      const r = await ready(a);
      expect(r).toEqual({ status: 200, body: expect.objectContaining({ status: 'degraded', redis: 'down', database: 'up' }) });
    } finally {
      await ds.redis.start();
    }
    await waitFor('ready again', async () => (await ready(a)).body.status === 'ok', 10_000);
    const metrics = await (await fetch(a.metricsUrl)).text();
    expect(metrics).toMatch(/shortstack_redis_errors_total\{op="[a-z]+"\} [1-9]/);
    expect(metrics).toContain('shortstack_redis_circuit_open 0');
  });

  it('serves cached redirects while the database is stopped, answers writes 503 with Retry-After, and recovers by itself', async () => {
    const link = await createLink(a, 'https://example.com/db-cached');
    expect((await follow(a, link.short_code)).status).toBe(302);
    await ds.postgres.stop();
    try {
      for (let i = 0; i < 10; i++) expect((await follow(a, link.short_code)).status).toBe(302);
      const write = await api(a, 'POST', '/urls', { original_url: 'https://example.com/while-db-down' });
      expect(write.status).toBe(503);
      expect(write.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(write.headers.get('content-type')).toContain('application/json');
      expect(await write.json()).toHaveProperty('error');
      expect((await ready(a)).status).toBe(503);
    } finally {
      await ds.postgres.start();
    }
    const started = Date.now();
    await waitFor('writes succeed again', async () =>
      (await api(a, 'POST', '/urls', { original_url: 'https://example.com/after-db-back' })).status === 201, 15_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await ready(a)).status).toBe(200);
    // The clicks taken while the database was down were kept and written once it came back.
    await waitFor('clicks written', async () => {
      const r = await direct.query<{ n: string }>('SELECT link_clicks(id) AS n FROM urls WHERE id = $1', [link.id]);
      return Number(r.rows[0]?.n) === 11;
    }, 10_000);
  });

  // Pub/sub reaches the other replica in about a millisecond on a quiet machine; the bound is for
  // a loaded 2-core CI machine, where one request alone was seen to take 300 ms. Without the
  // invalidation, b would serve its LRU copy for the LRU's TTL (60 s).
  it('a deactivation on one replica answers 410 on the other within a second', async () => {
    const link = await createLink(a, 'https://example.com/cross-replica');
    expect((await follow(b, link.short_code)).status).toBe(302); // now in b's LRU
    expect((await follow(b, link.short_code)).status).toBe(302);
    const res = await api(a, 'DELETE', `/urls/${link.id}`);
    expect(res.status).toBe(204);
    const acked = Date.now();
    let status = 0;
    while (Date.now() - acked < 1_000) {
      status = (await follow(b, link.short_code)).status;
      if (status === 410) break;
    }
    expect(status).toBe(410);
    expect(Date.now() - acked).toBeLessThan(1_000);
  });

  it('a key revoked on one replica while Redis is down is refused by the other within a few seconds (fail closed)', async () => {
    const user = (await (await api(a, 'POST', '/users', { username: 'failclosed', email: 'failclosed@example.com' })).json()) as { id: number };
    const issued = await api(a, 'POST', `/users/${user.id}/keys`);
    expect(issued.status).toBe(201);
    const { id: keyId, key } = (await issued.json()) as { id: number; key: string };
    const asUser = (s: Service) => fetch(`${s.url}/urls`, { headers: { 'x-api-key': key } }).then((r) => r.status);
    expect(await asUser(b)).toBe(200); // now in b's in-process cache
    await ds.redis.kill();
    try {
      // b still serves the key (from memory, then from the database): Redis down is not an outage.
      expect(await asUser(b)).toBe(200);
      expect((await api(a, 'DELETE', `/users/${user.id}/keys/${keyId}`)).status).toBe(204);
      const revoked = Date.now();
      await waitFor('b refuses the revoked key', async () => (await asUser(b)) === 401, 5_000);
      expect(Date.now() - revoked).toBeLessThan(5_000);
      expect(await asUser(a)).toBe(401);
    } finally {
      await ds.redis.start();
    }
    await waitFor('redis back', async () => a.redis.isHealthy() && b.redis.isHealthy(), 10_000);
    expect(await asUser(b)).toBe(401);
  });

  it('counts a burst of clicks exactly across a graceful stop', async () => {
    const c = await startReplica(ds, { CLICK_FLUSH_INTERVAL_MS: '60000', CLICK_FLUSH_BATCH: '1000' });
    const link = await createLink(c, 'https://example.com/burst');
    const n = 600;
    const statuses = await Promise.all(Array.from({ length: n }, () => follow(c, link.short_code).then((r) => r.status)));
    expect(statuses.every((s) => s === 302)).toBe(true);
    // The interval is a minute and the batch not full: only the drain on stop can write these.
    await c.stop();
    const counts = await direct.query<{ click_count: string; events: string }>(
      `SELECT link_clicks(id) AS click_count, (SELECT count(*) FROM all_events WHERE url_id = $1 AND event_type = 'click') AS events
       FROM urls WHERE id = $1`, [link.id]);
    expect(counts.rows[0]).toEqual({ click_count: String(n), events: String(n) });
  });
});
