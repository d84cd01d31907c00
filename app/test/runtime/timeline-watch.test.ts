// The caches after the database went back in time, on real PostgreSQL (promoted to a new
// timeline, as at the end of a point-in-time restore), PgBouncer and Redis: every replica's LRU
// and Redis drop what they held, so links and API keys are read from the database again.
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../infra/loopback/servers/ports.js';
import { serviceUser } from '../../../infra/loopback/servers/process.js';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { createLinkCache } from '../../src/cache/link-cache.js';
import { cachesOutlived, checkTimeline, readTimeline, TIMELINE_KEY, timelineWatch } from '../../src/cache/timeline-watch.js';
import { TwoTierCache } from '../../src/cache/two-tier-cache.js';
import type { CachedLink } from '../../src/domain/link.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { runMigrations } from '../../src/migrate.js';
import { redisReady, ResilientRedis } from '../../src/redis/resilient-redis.js';
import { linkLoader } from '../../src/store/link-loader.js';
import { insertUrl } from '../../src/store/urls-store.js';
import { appTestPool } from '../support/test-pool.js';

/** Generous for a loaded 2-core machine. */
const WAIT_MS = 30_000;

/** One "replica"'s caches (links and another namespace), with its own Redis connections. */
async function replica(redisUrl: string) {
  const metrics = createMetrics({ version: 't', commit: 't' });
  const redis = new ResilientRedis(redisUrl, metrics, { commandTimeoutMs: 2_000, openMs: 200, maxReconnectDelayMs: 200 });
  const links = createLinkCache({ redis, metrics, lruEnabled: true, lruMax: 100, negativeTtlMs: 60_000, unsyncedLruTtlMs: 60_000 });
  const keys = new TwoTierCache<{ userId: number }>({
    redis, metrics, namespace: 'shortstack:apikey', lruEnabled: true, lruMax: 100, lruTtlMs: 60_000, redisTtlSeconds: 60, negativeTtlMs: 60_000,
  });
  await redisReady(redis, 10_000);
  await waitFor('the caches subscribed', async () => links.subscribed && keys.subscribed, WAIT_MS);
  return { redis, links, keys, close: async () => { await Promise.all([links.close(), keys.close()]); await redis.close(); } };
}

describe('the caches after the database moved to a new timeline', () => {
  let ds: DataServices;
  let pool: pg.Pool;
  let load: (code: string) => Promise<CachedLink | null>;

  beforeAll(async () => {
    ds = await startDataServices();
    await runMigrations(ds.directDatabaseUrl);
    // The app's way in: PgBouncer, the app's role.
    pool = appTestPool(ds.databaseUrl, 2);
    load = linkLoader(pool);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await ds?.stop();
  });

  it('needs emptying only when Redis recorded another timeline', () => {
    expect(cachesOutlived('1', 1)).toBe(false);
    expect(cachesOutlived('1', 2)).toBe(true);
    // None recorded: a new or emptied Redis, or the first replica with the check.
    expect(cachesOutlived(null, 1)).toBe(false);
  });

  it('reads the timeline as a role with no grants beyond LOGIN', async () => {
    await ds.postgres.query('CREATE ROLE plain_reader LOGIN PASSWORD \'plain\'');
    const plain = new pg.Client({ connectionString: ds.directDatabaseUrl.replace(/\/\/[^@]*@/, '//plain_reader:plain@') });
    await plain.connect();
    try {
      expect(await readTimeline(plain)).toBe(await readTimeline(pool));
      expect(await readTimeline(plain)).toBeGreaterThanOrEqual(1);
    } finally {
      await plain.end();
    }
  });

  it('keeps a full cache where Redis recorded no timeline (a release\'s first replica with the check), and records it', async () => {
    const a = await replica(ds.redisUrl);
    try {
      await a.redis.run('del', (r) => r.del(TIMELINE_KEY));
      expect(await a.keys.get('k0', async () => ({ userId: 3 }))).toEqual({ userId: 3 });
      await checkTimeline({ db: pool, redis: a.redis, caches: [a.links, a.keys], logger: pino({ level: 'silent' }) });
      expect(await a.redis.run('get', (r) => r.get(TIMELINE_KEY))).toBe(String(await readTimeline(pool)));
      expect(a.keys.peek('k0')).toEqual({ userId: 3 });
      expect(await a.redis.run('get', (r) => r.get('shortstack:apikey:k0'))).not.toBeNull();
    } finally {
      await a.close();
    }
  });

  it('empties every replica\'s LRU and Redis once, when PostgreSQL is promoted to a new timeline', async () => {
    const a = await replica(ds.redisUrl);
    const b = await replica(ds.redisUrl);
    const watch = timelineWatch({ db: pool, redis: a.redis, caches: [a.links, a.keys], logger: pino({ level: 'silent' }), everyMs: 100 });
    try {
      const before = await readTimeline(pool);
      watch.start();
      await waitFor('the timeline recorded', async () => (await a.redis.run('get', (r) => r.get(TIMELINE_KEY))) === String(before), WAIT_MS);

      await insertUrl(pool, {
        userId: null, code: 'tl1', originalUrl: 'https://example.com/tl1', title: null, expiresAt: null,
        maxVisits: null, validSince: null, fallbackUrl: null, redirectType: 302, tags: [],
      });
      for (const r of [a, b]) {
        expect(await r.links.get('tl1', load)).toMatchObject({ isActive: true });
        expect(await r.keys.get('k1', async () => ({ userId: 7 }))).toEqual({ userId: 7 });
      }
      // The database changes behind the caches' backs, as a restore does (no invalidation recorded).
      await pool.query('UPDATE urls SET is_active = false WHERE short_code = \'tl1\'');
      // Rounds on the same timeline leave the caches as they are.
      const rounds = Date.now() + 500;
      await waitFor('a few rounds', async () => Date.now() > rounds, WAIT_MS);
      expect(b.links.peek('tl1')).toMatchObject({ isActive: true });
      expect(await a.redis.run('get', (r) => r.get('shortstack:link:tl1'))).toContain('"isActive":true');

      // A standby promoted: PostgreSQL starts in recovery and ends it on a new timeline.
      await ds.postgres.stop();
      const signal = join(ds.postgres.dataDir, 'standby.signal');
      writeFileSync(signal, '');
      const runAs = serviceUser();
      if (runAs) chownSync(signal, runAs.uid, runAs.gid);
      await ds.postgres.start();
      await ds.postgres.query('SELECT pg_promote(true, 60)');
      await waitFor('a new timeline', async () => ((await readTimeline(pool).catch(() => undefined)) ?? 0) > before!, WAIT_MS);

      await waitFor('both LRUs emptied', async () => [a, b].every((r) => r.links.peek('tl1') === undefined && r.keys.peek('k1') === undefined), WAIT_MS);
      expect(await a.redis.run('keys', (r) => r.keys('shortstack:*'))).toEqual([TIMELINE_KEY]);
      expect(await a.redis.run('get', (r) => r.get(TIMELINE_KEY))).toBe(String(await readTimeline(pool)));
      // Read again from the database, and kept again: later rounds on this timeline leave it.
      expect(await b.links.get('tl1', load)).toMatchObject({ isActive: false });
      const later = Date.now() + 500;
      await waitFor('a few rounds', async () => Date.now() > later, WAIT_MS);
      expect(b.links.peek('tl1')).toMatchObject({ isActive: false });
    } finally {
      await watch.stop();
      await Promise.all([a.close(), b.close()]);
    }
  }, 120_000);
});
