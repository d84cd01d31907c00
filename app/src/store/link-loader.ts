// Cold redirects read their links in batches. Under a cold cache (a replica just started, a
// crawler walking the long tail, Zipf traffic over millions of links) every redirect of a code
// not in the LRU or Redis needs the database; a statement per code costs a PgBouncer and
// PostgreSQL round trip each, and holds a pool connection each, so misses queue behind each
// other for connections. Codes asked for in the same turn of the event loop are read by one
// statement instead. Concurrent misses of one code are already one load (cache/two-tier-cache.ts).
import DataLoader from 'dataloader';
import type { CachedLink } from '../domain/link.js';
import type { Queryable } from '../db/pool.js';
import { findLinksByCodes } from './urls-store.js';

/** Codes in one statement at most: a burst of misses becomes several statements, not one long one. */
export const LINK_BATCH_MAX = 100;

/** A load function for TwoTierCache.get: the link of a code, or null when none has it. */
export function linkLoader(db: Queryable, maxBatch = LINK_BATCH_MAX): (code: string) => Promise<CachedLink | null> {
  const loader = new DataLoader<string, CachedLink | null>(async (codes) => {
    const found = await findLinksByCodes(db, codes);
    return codes.map((code) => found.get(code) ?? null);
  }, {
    // The two-tier cache keeps values and coalesces a code's misses; DataLoader's own cache would
    // keep every code ever loaded, and outlive invalidations.
    cache: false,
    maxBatchSize: maxBatch,
    // After the poll phase, so the misses of every request read in this turn share a batch.
    // DataLoader's default (after the current job's promises) would batch one request's codes only.
    batchScheduleFn: (run) => setImmediate(run),
  });
  return (code) => loader.load(code);
}
