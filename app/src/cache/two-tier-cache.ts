// A bounded in-process LRU in front of Redis, in front of the loader (the database).
// - Unknown keys are cached too (negative caching), for negativeTtlMs only, so a scan of random
//   codes does not reach the database every time but a newly created code appears quickly.
// - invalidate() drops a key here, in Redis, and in every replica's LRU through Redis pub/sub
//   (delivery is a millisecond or two on a LAN, well inside the 100 ms contract).
// - While Redis is down invalidations cannot travel: other replicas serve what they hold for at
//   most lruTtlMs (unsyncedLruTtlMs when set: API keys, which must fail closed, and links, kept
//   as long as in Redis while invalidations travel), and every replica clears its LRU when its
//   subscription comes back. An invalidation that could not be sent is sent again once Redis
//   answers, so Redis itself does not keep the stale entry.
// - forgetEverywhere() empties the cache in Redis and on every replica: after the database was
//   restored to an earlier point (cache/lineage-watch.ts).
// - Concurrent misses of one key share one load (no stampede after an invalidation), and a load
//   that an invalidation overtook is returned to its callers but never stored.
// - A loaded value is answered at once; its SET goes to Redis behind the answer. A cold redirect
//   then waits for two round trips (Redis, the database), not three, and a slow Redis costs it
//   one command timeout, not two. An invalidation received before the SET is sent drops it.
// - The Redis reads of the misses of one event-loop turn go as one MGET, and the values loaded
//   in one turn as one pipeline of SETs (batching/per-turn.ts): a command each cost a socket
//   write each, the largest part of a cold redirect's CPU in the replica.
import { LRUCache } from 'lru-cache';
import { perTurn } from '../batching/per-turn.js';
import type { Metrics } from '../metrics/metrics.js';
import { tally, type Tally } from '../metrics/tally.js';
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
  /**
   * While invalidations may be missed (this replica is not subscribed to the channel, or was
   * subscribed again less than this long ago), an LRU entry older than this is not served: the
   * value is read again. Unset: lruTtlMs alone bounds staleness.
   */
  unsyncedLruTtlMs?: number;
  codec?: CacheCodec<T>;
}

/** `at`: when it was stored, for unsyncedLruTtlMs. */
interface Entry<T> { value: T | null; at: number }
interface Load<T> { promise: Promise<T | null>; stale: boolean }
/** A loaded value on its way to Redis; not sent once its load is stale. */
interface RedisWrite<T> { key: string; text: string; ttlMs: number; load: Load<T> }

/** Marks a negative entry in Redis; a real value is always the codec's text after a prefix. */
const ABSENT = '0';
const PRESENT = '1';
/** Invalidations that could not be sent, kept to send again (beyond this, the oldest are dropped). */
const MAX_UNSENT = 10_000;
const RESEND_INTERVAL_MS = 1_000;
/** Keys in one MGET, or SETs in one pipeline, at most. */
const REDIS_BATCH_MAX = 100;
/** The announcement that drops every key (no key is empty: a code or a key's hash). */
const EVERYTHING = '';
/** Keys a SCAN step asks for, and one UNLINK drops, in forgetEverywhere(). */
const SCAN_COUNT = 1_000;

export class TwoTierCache<T> {
  private readonly lru: LRUCache<string, Entry<T>> | undefined;
  private readonly loads = new Map<string, Load<T>>();
  /** SETs queued and not yet sent, for forget() to drop. */
  private readonly queued = new Set<RedisWrite<T>>();
  private readonly codec: CacheCodec<T>;
  /** A key's text in Redis: null when absent, undefined when Redis could not answer. */
  private readonly readRedis: (redisKey: string) => Promise<string | null | undefined>;
  private readonly writeRedis: (entry: RedisWrite<T>) => Promise<void>;
  private readonly channel: string;
  private readonly unsubscribe: () => void;
  private readonly unsent = new Set<string>();
  private resendTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Tallies (metrics/tally.ts): the LRU lookup is the redirect's hot path. */
  private readonly count: Record<'lruHit' | 'lruMiss' | 'redisHit' | 'redisMiss', Tally>;

  constructor(private readonly opts: TwoTierCacheOptions<T>) {
    this.codec = opts.codec ?? { encode: (v) => JSON.stringify(v), decode: (s) => JSON.parse(s) as T };
    // lru-cache reads the clock once per ttlResolution ms and sets a timer to read it again: at
    // its default of 1 ms, nearly every redirect of a busy replica made a timer (2-4 us a get on
    // this machine, measured one get per turn of the loop). A hundredth of the shortest TTL keeps
    // an entry at most 1% past its time.
    const shortestTtl = this.ttlMs(null) || opts.lruTtlMs; // a negative TTL of 0 keeps nothing
    this.lru = opts.lruEnabled
      ? new LRUCache<string, Entry<T>>({ max: opts.lruMax, ttl: opts.lruTtlMs, ttlResolution: Math.min(1_000, Math.max(1, Math.floor(shortestTtl / 100))) })
      : undefined;
    this.channel = `${opts.namespace}:invalidate`;
    this.readRedis = perTurn(async (keys: readonly string[]) => {
      const texts = await opts.redis.run('get', (r) => r.mget(...keys));
      return texts ?? keys.map(() => undefined);
    }, REDIS_BATCH_MAX);
    this.writeRedis = perTurn(async (entries: readonly RedisWrite<T>[]) => {
      // Checked as the pipeline is sent: an invalidation received since the value was loaded
      // must not be overtaken by the value's SET.
      for (const e of entries) this.queued.delete(e);
      const fresh = entries.filter((e) => !e.load.stale);
      if (fresh.length > 0) await opts.redis.run('set', async (r) => {
        const pipeline = r.pipeline();
        for (const e of fresh) pipeline.set(e.key, e.text, 'PX', e.ttlMs);
        // A pipeline resolves with each command's error beside its result: one failed SET fails the call.
        const failed = (await pipeline.exec())?.find(([err]) => err)?.[0];
        if (failed) throw failed;
      });
      return entries.map(() => undefined);
    }, REDIS_BATCH_MAX);
    const lookups = opts.metrics.cacheLookups;
    this.count = {
      lruHit: tally(lookups, { tier: 'lru', result: 'hit' }), lruMiss: tally(lookups, { tier: 'lru', result: 'miss' }),
      redisHit: tally(lookups, { tier: 'redis', result: 'hit' }), redisMiss: tally(lookups, { tier: 'redis', result: 'miss' }),
    };
    this.unsubscribe = opts.redis.subscribe(this.channel, (key) => (key === EVERYTHING ? this.forgetAll() : this.forget(key)), () => {
      this.forgetAll();
      void this.resend();
    });
  }

  /**
   * The value (null: known not to exist) when this replica's LRU holds an entry it may serve,
   * else undefined: then get(). Synchronous, for the redirect's hot path: a hit costs no promise.
   */
  cached(key: string): T | null | undefined {
    const value = this.peek(key);
    if (value !== undefined) this.count.lruHit.inc(); // get() counts the miss
    return value;
  }

  /**
   * As cached(), but counting nothing: for a caller that may hand the request on to one that
   * looks again (the redirect's fast path). It counts with countHit() when it serves the value.
   */
  peek(key: string): T | null | undefined {
    const hit = this.lru?.get(key);
    return hit === undefined || !this.trusted(hit) ? undefined : hit.value;
  }

  /** An LRU hit served from peek(). */
  countHit(): void {
    this.count.lruHit.inc();
  }

  /** Whether invalidations reach this cache: until they do, a load in flight when they start is not stored. */
  get subscribed(): boolean {
    return this.opts.redis.subscribedSince(this.channel) !== undefined;
  }

  /** The value, or null when the loader says the key does not exist. Loader errors propagate. */
  async get(key: string, load: (key: string) => Promise<T | null>): Promise<T | null> {
    if (this.lru) {
      let hit = this.lru.get(key);
      if (hit && !this.trusted(hit)) {
        this.lru.delete(key);
        hit = undefined;
      }
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
      // A TTL of 0 is no expiry to lru-cache: a miss with CACHE_NEGATIVE_TTL_MS=0 is not kept at all.
      const ttl = this.ttlMs(value);
      if (!entry.stale && ttl > 0) this.lru?.set(key, { value, at: Date.now() }, { ttl });
      return value;
    } finally {
      if (this.loads.get(key) === entry) this.loads.delete(key);
    }
  }

  /** Drops the key on this replica, in Redis and (through pub/sub) on every other replica. */
  async invalidate(key: string): Promise<void> {
    this.forget(key);
    if (!(await this.announce([key]))) this.keepUnsent(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.resendTimer);
    this.resendTimer = undefined;
    this.unsubscribe();
    this.forgetAll();
  }

  /**
   * Drops the keys in Redis and announces them to every replica, this one included (through its
   * subscription): one round trip, never the one without the other. False when Redis did not
   * take it. For a caller that keeps its own record of what to send (the links' outbox relay).
   */
  async announce(keys: readonly string[]): Promise<boolean> {
    if (keys.length === 0) return true;
    const done = await this.opts.redis.run('invalidate', (r) => {
      const multi = r.multi().del(...keys.map((k) => this.redisKey(k)));
      for (const key of keys) multi.publish(this.channel, key);
      return multi.exec();
    });
    return done !== undefined && done !== null;
  }

  /**
   * Drops every key of this cache in Redis (SCAN and UNLINK, a step at a time: Redis serves the
   * replicas between steps), then announces that to every replica, this one included. False when
   * Redis did not take it all: the caller tries again.
   */
  async forgetEverywhere(): Promise<boolean> {
    this.forgetAll();
    const done = await this.opts.redis.run('forget-all', async (r) => {
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `${this.opts.namespace}:*`, 'COUNT', SCAN_COUNT);
        if (keys.length > 0) await r.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
      await r.publish(this.channel, EVERYTHING);
      return true;
    });
    return done === true;
  }

  private keepUnsent(key: string): void {
    if (this.closed) return;
    this.unsent.delete(key); // re-added last: the oldest go first when the bound is hit
    this.unsent.add(key);
    if (this.unsent.size > MAX_UNSENT) this.unsent.delete(this.unsent.values().next().value!);
    this.resendTimer ??= setTimeout(() => {
      this.resendTimer = undefined;
      void this.resend();
    }, RESEND_INTERVAL_MS).unref();
  }

  /** Sends the invalidations Redis missed; what still fails waits for the next round. */
  private async resend(): Promise<void> {
    for (const key of [...this.unsent]) {
      if (!this.unsent.has(key)) continue;
      this.unsent.delete(key);
      if (!(await this.announce([key]))) {
        this.keepUnsent(key);
        return; // Redis is still down: no use trying the rest now
      }
    }
  }

  /** An LRU entry may be served unless invalidations may have been missed since it was stored. */
  private trusted(entry: Entry<T>): boolean {
    const limit = this.opts.unsyncedLruTtlMs;
    if (limit === undefined) return true;
    const now = Date.now();
    const since = this.opts.redis.subscribedSince(this.channel);
    if (since !== undefined && now - since >= limit) return true;
    return now - entry.at < limit;
  }

  private async fetch(key: string, load: (key: string) => Promise<T | null>, self: Load<T>): Promise<T | null> {
    const redisKey = this.redisKey(key);
    const text = await this.readRedis(redisKey);
    // undefined = Redis unavailable: neither a hit nor a miss, just not asked.
    if (text !== undefined) (text === null ? this.count.redisMiss : this.count.redisHit).inc();
    if (typeof text === 'string') {
      const decoded = this.decode(text);
      if (decoded !== undefined) return decoded.value;
    }
    const value = await load(key);
    const ttlMs = value === null ? this.opts.negativeTtlMs : this.opts.redisTtlSeconds * 1000;
    // A negative TTL of 0 keeps no miss: Redis refuses a SET with PX 0.
    if (!self.stale && ttlMs > 0) {
      const stored = value === null ? ABSENT : PRESENT + this.codec.encode(value);
      const write: RedisWrite<T> = { key: redisKey, text: stored, ttlMs, load: self };
      this.queued.add(write);
      // Not awaited (see the top). It does not reject: ResilientRedis.run answers undefined on failure.
      void this.writeRedis(write);
    }
    return value;
  }

  private decode(text: string): { value: T | null } | undefined {
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
    if (this.queued.size === 0) return;
    const redisKey = this.redisKey(key);
    for (const write of this.queued) if (write.key === redisKey) write.load.stale = true;
  }

  private forgetAll(): void {
    this.lru?.clear();
    for (const load of this.loads.values()) load.stale = true;
    this.loads.clear();
    for (const write of this.queued) write.load.stale = true;
  }

  private redisKey(key: string): string {
    return `${this.opts.namespace}:${key}`;
  }
}
