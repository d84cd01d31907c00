/**
 * Links change rarely and every change is invalidated explicitly: Redis, and a replica's LRU
 * within its bound, may keep a link this long after it was read. The bench warms its caches as
 * this long of traffic leaves them (loadtest/bench/cli.ts).
 */
export const LINK_CACHE_TTL_S = 3_600;
