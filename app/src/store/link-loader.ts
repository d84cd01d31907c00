// Cold redirects read their links in batches. Under a cold cache (a replica just started, a
// crawler walking the long tail, Zipf traffic over millions of links) every redirect of a code
// not in the LRU or Redis needs the database; a statement per code costs a PgBouncer and
// PostgreSQL round trip each, and holds a pool connection each, so misses queue behind each
// other for connections. Codes asked for in the same turn of the event loop are read by one
// statement instead. Concurrent misses of one code are already one load (cache/two-tier-cache.ts).
import { perTurn } from '../batching/per-turn.js';
import type { CachedLink } from '../domain/link.js';
import type { Queryable } from '../db/pool.js';
import { findLinksByCodes } from './urls-store.js';

/** Codes in one statement at most: a burst of misses becomes several statements, not one long one. */
export const LINK_BATCH_MAX = 100;

/** A load function for TwoTierCache.get: the link of a code, or null when none has it. */
export function linkLoader(db: Queryable, maxBatch = LINK_BATCH_MAX): (code: string) => Promise<CachedLink | null> {
  return perTurn(async (codes: readonly string[]) => {
    const found = await findLinksByCodes(db, codes);
    return codes.map((code) => found.get(code) ?? null);
  }, maxBatch);
}
