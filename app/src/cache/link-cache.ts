// The links' cache, in one place for the replicas and for what fills it as they would (the
// bench's warm-up of a day of traffic, loadtest/lib/warm-cache.ts): its Redis keys, entries
// and TTL are the same wherever it is made.
import { DEFAULT_REDIRECT_TYPE, type CachedLink } from '../domain/link.js';
import { TwoTierCache, type CacheCodec, type TwoTierCacheOptions } from './two-tier-cache.js';

/**
 * Links change rarely and every change is invalidated explicitly, through an outbox that outlives
 * the replica making it (cache/invalidation-relay.ts): the TTL bounds no staleness, only how long
 * Redis, and a replica's LRU within its bound, keep a link after it was read. A day: with an
 * hour, 5.7% of the bench's Zipf traffic over 10M links was cold, each such request three round
 * trips more, and its p99 1.5x that of 10k links (loadtest/FIGURES.md, twenty-first pass). The
 * bench warms its caches as this long of traffic leaves them (loadtest/bench/cli.ts).
 */
export const LINK_CACHE_TTL_S = 86_400;

/**
 * Redis's memory per cached link: its key, entry and expiry, rounded up from what `npm run bench`
 * measures after its warm-up (260 bytes a link for 1M links, the bench's links as LINK_CODEC
 * writes them; 356-371 with every field; a longer URL takes more). For sizing: the bench's Redis,
 * and the alert that says Redis evicts.
 */
export const LINK_CACHE_ENTRY_BYTES = 300;

/**
 * A link's Redis entry without the features it does not use: their null (and the default
 * redirect type) read the same as absent (domain/link.ts), and were about a third of an entry,
 * so Redis holds more links in the same memory. Read back as it is.
 */
export const LINK_CODEC: CacheCodec<CachedLink> = {
  encode(l) {
    const out: CachedLink = { id: l.id, userId: l.userId, originalUrl: l.originalUrl, isActive: l.isActive, expiresAt: l.expiresAt };
    if (l.validSince != null) out.validSince = l.validSince;
    if (l.maxVisits != null) out.maxVisits = l.maxVisits;
    if (l.fallbackUrl != null) out.fallbackUrl = l.fallbackUrl;
    if (l.redirectType !== undefined && l.redirectType !== DEFAULT_REDIRECT_TYPE) out.redirectType = l.redirectType;
    return JSON.stringify(out);
  },
  decode: (text) => JSON.parse(text) as CachedLink,
};

/** What a links' cache is made of besides its fixed namespace and TTL. */
export type LinkCacheOptions = Pick<TwoTierCacheOptions<CachedLink>, 'redis' | 'metrics' | 'lruEnabled' | 'lruMax' | 'negativeTtlMs' | 'unsyncedLruTtlMs'>;

/**
 * A link stays in memory as long as in Redis while invalidations reach this replica, and
 * unsyncedLruTtlMs (CACHE_LRU_TTL_MS) bounds what it serves while they may not. A fixed 60 s
 * lifetime sent every link of a long tail back to Redis once a minute: 8% of cached redirects
 * (10k Zipf links at 2k/s, npm run bench:profile), the largest cost of the cached redirect
 * after HTTP itself.
 */
export function createLinkCache(o: LinkCacheOptions): TwoTierCache<CachedLink> {
  return new TwoTierCache<CachedLink>({ ...o, namespace: 'shortstack:link', codec: LINK_CODEC, lruTtlMs: LINK_CACHE_TTL_S * 1000, redisTtlSeconds: LINK_CACHE_TTL_S });
}
