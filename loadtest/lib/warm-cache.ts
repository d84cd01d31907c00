// Fills a stack's Redis with links as its replicas' cold redirects leave them, without the
// redirects: the app's own links' cache (app/src/cache/link-cache.ts: its keys, entries and TTL;
// Redis only, no LRU) and loader, thousands of codes a turn. Through the stack a cold redirect
// costs this host's two cores about 370 us (2,700 a second): a day of traffic over 10 million
// links touches nearly all of them, an hour of redirects. No clicks are recorded here.
import { setTimeout as sleep } from 'node:timers/promises';
import { createLinkCache } from '../../app/src/cache/link-cache.js';
import { APP_DEFAULTS } from '../../app/src/config-defaults.js';
import { createPool } from '../../app/src/db/pool.js';
import { createMetrics } from '../../app/src/metrics/metrics.js';
import { redisReady, ResilientRedis } from '../../app/src/redis/resilient-redis.js';
import { linkLoader } from '../../app/src/store/link-loader.js';
import type { LinkSet } from './links.js';

/** Redis's memory after a warm-up, from INFO. */
export interface RedisMemory { usedMb: number; maxMb: number; evictedKeys: number }

export interface CacheWarmth {
  /** Links written. */
  links: number;
  /** Of those, how many a replica then found in Redis (fewer when Redis evicted some). Links already there count as written. */
  held: number;
  seconds: number;
  redis: RedisMemory;
}

/** Codes asked for in one turn: the cache sends them as MGETs, loads and SET pipelines of 100. */
const PER_TURN = 2_000;
/** A bulk pipeline waits on Redis longer than a redirect may. */
const COMMAND_TIMEOUT_MS = 30_000;
const CONNECT_WAIT_MS = 10_000;

/** One INFO field as a number (0 when absent). */
export function infoField(info: string, field: string): number {
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return m ? Number(m[1]) : 0;
}

/**
 * Every link of `links`, in its order (least popular first keeps the head should Redis evict),
 * into the stack's Redis as a replica's cold redirect writes it; then each read back as a replica
 * reads it, counting the ones Redis still holds.
 */
export async function warmRedis(stack: { directDatabaseUrl: string; redisUrl: string }, links: LinkSet): Promise<CacheWarmth> {
  const metrics = createMetrics({ version: 'bench', commit: 'bench' });
  const redis = new ResilientRedis(stack.redisUrl, metrics, { commandTimeoutMs: COMMAND_TIMEOUT_MS });
  const pool = createPool(stack.directDatabaseUrl, 4);
  const cache = createLinkCache({ redis, metrics, lruEnabled: false, lruMax: 1, negativeTtlMs: APP_DEFAULTS.cacheNegativeTtlMs });
  const loader = linkLoader(pool);
  let loads = 0;
  const counted = (code: string) => {
    loads += 1;
    return loader(code);
  };
  const pass = async () => {
    for (let first = 1; first <= links.size; first += PER_TURN) {
      const last = Math.min(links.size, first + PER_TURN - 1);
      const turn: Promise<unknown>[] = [];
      for (let rank = first; rank <= last; rank++) turn.push(cache.get(links.code(rank), counted));
      await Promise.all(turn);
    }
  };
  try {
    await redisReady(redis, CONNECT_WAIT_MS);
    // The cache drops its loads in flight when its subscription to invalidations starts, as a
    // replica's must: the warm-up waits for it, or its first turns would not be stored.
    const deadline = Date.now() + CONNECT_WAIT_MS;
    while (!cache.subscribed) {
      if (Date.now() > deadline) throw new Error(`warming Redis: the links' cache not subscribed to invalidations after ${CONNECT_WAIT_MS} ms`);
      await sleep(20);
    }
    const t0 = Date.now();
    await pass();
    const seconds = (Date.now() - t0) / 1000;
    loads = 0;
    await pass();
    const info = await redis.client.info();
    const redisErrors = (await metrics.redisErrors.get()).values.reduce((a, v) => a + v.value, 0);
    if (redisErrors > 0) throw new Error(`warming Redis: ${redisErrors} Redis commands failed`);
    return {
      links: links.size, held: links.size - loads, seconds,
      redis: { usedMb: infoField(info, 'used_memory') / 2 ** 20, maxMb: infoField(info, 'maxmemory') / 2 ** 20, evictedKeys: infoField(info, 'evicted_keys') },
    };
  } finally {
    await cache.close();
    await redis.close();
    await pool.end();
  }
}
