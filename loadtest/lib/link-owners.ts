// Who owns the bench's generated links. A click's event carries its link's owner, and the
// (user_id, id) index of events is paid per click: an unowned link's entries all go to the
// index's right edge (and so do those of a single owner's), the cheapest place, which the
// links of many users never get. Pure; harness code (app/bench may import it).

/** Links per owner, as in the seed data (2,000 links of 400 users). */
export const LINKS_PER_OWNER = 5;

/** Owners of `links` generated links. */
export const ownersOf = (links: number): number => Math.ceil(links / LINKS_PER_OWNER);

/**
 * The owner (0-based, among ownersOf(links)) of link `link` (1-based, its Zipf rank): neighbours
 * have different owners, so the Zipf head's links are each another user's.
 */
export const ownerOf = (link: number, links: number): number => (link - 1) % ownersOf(links);
