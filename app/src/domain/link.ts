// What the redirect needs to know about a code: the value cached in the LRU and in Redis
// (JSON, so the expiry is epoch milliseconds rather than a Date).
export interface CachedLink {
  id: number;
  userId: number | null;
  originalUrl: string;
  isActive: boolean;
  expiresAt: number | null;
}

export type RedirectDecision =
  | { kind: 'found'; link: CachedLink }
  | { kind: 'gone'; reason: 'deactivated' | 'expired' }
  | { kind: 'not_found' };

/** Pure: what GET /:code answers for a cached link (or null: no such code) at time `now`. */
export function decideRedirect(link: CachedLink | null, now: number): RedirectDecision {
  if (link === null) return { kind: 'not_found' };
  if (!link.isActive) return { kind: 'gone', reason: 'deactivated' };
  if (link.expiresAt !== null && link.expiresAt <= now) return { kind: 'gone', reason: 'expired' };
  return { kind: 'found', link };
}
