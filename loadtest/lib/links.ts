// The links a run aims at, ranked by popularity: rank 1 is the Zipf head. Seeded links live in an
// array; generated millions (bench scale runs) are a formula, so no table is held in memory.
import { BASE62 } from './base62.js';

export interface LinkSet {
  readonly size: number;
  /** rank in [1, size] */
  code(rank: number): string;
  /** The Location a redirect of this link must carry. */
  location(rank: number): string;
  /** The link's id, when known (reads of /urls/:id/stats need it). */
  id(rank: number): number | undefined;
}

export interface SeededLink {
  id?: number | undefined;
  code: string;
  location: string;
}

export function arrayLinkSet(links: readonly SeededLink[]): LinkSet {
  if (links.length === 0) throw new Error('no links to aim at: seeding created none');
  const at = (rank: number) => links[rank - 1]!;
  return {
    size: links.length,
    code: (rank) => at(rank).code,
    location: (rank) => at(rank).location,
    id: (rank) => at(rank).id,
  };
}

/** Base62 of i: the code of the i-th generated link (bench scale data, written with COPY). */
export function toBase62(i: number): string {
  let n = Math.floor(i);
  let out = '';
  do {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out;
}

/** Generated link i (1-based): code prefix + base62(i), original URL derived from i. */
export function generatedLink(prefix: string, i: number): { code: string; originalUrl: string } {
  return { code: `${prefix}${toBase62(i)}`, originalUrl: `https://example.com/generated/${prefix}/${i}` };
}

export function generatedLinkSet(prefix: string, size: number, firstId = 1): LinkSet {
  return {
    size,
    code: (rank) => generatedLink(prefix, rank).code,
    location: (rank) => generatedLink(prefix, rank).originalUrl,
    id: (rank) => firstId + rank - 1,
  };
}

/** The links of `ranks` (ranks of `links`), in that order: rank i of the view is ranks[i - 1]. */
export function rankedSubset(links: LinkSet, ranks: ArrayLike<number>): LinkSet {
  const at = (rank: number) => ranks[rank - 1]!;
  return {
    size: ranks.length,
    code: (rank) => links.code(at(rank)),
    location: (rank) => links.location(at(rank)),
    id: (rank) => links.id(at(rank)),
  };
}
