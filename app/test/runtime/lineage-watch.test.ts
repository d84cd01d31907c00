// The caches after the database went back in time, on real PostgreSQL (promoted to a new
// timeline, as at the end of a point-in-time restore; another database, as one loaded from a
// dump), PgBouncer and Redis: every replica's LRU and Redis drop what they held, so links and API
// keys are read from the database again.
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../infra/loopback/servers/ports.js';
import { serviceUser } from '../../../infra/loopback/servers/process.js';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { createLinkCache } from '../../src/cache/link-cache.js';
import { cachesOutlived, LINEAGE_KEY, LineageReader, LineageWatch, lineageText, type LineageWatchOptions } from '../../src/cache/lineage-watch.js';
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
  return { redis, links, keys, caches: [links, keys], close: async () => { await Promise.all([links.close(), keys.close()]); await redis.close(); } };
}

const silent = pino({ level: 'silent' });
const watch = (o: Omit<LineageWatchOptions, 'logger'>) => new LineageWatch({ ...o, logger: silent });

describe('the caches after the database was restored', () => {
  let ds: DataServices;
  let pool: pg.Pool;
  let load: (code: string) => Promise<CachedLink | null>;
  const read = (db: Pick<pg.Pool, 'query'>) => new LineageReader(db).read();
  const asRole = (role: string) => ds.directDatabaseUrl.replace(/\/\/[^@]*@/, `//${role}:plain@`);

  beforeAll(async () => {
    ds = await startDataServices();
    await runMigrations(ds.directDatabaseUrl);
    // The app's way in: PgBouncer, the app's role.
    pool = appTestPool(ds.databaseUrl, 2);
    load = linkLoader(pool);
    await ds.postgres.query('CREATE ROLE plain_reader LOGIN PASSWORD \'plain\'');
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await ds?.stop();
  });

  it('needs emptying only when Redis recorded another lineage', () => {
    const now = { system: '7412', database: '16384', timeline: 1 };
    expect(cachesOutlived('7412/16384/1', now)).toBe(false);
    // A promotion or a point-in-time restore: a new timeline.
    expect(cachesOutlived('7412/16384/2', now)).toBe(true);
    // A dump loaded into a database made again: another oid.
    expect(cachesOutlived('7412/16390/1', now)).toBe(true);
    // A dump loaded into a new cluster, on the same timeline number and oid.
    expect(cachesOutlived('9001/16384/1', now)).toBe(true);
    // A system identifier one side could not read is not compared: a grant changed, not the database.
    expect(cachesOutlived('-/16384/1', now)).toBe(false);
    expect(cachesOutlived('7412/16384/1', { ...now, system: null })).toBe(false);
    expect(cachesOutlived('-/16384/2', { ...now, system: null })).toBe(true);
    // None recorded: a new or emptied Redis, or the first replica with the check.
    expect(cachesOutlived(null, now)).toBe(false);
    expect(lineageText(now)).toBe('7412/16384/1');
    expect(lineageText({ ...now, system: null })).toBe('-/16384/1');
  });

  it('reads the lineage as a role with no grants beyond LOGIN, and without the system identifier where EXECUTE on it is revoked', async () => {
    // Functions' grants are per database: the app's, as a superuser.
    const app = new URL(ds.directDatabaseUrl).pathname.slice(1);
    const { rows: [truth] } = await ds.postgres.query(
      'SELECT (SELECT system_identifier::text FROM pg_control_system()) AS system, (SELECT oid::text FROM pg_database WHERE datname = current_database()) AS database', [], app);
    const plain = new pg.Client({ connectionString: asRole('plain_reader') });
    await plain.connect();
    try {
      const lineage = await read(plain);
      expect(lineage).toEqual(await read(pool));
      expect(lineage).toMatchObject({ system: truth!.system, database: truth!.database });
      expect(lineage!.timeline).toBeGreaterThanOrEqual(1);

      // An operator who revoked it from PUBLIC: the reader falls back once, and keeps reading the rest.
      await ds.postgres.query('REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC', [], app);
      const reader = new LineageReader(plain);
      expect(await reader.read()).toEqual({ ...lineage, system: null });
      expect(await reader.read()).toEqual({ ...lineage, system: null });
    } finally {
      await ds.postgres.query('GRANT EXECUTE ON FUNCTION pg_control_system() TO PUBLIC', [], app);
      await plain.end();
    }
  });

  it('keeps a full cache where Redis recorded no lineage (a release\'s first replica with the check), and records it', async () => {
    const a = await replica(ds.redisUrl);
    try {
      await a.redis.run('del', (r) => r.del(LINEAGE_KEY));
      expect(await a.keys.get('k0', async () => ({ userId: 3 }))).toEqual({ userId: 3 });
      await watch({ db: pool, redis: a.redis, caches: a.caches }).check();
      expect(await a.redis.run('get', (r) => r.get(LINEAGE_KEY))).toBe(lineageText((await read(pool))!));
      expect(a.keys.peek('k0')).toEqual({ userId: 3 });
      expect(await a.redis.run('get', (r) => r.get('shortstack:apikey:k0'))).not.toBeNull();
    } finally {
      await a.close();
    }
  });

  it('empties the caches when the database is another one on the same timeline (a dump loaded into a database made again)', async () => {
    const a = await replica(ds.redisUrl);
    await ds.postgres.query('CREATE DATABASE reloaded');
    const reloaded = new pg.Client({ connectionString: ds.directDatabaseUrl.replace(/\/[^/?]+(\?|$)/, '/reloaded$1') });
    await reloaded.connect();
    try {
      await watch({ db: pool, redis: a.redis, caches: a.caches }).check();
      expect(await a.keys.get('k2', async () => ({ userId: 5 }))).toEqual({ userId: 5 });
      const other = (await read(reloaded))!;
      expect(other.timeline).toBe((await read(pool))!.timeline);
      await watch({ db: reloaded, redis: a.redis, caches: a.caches }).check();
      await waitFor('the LRU emptied', async () => a.keys.peek('k2') === undefined, WAIT_MS);
      expect(await a.redis.run('keys', (r) => r.keys('shortstack:*'))).toEqual([LINEAGE_KEY]);
      expect(await a.redis.run('get', (r) => r.get(LINEAGE_KEY))).toBe(lineageText(other));
    } finally {
      await reloaded.end();
      await a.close();
    }
  });

  it('empties every replica\'s LRU and Redis once, when PostgreSQL is promoted to a new timeline', async () => {
    const a = await replica(ds.redisUrl);
    const b = await replica(ds.redisUrl);
    const watching = watch({ db: pool, redis: a.redis, caches: a.caches, everyMs: 100 });
    try {
      const before = (await read(pool))!;
      watching.start();
      await waitFor('the lineage recorded', async () => (await a.redis.run('get', (r) => r.get(LINEAGE_KEY))) === lineageText(before), WAIT_MS);
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
      await waitFor('a new timeline', async () => ((await read(pool).catch(() => undefined))?.timeline ?? 0) > before.timeline, WAIT_MS);

      await waitFor('both LRUs emptied', async () => [a, b].every((r) => r.links.peek('tl1') === undefined && r.keys.peek('k1') === undefined), WAIT_MS);
      expect(await a.redis.run('keys', (r) => r.keys('shortstack:*'))).toEqual([LINEAGE_KEY]);
      const after = (await read(pool))!;
      expect(after).toMatchObject({ system: before.system, database: before.database });
      expect(await a.redis.run('get', (r) => r.get(LINEAGE_KEY))).toBe(lineageText(after));
      // Read again from the database, and kept again: later rounds on this timeline leave it.
      expect(await b.links.get('tl1', load)).toMatchObject({ isActive: false });
      const later = Date.now() + 500;
      await waitFor('a few rounds', async () => Date.now() > later, WAIT_MS);
      expect(b.links.peek('tl1')).toMatchObject({ isActive: false });
    } finally {
      await watching.stop();
      await Promise.all([a.close(), b.close()]);
    }
  }, 120_000);
});
