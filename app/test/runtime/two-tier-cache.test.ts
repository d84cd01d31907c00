// TwoTierCache and ResilientRedis against a real redis-server, killed and restarted mid-test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../../../infra/loopback/servers/ports.js';
import { RedisServer } from '../../../infra/loopback/servers/redis.js';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { ResilientRedis } from '../../src/redis/resilient-redis.js';
import { TwoTierCache } from '../../src/cache/two-tier-cache.js';

interface Link { id: number; url: string }

/** One "replica": its own metrics, Redis connections and cache. */
function replica(redisUrl: string, opts: { lruEnabled?: boolean; commandTimeoutMs?: number; unsyncedLruTtlMs?: number; negativeTtlMs?: number } = {}) {
  const metrics = createMetrics({ version: 't', commit: 't' });
  // A generous command timeout by default: two shared cores under load must not fail healthy calls.
  const redis = new ResilientRedis(redisUrl, metrics, { commandTimeoutMs: opts.commandTimeoutMs ?? 2_000, openMs: 200, maxReconnectDelayMs: 200 });
  const cache = new TwoTierCache<Link>({
    namespace: 'link', redis, metrics, lruEnabled: opts.lruEnabled ?? true,
    lruMax: 100, lruTtlMs: 60_000, redisTtlSeconds: 60, negativeTtlMs: opts.negativeTtlMs ?? 300, unsyncedLruTtlMs: opts.unsyncedLruTtlMs,
  });
  const close = async () => { await cache.close(); await redis.close(); };
  return { metrics, redis, cache, close };
}

/**
 * Healthy and subscribed to invalidations: a cache whose subscription (re)starts marks the loads
 * in flight stale (an invalidation may have been missed), so a load racing it is not stored.
 */
const ready = (r: ReturnType<typeof replica>) => r.redis.isHealthy() && r.redis.subscribedSince('link:invalidate') !== undefined;

/** A loaded value's SET goes behind its answer: wait until Redis holds the key. */
async function landed(redisUrl: string, ...keys: string[]): Promise<void> {
  const admin = new Redis(redisUrl);
  try {
    await waitFor(`${keys.join(', ')} in Redis`, async () => (await admin.exists(...keys)) === keys.length);
  } finally {
    admin.disconnect();
  }
}

async function lookups(metrics: Metrics, tier: string, result: string): Promise<number> {
  const m = await metrics.cacheLookups.get();
  return m.values.find((v) => v.labels.tier === tier && v.labels.result === result)?.value ?? 0;
}

describe('TwoTierCache on real Redis', () => {
  let dir: string;
  let server: RedisServer;
  let redisUrl: string;
  const db = new Map<string, Link>();
  let loads = 0;
  const load = async (key: string) => { loads += 1; return db.get(key) ?? null; };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cache-test-'));
    server = new RedisServer({ dir, port: await freePort() });
    await server.start();
    redisUrl = server.url();
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves from the LRU, then from Redis on another replica, loading once', async () => {
    const a = replica(redisUrl);
    const b = replica(redisUrl);
    await waitFor('both ready', async () => ready(a) && ready(b));
    db.set('abc', { id: 1, url: 'https://example.com/a' });
    loads = 0;
    expect(await a.cache.get('abc', load)).toEqual({ id: 1, url: 'https://example.com/a' });
    expect(await a.cache.get('abc', load)).toEqual({ id: 1, url: 'https://example.com/a' });
    await landed(redisUrl, 'link:abc');
    expect(await b.cache.get('abc', load)).toEqual({ id: 1, url: 'https://example.com/a' });
    expect(loads).toBe(1);
    expect(await lookups(a.metrics, 'lru', 'hit')).toBe(1);
    expect(await lookups(b.metrics, 'redis', 'hit')).toBe(1);
    await a.close();
    await b.close();
  });

  it('answers an LRU entry synchronously (cached), a negative one as null, and leaves the rest to get()', async () => {
    // A negative entry that outlives a busy machine's pauses.
    const a = replica(redisUrl, { negativeTtlMs: 60_000 });
    await waitFor('ready', async () => ready(a));
    db.set('syn', { id: 7, url: 'https://example.com/s' });
    expect(a.cache.cached('syn')).toBeUndefined();
    expect(await a.cache.get('syn', load)).toEqual({ id: 7, url: 'https://example.com/s' });
    expect(await a.cache.get('nosuch', load)).toBeNull();
    expect(a.cache.cached('syn')).toEqual({ id: 7, url: 'https://example.com/s' });
    expect(a.cache.cached('nosuch')).toBeNull();
    // Each lookup counted once: the two misses by get(), the two synchronous hits by cached().
    expect(await lookups(a.metrics, 'lru', 'miss')).toBe(2);
    expect(await lookups(a.metrics, 'lru', 'hit')).toBe(2);
    // Invalidated: no longer answered from memory.
    await a.cache.invalidate('syn');
    expect(a.cache.cached('syn')).toBeUndefined();
    await a.close();
  });

  it('keeps no miss with a negative TTL of 0: each lookup asks the loader, and Redis sees no SET it would refuse', async () => {
    const a = replica(redisUrl, { negativeTtlMs: 0 });
    await waitFor('ready', async () => ready(a));
    loads = 0;
    for (let i = 0; i < 3; i++) expect(await a.cache.get('never', load)).toBeNull();
    expect(loads).toBe(3);
    expect(a.cache.cached('never')).toBeUndefined();
    const errors = (await a.metrics.redisErrors.get()).values.reduce((n, v) => n + v.value, 0);
    expect(errors).toBe(0);
    await a.close();
  });

  it('shares one load among concurrent misses', async () => {
    const a = replica(redisUrl);
    await waitFor('ready', async () => ready(a));
    db.set('hot', { id: 2, url: 'https://example.com/hot' });
    loads = 0;
    const slowLoad = async (k: string) => { await new Promise((r) => setTimeout(r, 50)); return load(k); };
    const all = await Promise.all(Array.from({ length: 20 }, () => a.cache.get('hot', slowLoad)));
    expect(all.every((v) => v?.id === 2)).toBe(true);
    expect(loads).toBe(1);
    await a.close();
  });


  it("reads the Redis entries of one turn's misses of different keys with one MGET", async () => {
    const a = replica(redisUrl);
    const b = replica(redisUrl);
    await waitFor('ready', async () => ready(a) && ready(b));
    const keys = ['m1', 'm2', 'm3'];
    keys.forEach((k, i) => db.set(k, { id: 10 + i, url: `https://example.com/${k}` }));
    await Promise.all(keys.map((k) => a.cache.get(k, load)));
    await landed(redisUrl, ...keys.map((k) => `link:${k}`));
    const admin = new Redis(redisUrl);
    await admin.config('RESETSTAT');
    loads = 0;
    // b's LRU is empty: three misses in one turn, all found in Redis, one unknown key beside them.
    const got = await Promise.all([...keys, 'm-none'].map((k) => b.cache.get(k, load)));
    expect(got.map((v) => v?.id ?? null)).toEqual([10, 11, 12, null]);
    expect(loads).toBe(1); // the unknown key only
    const stats = await admin.info('commandstats');
    expect(/cmdstat_mget:calls=(\d+)/.exec(stats)?.[1]).toBe('1');
    expect(stats).not.toMatch(/cmdstat_get:/);
    admin.disconnect();
    await a.close();
    await b.close();
  });

  it('returns a load an invalidation overtook but stores it nowhere, even once its SET is queued', async () => {
    const a = replica(redisUrl);
    await waitFor('ready', async () => ready(a));
    const admin = new Redis(redisUrl);
    db.set('raced', { id: 20, url: 'https://example.com/old' });
    // During the load: the value read is already old.
    const during = async (k: string) => { const v = await load(k); await a.cache.invalidate(k); return v; };
    expect((await a.cache.get('raced', during))?.id).toBe(20);
    expect(await admin.exists('link:raced')).toBe(0);
    expect(a.cache.cached('raced')).toBeUndefined();
    // After the load, before its SET leaves with the turn's batch: queued first, the
    // invalidation runs after the value's SET was queued and before the batch is sent.
    const after = async (k: string) => { setImmediate(() => void a.cache.invalidate(k)); return load(k); };
    expect((await a.cache.get('raced', after))?.id).toBe(20);
    await new Promise((r) => setTimeout(r, 50));
    expect(await admin.exists('link:raced')).toBe(0);
    expect(a.cache.cached('raced')).toBeUndefined();
    admin.disconnect();
    await a.close();
  });
  it('caches unknown keys only for the negative TTL', async () => {
    const a = replica(redisUrl);
    await waitFor('ready', async () => ready(a));
    loads = 0;
    expect(await a.cache.get('nope', load)).toBeNull();
    expect(await a.cache.get('nope', load)).toBeNull();
    expect(loads).toBe(1);
    db.set('nope', { id: 3, url: 'https://example.com/late' });
    await new Promise((r) => setTimeout(r, 350));
    expect(await a.cache.get('nope', load)).toEqual({ id: 3, url: 'https://example.com/late' });
    expect(loads).toBe(2);
    await a.close();
  });

  it('invalidation reaches the other replica\'s LRU within 100 ms', async () => {
    const a = replica(redisUrl);
    const b = replica(redisUrl);
    const subscribed = () => new Promise<void>((resolve) => {
      // A subscription of our own on each replica's subscriber connection proves it is up.
      let n = 0;
      for (const r of [a, b]) r.redis.subscribe('probe', () => undefined, () => { if (++n === 2) resolve(); });
    });
    await subscribed();
    db.set('inv', { id: 4, url: 'https://example.com/old' });
    await a.cache.get('inv', load);
    await b.cache.get('inv', load);
    db.set('inv', { id: 4, url: 'https://example.com/new' });
    const started = Date.now();
    await a.cache.invalidate('inv');
    let seen = '';
    while (Date.now() - started < 100) {
      seen = (await b.cache.get('inv', load))?.url ?? '';
      if (seen === 'https://example.com/new') break;
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(seen).toBe('https://example.com/new');
    expect(Date.now() - started).toBeLessThan(100);
    await a.close();
    await b.close();
  });

  it('goes to Redis on every get when the LRU is disabled', async () => {
    const a = replica(redisUrl, { lruEnabled: false });
    await waitFor('ready', async () => ready(a));
    db.set('nolru', { id: 5, url: 'https://example.com/n' });
    await a.cache.get('nolru', load);
    await a.cache.get('nolru', load);
    await a.cache.get('nolru', load);
    expect(await lookups(a.metrics, 'lru', 'hit') + await lookups(a.metrics, 'lru', 'miss')).toBe(0);
    expect(await lookups(a.metrics, 'redis', 'hit')).toBe(2);
    await a.close();
  });

  it('fails fast while Redis is slow: one command timeout per call until the breaker opens, then none', async () => {
    // Bounds sized for a busy machine: a command timeout of 1 s, Redis blocked for 10 s.
    const COMMAND_TIMEOUT_MS = 1_000;
    const a = replica(redisUrl, { lruEnabled: false, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    await waitFor('ready', async () => ready(a));
    db.set('slow', { id: 7, url: 'https://example.com/slow' });
    // A busy script blocks the whole server: every command waits, as on an overloaded Redis
    // (DEBUG SLEEP is disabled by default in Redis 7).
    const blocker = new Redis(redisUrl);
    const probe = new Redis(redisUrl);
    await Promise.all([blocker.ping(), probe.ping()]);
    const busy = `local s = redis.call('TIME')
      repeat local n = redis.call('TIME') until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > 10000000
      return 1`;
    const blocked = blocker.eval(busy, 0).catch(() => undefined);
    // Measured only once Redis is busy: a PING left unanswered for 100 ms says the script runs.
    await waitFor('Redis busy', async () => {
      const answered = await Promise.race([probe.ping().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 100))]);
      return !answered;
    }, 10_000);
    const durations: number[] = [];
    for (let i = 0; i < 8; i++) {
      const started = Date.now();
      expect((await a.cache.get('slow', load))?.id).toBe(7);
      durations.push(Date.now() - started);
    }
    // The first calls cost a command timeout for the MGET (the SET goes behind the answer, and
    // its timeout costs the answer nothing); from the 5th failure on the breaker is open and the
    // loader answers without waiting on Redis.
    expect(Math.max(...durations)).toBeLessThan(2 * COMMAND_TIMEOUT_MS);
    expect(durations.slice(-2).every((d) => d < COMMAND_TIMEOUT_MS)).toBe(true);
    expect(a.redis.isHealthy()).toBe(false);
    await blocked;
    blocker.disconnect();
    probe.disconnect();
    await waitFor('breaker closes after a successful probe', async () => {
      await a.cache.get('slow', load);
      return a.redis.isHealthy();
    }, 30_000);
    await a.close();
  });

  it('does not send again, on reconnecting, a SET that Redis died before answering', async () => {
    // Replayed after the outage, a cache SET would land after the invalidations held back by
    // it (sent again once Redis answers) and put back the value they deleted.
    const a = replica(redisUrl, { commandTimeoutMs: 3_000 });
    await waitFor('ready', async () => ready(a));
    // Redis holds every client's commands unanswered until it dies below.
    const admin = new Redis(redisUrl, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    admin.on('error', () => undefined);
    expect(await admin.call('CLIENT', 'PAUSE', '60000', 'ALL')).toBe('OK');
    const set = a.redis.run('set', (r) => r.set('replayed', '1'));
    await new Promise((r) => setTimeout(r, 50));
    await server.kill();
    admin.disconnect();
    await server.start();
    await waitFor('reconnected', async () => a.redis.isHealthy(), 10_000);
    expect(await set).toBeUndefined(); // failed as the connection dropped, never answered
    const probe = new Redis(redisUrl);
    expect(await probe.exists('replayed')).toBe(0);
    probe.disconnect();
    await a.close();
  });

  it('fails a command in flight as soon as its connection drops, also when it reconnects at once', async () => {
    // Left to its command timeout, every command a short drop caught fails after the reconnect,
    // and a burst of them opens the breaker on a Redis that is back.
    const a = replica(redisUrl, { commandTimeoutMs: 6_000 });
    await waitFor('ready', async () => ready(a));
    let settledAt: number | undefined;
    const blocked = a.redis.run('blpop', (r) => r.blpop('never-pushed', 0)).finally(() => { settledAt = Date.now(); });
    const admin = new Redis(redisUrl);
    await waitFor('BLPOP waiting', async () => String(await admin.call('CLIENT', 'LIST', 'TYPE', 'normal')).includes('cmd=blpop'));
    const droppedAt = Date.now();
    // Redis stays up: the replica's next connect, 100 ms on, succeeds.
    expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')).toBeGreaterThan(0);
    expect(await blocked).toBeUndefined();
    expect(settledAt! - droppedAt).toBeLessThan(3_000);
    await waitFor('reconnected', async () => a.redis.isHealthy(), 10_000);
    admin.disconnect();
    await a.close();
  });

  it('keeps answering from the loader while Redis is killed, opens the breaker, and recovers without a restart', async () => {
    const a = replica(redisUrl, { lruEnabled: false });
    const b = replica(redisUrl);
    let subscriptions = 0;
    b.redis.subscribe('probe', () => undefined, () => { subscriptions += 1; });
    await waitFor('subscribed', async () => subscriptions === 1 && a.redis.isHealthy());
    db.set('k', { id: 6, url: 'https://example.com/k1' });
    await b.cache.get('k', load);

    await server.kill();
    loads = 0;
    const started = Date.now();
    for (let i = 0; i < 50; i++) expect((await a.cache.get('k', load))?.id).toBe(6);
    // Fail fast: 50 gets without Redis well under one command timeout each.
    expect(Date.now() - started).toBeLessThan(1000);
    expect(loads).toBe(50);
    expect(a.redis.isHealthy()).toBe(false);
    expect((await a.metrics.redisCircuitOpen.get()).values[0]?.value).toBe(1);
    expect(await a.redis.run('get', (r) => r.get('x'))).toBeUndefined();
    // Invalidations cannot travel now; b serves its LRU copy until its subscription comes back.
    db.set('k', { id: 6, url: 'https://example.com/k2' });
    await a.cache.invalidate('k');
    expect((await b.cache.get('k', load))?.url).toBe('https://example.com/k1');

    await server.start();
    await waitFor('a healthy again', async () => a.redis.isHealthy(), 5000);
    await waitFor('b resubscribed', async () => subscriptions === 2, 5000);
    // The LRU was cleared on resubscription: the missed invalidation cannot leave b stale.
    expect((await b.cache.get('k', load))?.url).toBe('https://example.com/k2');
    expect((await a.metrics.redisCircuitOpen.get()).values[0]?.value).toBe(0);
    expect(await a.redis.run('set', (r) => r.set('x', '1'))).toBe('OK');
    await a.close();
    await b.close();
  });

  it('with unsyncedLruTtlMs, stops serving its LRU copy soon after the channel drops, and resends missed invalidations', async () => {
    const a = replica(redisUrl, { lruEnabled: false });
    const b = replica(redisUrl, { unsyncedLruTtlMs: 300 });
    let subscriptions = 0;
    b.redis.subscribe('probe', () => undefined, () => { subscriptions += 1; });
    await waitFor('subscribed', async () => subscriptions === 1 && a.redis.isHealthy());
    await waitFor('b synced for longer than the bound', async () => Date.now() - (b.redis.subscribedSince('link:invalidate') ?? Date.now()) > 300);
    db.set('fc', { id: 8, url: 'https://example.com/fc1' });
    loads = 0;
    await b.cache.get('fc', load);
    await b.cache.get('fc', load);
    expect(loads).toBe(1); // synced: the LRU serves
    // The entry b wrote to Redis survives the restart below (a snapshot), as it would a network cut.
    await landed(redisUrl, 'link:fc');
    const raw = new Redis(redisUrl);
    await raw.save();
    raw.disconnect();

    await server.kill();
    await waitFor('b sees its subscription gone', async () => b.redis.subscribedSince('link:invalidate') === undefined, 5_000);
    db.set('fc', { id: 8, url: 'https://example.com/fc2' });
    await a.cache.invalidate('fc'); // cannot travel: Redis is down
    const started = Date.now();
    await waitFor('b reads the key again', async () => (await b.cache.get('fc', load))?.url === 'https://example.com/fc2', 2_000);
    expect(Date.now() - started).toBeLessThan(1_000);

    // Once Redis is back (with the stale entry), a sends the invalidation it could not send.
    await server.start();
    const after = new Redis(redisUrl);
    await waitFor('the missed invalidation deletes the stale entry', async () => (await after.exists('link:fc')) === 0, 10_000);
    after.disconnect();
    await a.close();
    await b.close();
  });
});
