// Cold redirects read their links in batches. Under a cold cache (a replica just started, a
// crawler walking the long tail, Zipf traffic over millions of links) every redirect of a code
// not in the LRU or Redis needs the database; a statement per code costs a PgBouncer and
// PostgreSQL round trip each, and holds a pool connection each, so misses queue behind each
// other for connections. Codes asked for in the same turn of the event loop are read by one
// statement instead, and a replica has at most LINK_LOADS_IN_FLIGHT of them out at once: past
// that, the codes wait for one to come back and go together, so under a flood of misses the
// statements grow rather than multiply (each costs PostgreSQL a parse and a plan, and PgBouncer
// a round trip, whatever its size), and the pool stays busy without being taken over by cold
// reads. Concurrent misses of one code are already one load (cache/two-tier-cache.ts).
import { perTurn } from '../batching/per-turn.js';
import type { CachedLink } from '../domain/link.js';
import type { Queryable } from '../db/pool.js';
import { findLinksByCodes } from './urls-store.js';

/** Codes in one statement at most: a burst of misses becomes several statements, not one long one. */
export const LINK_BATCH_MAX = 100;
/** Statements reading links out at once per replica (of PgBouncer's pool, shared with every other query). */
export const LINK_LOADS_IN_FLIGHT = 2;

/** A load function for TwoTierCache.get: the link of a code, or null when none has it. */
export function linkLoader(db: Queryable, maxBatch = LINK_BATCH_MAX, maxInFlight = LINK_LOADS_IN_FLIGHT): (code: string) => Promise<CachedLink | null> {
  return perTurn(async (codes: readonly string[]) => {
    const found = await findLinksByCodes(db, codes);
    return codes.map((code) => found.get(code) ?? null);
  }, maxBatch, maxInFlight);
}
