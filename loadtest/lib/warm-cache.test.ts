// The bench's warm-up of Redis against real PostgreSQL and Redis: what it writes is what a
// replica's links' cache reads as its own, so after it a replica's cold redirect of a warmed link
// never reaches the database; a link it did not warm still does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../infra/loopback/data-services.js';
import { parseStackConfig } from '../../infra/topology/config.js';
import { createLinkCache } from '../../app/src/cache/link-cache.js';
import { createMetrics } from '../../app/src/metrics/metrics.js';
import { redisReady, ResilientRedis } from '../../app/src/redis/resilient-redis.js';
import { runMigrations } from '../../app/src/migrate.js';
import { copyGeneratedLinks } from './copy-links.js';
import { generatedLinkSet, rankedSubset } from './links.js';
import { infoField, warmRedis } from './warm-cache.js';

const LINKS = 5_000;
// Every third link, the least popular first, as touchedRanks hands them over.
const WARMED = Uint32Array.from({ length: Math.floor(LINKS / 3) }, (_, i) => LINKS - 3 * i);

let data: DataServices;
beforeAll(async () => {
  data = await startDataServices();
  await runMigrations(data.directDatabaseUrl);
  await copyGeneratedLinks(data.directDatabaseUrl, 'w', LINKS);
});
afterAll(async () => {
  await data?.stop();
});

describe('infoField', () => {
  it('reads a number field of INFO, 0 when absent', () => {
    const info = '# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nmaxmemory:0\r\n# Stats\r\nevicted_keys:7\r\n';
    expect(infoField(info, 'used_memory')).toBe(1_048_576);
    expect(infoField(info, 'evicted_keys')).toBe(7);
    expect(infoField(info, 'maxmemory')).toBe(0);
    expect(infoField(info, 'expired_keys')).toBe(0);
  });
});

describe('warmRedis', () => {
  it('writes each link as a replica would read it from Redis, and counts what Redis holds', async () => {
    const links = generatedLinkSet('w', LINKS);
    const warmth = await warmRedis(data, rankedSubset(links, WARMED));
    expect(warmth).toMatchObject({ links: WARMED.length, held: WARMED.length, redis: { evictedKeys: 0 } });
    expect(warmth.redis.usedMb).toBeGreaterThan(0);
    expect(warmth.redis.maxMb).toBe(parseStackConfig({}).cache.redisMaxMemoryMb);

    // A replica's cache, its LRU on as in service: the warmed links come from Redis, the others from its loader.
    const metrics = createMetrics({ version: 'test', commit: 'test' });
    const redis = new ResilientRedis(data.redisUrl, metrics);
    const cache = createLinkCache({ redis, metrics, lruEnabled: true, lruMax: 100, negativeTtlMs: 5_000 });
    try {
      await redisReady(redis, 5_000);
      const loaded: string[] = [];
      const load = async (code: string) => {
        loaded.push(code);
        return null;
      };
      for (const rank of [WARMED[0]!, WARMED[100]!, WARMED.at(-1)!]) {
        const link = await cache.get(links.code(rank), load);
        expect(link).toMatchObject({ originalUrl: links.location(rank), isActive: true });
      }
      expect(loaded).toEqual([]);
      const cold = LINKS - 1; // not a warmed rank: LINKS - 1 is not LINKS - 3i
      expect(await cache.get(links.code(cold), load)).toBeNull();
      expect(loaded).toEqual([links.code(cold)]);
    } finally {
      await cache.close();
      await redis.close();
    }
  });
});
