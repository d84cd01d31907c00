// A bounded in-process LRU in front of Redis, in front of the loader (the database).
// - Unknown keys are cached too (negative caching), for negativeTtlMs only, so a scan of random
//   codes does not reach the database every time but a newly created code appears quickly.
// - invalidate() drops a key here, in Redis, and in every replica's LRU through Redis pub/sub
//   (delivery is a millisecond or two on a LAN, well inside the 100 ms contract).
// - While Redis is down invalidations cannot travel: other replicas serve what they hold for at
//   most lruTtlMs, and every replica clears its LRU when its subscription comes back.
// - Concurrent misses of one key share one load (no stampede after an invalidation), and a load
//   that an invalidation overtook is returned to its callers but never stored.
import { LRUCache } from 'lru-cache';
import type { Metrics } from '../metrics/metrics.js';
import type { ResilientRedis } from '../redis/resilient-redis.js';

/** How values travel through Redis. The default is JSON, so a Date comes back as a string. */
export interface CacheCodec<T> { encode(value: T): string; decode(text: string): T }

export interface TwoTierCacheOptions<T> {
  namespace: string;
  redis: ResilientRedis;
  metrics: Metrics;
  lruEnabled: boolean;
  lruMax: number;
  lruTtlMs: number;
  redisTtlSeconds: number;
  negativeTtlMs: number;
  codec?: CacheCodec<T>;
}

interface Entry<T> { value: T | null }
interface Load<T> { promise: Promise<T | null>; stale: boolean }

/** Marks a negative entry in Redis; a real value is always the codec's text after a prefix. */
const ABSENT = '0';
const PRESENT = '1';

export class TwoTierCache<T> {
  private readonly lru: LRUCache<string, Entry<T>> | undefined;
  private readonly loads = new Map<string, Load<T>>();
  private readonly codec: CacheCodec<T>;
  private readonly channel: string;
  private readonly unsubscribe: () => void;
  /** Label children resolved once: the LRU lookup is the redirect's hot path. */
  private readonly count: Record<'lruHit' | 'lruMiss' | 'redisHit' | 'redisMiss', { inc(): void }>;

  constructor(private readonly opts: TwoTierCacheOptions<T>) {
    this.codec = opts.codec ?? { encode: (v) => JSON.stringify(v), decode: (s) => JSON.parse(s) as T };
    this.lru = opts.lruEnabled ? new LRUCache<string, Entry<T>>({ max: opts.lruMax, ttl: opts.lruTtlMs }) : undefined;
    this.channel = `${opts.namespace}:invalidate`;
    const lookups = opts.metrics.cacheLookups;
    this.count = {
      lruHit: lookups.labels('lru', 'hit'), lruMiss: lookups.labels('lru', 'miss'),
      redisHit: lookups.labels('redis', 'hit'), redisMiss: lookups.labels('redis', 'miss'),
    };
    this.unsubscribe = opts.redis.subscribe(this.channel, (key) => this.forget(key), () => this.forgetAll());
  }

  /** The value, or null when the loader says the key does not exist. Loader errors propagate. */
  async get(key: string, load: (key: string) => Promise<T | null>): Promise<T | null> {
    if (this.lru) {
      const hit = this.lru.get(key);
      (hit ? this.count.lruHit : this.count.lruMiss).inc();
      if (hit) return hit.value;
    }
    const inFlight = this.loads.get(key);
    if (inFlight) return inFlight.promise;

    const entry = { stale: false } as Load<T>;
    entry.promise = this.fetch(key, load, entry);
    this.loads.set(key, entry);
    try {
      const value = await entry.promise;
      if (!entry.stale) this.lru?.set(key, { value }, { ttl: this.ttlMs(value) });
      return value;
    } finally {
      if (this.loads.get(key) === entry) this.loads.delete(key);
    }
  }

  /** Drops the key on this replica, in Redis and (through pub/sub) on every other replica. */
  async invalidate(key: string): Promise<void> {
    this.forget(key);
    // One round trip, and never the delete without the announcement (or the reverse).
    await this.opts.redis.run('invalidate', (r) => r.multi().del(this.redisKey(key)).publish(this.channel, key).exec());
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.forgetAll();
  }

  private async fetch(key: string, load: (key: string) => Promise<T | null>, self: Load<T>): Promise<T | null> {
    const { redis } = this.opts;
    const redisKey = this.redisKey(key);
    const text = await redis.run('get', (r) => r.get(redisKey));
    // undefined = Redis unavailable: neither a hit nor a miss, just not asked.
    if (text !== undefined) (text === null ? this.count.redisMiss : this.count.redisHit).inc();
    if (typeof text === 'string') {
      const decoded = this.decode(text);
      if (decoded !== undefined) return decoded.value;
    }
    const value = await load(key);
    if (!self.stale) {
      const stored = value === null ? ABSENT : PRESENT + this.codec.encode(value);
      await redis.run('set', (r) => r.set(redisKey, stored, 'PX', value === null ? this.opts.negativeTtlMs : this.opts.redisTtlSeconds * 1000));
    }
    return value;
  }

  private decode(text: string): Entry<T> | undefined {
    if (text === ABSENT) return { value: null };
    if (!text.startsWith(PRESENT)) return undefined;
    try {
      return { value: this.codec.decode(text.slice(PRESENT.length)) };
    } catch {
      return undefined; // An entry written by an incompatible build: reload it.
    }
  }

  private ttlMs(value: T | null): number {
    return value === null ? Math.min(this.opts.negativeTtlMs, this.opts.lruTtlMs) : this.opts.lruTtlMs;
  }

  private forget(key: string): void {
    this.lru?.delete(key);
    const load = this.loads.get(key);
    if (load) {
      load.stale = true;
      this.loads.delete(key);
    }
  }

  private forgetAll(): void {
    this.lru?.clear();
    for (const load of this.loads.values()) load.stale = true;
    this.loads.clear();
  }

  private redisKey(key: string): string {
    return `${this.opts.namespace}:${key}`;
  }
}
