// The links' invalidation outbox and its relay, on real PostgreSQL and Redis: a change to a link
// reaches every replica's cache and Redis even when the replica that made it never sent the
// invalidation (it died after the commit, or a racing read's SET followed it: the caches hold the
// link as it was either way), and when Redis was down at the time (sent once it is back).
import pg from 'pg';
import type { Gauge } from 'prom-client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../infra/loopback/servers/ports.js';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { invalidationRelay } from '../../src/cache/invalidation-relay.js';
import { createLinkCache } from '../../src/cache/link-cache.js';
import type { CachedLink } from '../../src/domain/link.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { runMigrations } from '../../src/migrate.js';
import { redisReady, ResilientRedis } from '../../src/redis/resilient-redis.js';
import { linkLoader } from '../../src/store/link-loader.js';
import { relayInvalidations } from '../../src/store/link-invalidations-store.js';
import { insertUrl, updateUrl } from '../../src/store/urls-store.js';
import { appTestPool } from '../support/test-pool.js';

/** Generous for a loaded 2-core machine: the relay itself runs every 50 ms here. */
const WAIT_MS = 20_000;

/** One "replica"'s links' cache, with its own Redis connections. */
async function replica(redisUrl: string) {
  const metrics = createMetrics({ version: 't', commit: 't' });
  const redis = new ResilientRedis(redisUrl, metrics, { commandTimeoutMs: 2_000, openMs: 200, maxReconnectDelayMs: 200 });
  const links = createLinkCache({ redis, metrics, lruEnabled: true, lruMax: 100, negativeTtlMs: 1_000, unsyncedLruTtlMs: 60_000 });
  await redisReady(redis, 10_000);
  await waitFor('the cache subscribed', async () => links.subscribed, WAIT_MS);
  return { redis, links, metrics, close: async () => { await links.close(); await redis.close(); } };
}

describe('the links\' invalidation outbox', () => {
  let ds: DataServices;
  let pool: pg.Pool;
  let load: (code: string) => Promise<CachedLink | null>;

  const outbox = async () => (await pool.query<{ short_code: string }>('SELECT short_code FROM link_invalidations ORDER BY id')).rows.map((r) => r.short_code);
  const newLink = (code: string) => insertUrl(pool, {
    userId: null, code, originalUrl: `https://example.com/${code}`, title: null, expiresAt: null,
    maxVisits: null, validSince: null, fallbackUrl: null, redirectType: 302, tags: [],
  });

  beforeAll(async () => {
    ds = await startDataServices();
    await runMigrations(ds.directDatabaseUrl);
    pool = appTestPool(ds.directDatabaseUrl, 4);
    load = linkLoader(pool);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await ds?.stop();
  });

  it('records a change in its own transaction, and nothing for an update that changes nothing', async () => {
    const row = await newLink('ob1');
    await pool.query('DELETE FROM link_invalidations');
    await updateUrl(pool, row.id, { isActive: false });
    expect(await outbox()).toEqual(['ob1']);
    await updateUrl(pool, row.id, { isActive: false });
    expect(await outbox()).toEqual(['ob1']);
    await pool.query('DELETE FROM link_invalidations');
  });

  it('reaches every replica and Redis when the changing replica never sent it', async () => {
    const a = await replica(ds.redisUrl);
    const b = await replica(ds.redisUrl);
    const relay = invalidationRelay({ pool, metrics: b.metrics, announce: (codes) => b.links.announce(codes), logger: pino({ level: 'silent' }), everyMs: 50, afterMs: 300 });
    try {
      const row = await newLink('ob2');
      expect(await a.links.get('ob2', load)).toMatchObject({ isActive: true });
      expect(await b.links.get('ob2', load)).toMatchObject({ isActive: true });
      // The change commits; the replica that made it dies before its own invalidation.
      await updateUrl(pool, row.id, { isActive: false });
      // Redis and both LRUs hold the link as it was, as after a racing read's SET had followed the invalidation.
      expect(a.links.peek('ob2')).toMatchObject({ isActive: true });
      const stale = await b.redis.run('get', (r) => r.get('shortstack:link:ob2'));
      expect(stale).toContain('"isActive":true');
      relay.start();
      await waitFor('the outbox relayed', async () => (await outbox()).length === 0, WAIT_MS);
      await waitFor('both LRUs dropped it', async () => a.links.peek('ob2') === undefined && b.links.peek('ob2') === undefined, WAIT_MS);
      expect(await a.redis.run('get', (r) => r.get('shortstack:link:ob2'))).toBeNull();
      expect(await a.links.get('ob2', load)).toMatchObject({ isActive: false });
    } finally {
      await relay.stop();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keeps what Redis did not take, shows it in the metrics, and sends it once Redis is back', async () => {
    const a = await replica(ds.redisUrl);
    const row = await newLink('ob3');
    const gauge = async (g: Gauge) => (await g.get()).values[0]?.value;
    const waiting = async () => [await gauge(a.metrics.linkInvalidationsPending), await gauge(a.metrics.linkInvalidationsOldest)] as const;
    const relay = invalidationRelay({ pool, metrics: a.metrics, announce: (codes) => a.links.announce(codes), logger: pino({ level: 'silent' }), everyMs: 50, afterMs: 0 });
    try {
      await ds.redis.stop();
      await updateUrl(pool, row.id, { title: 'changed' });
      // Redis down: the relay's round sends nothing and leaves the row.
      expect(await relayInvalidations(pool, 0, 10, (codes) => a.links.announce(codes))).toBe(0);
      expect(await outbox()).toEqual(['ob3']);
      // The relay's rounds go on failing, and say what waits and for how long.
      relay.start();
      await waitFor('the metrics show the change waiting', async () => {
        const [pending, oldest] = await waiting();
        return pending === 1 && oldest! >= 1;
      }, WAIT_MS);
      expect(await outbox()).toEqual(['ob3']);
      await ds.redis.start();
      await redisReady(a.redis, 20_000);
      await waitFor('relayed once Redis is back', async () => (await outbox()).length === 0, WAIT_MS);
      await waitFor('the metrics show nothing waiting', async () => (await waiting()).every((v) => v === 0), WAIT_MS);
    } finally {
      await relay.stop();
      await a.close();
    }
  });

  it('shows its figures as unknown (NaN), not as its last reading, while it cannot read the outbox', async () => {
    const metrics = createMetrics({ version: 't', commit: 't' });
    metrics.linkInvalidationsPending.set(3);
    metrics.linkInvalidationsOldest.set(120);
    // Nothing listens on port 1: every connection is refused at once.
    const unreachable = new pg.Pool({ connectionString: ds.directDatabaseUrl.replace(/:\d+\//, ':1/'), max: 1 });
    const warned: unknown[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warned.push(JSON.parse(line)) });
    const relay = invalidationRelay({ pool: unreachable, metrics, announce: async () => true, logger, everyMs: 50 });
    const value = async (g: Gauge) => (await g.get()).values[0]?.value;
    try {
      relay.start();
      await waitFor('both gauges unknown', async () => Number.isNaN(await value(metrics.linkInvalidationsPending))
        && Number.isNaN(await value(metrics.linkInvalidationsOldest)), WAIT_MS);
      expect(warned.length).toBeGreaterThan(0);
      await expect(metrics.registry.metrics()).resolves.toMatch(/^shortstack_link_invalidations_oldest_seconds nan$/im); // Prometheus parses any case
    } finally {
      await relay.stop();
      await unreachable.end();
    }
  });

  it('takes only invalidations older than its delay, so the changing replica\'s own send goes first', async () => {
    const row = await newLink('ob4');
    await updateUrl(pool, row.id, { title: 'again' });
    const sent: string[][] = [];
    const send = async (codes: string[]) => { sent.push(codes); return true; };
    expect(await relayInvalidations(pool, 60_000, 10, send)).toBe(0);
    expect(await relayInvalidations(pool, 0, 10, send)).toBe(1);
    expect(sent).toEqual([['ob4']]);
  });
});
