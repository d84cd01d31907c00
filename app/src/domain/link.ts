// What the redirect needs to know about a code: the value cached in the LRU and in Redis
// (JSON, so times are epoch milliseconds rather than Dates). Entries written by an older build
// lack the second-wave fields: undefined reads as "feature off" (see the ?? below).
export interface CachedLink {
  id: number;
  userId: number | null;
  originalUrl: string;
  isActive: boolean;
  expiresAt: number | null;
  validSince?: number | null;
  maxVisits?: number | null;
  fallbackUrl?: string | null;
  redirectType?: RedirectType;
}

export const REDIRECT_TYPES = [301, 302, 307, 308] as const;
export type RedirectType = (typeof REDIRECT_TYPES)[number];
export const DEFAULT_REDIRECT_TYPE: RedirectType = 302;

/** Why a link that exists is not followed. 'not_yet' answers 404, the others 410. */
export type Unavailable = 'deactivated' | 'expired' | 'not_yet' | 'used_up';

export type RedirectDecision =
  | { kind: 'found'; link: CachedLink; status: RedirectType; /** a visit must be reserved first (max_visits) */ limited: boolean }
  | { kind: 'fallback'; link: CachedLink; location: string; reason: Unavailable }
  | { kind: 'gone'; reason: Unavailable }
  | { kind: 'not_found' };

/**
 * Pure: what GET /:code answers for a cached link (or null: no such code) at time `now`.
 * `usedUp`: a reservation against max_visits was refused. Boundaries: the link is valid from
 * valid_since inclusive and until expires_at exclusive.
 */
export function decideRedirect(link: CachedLink | null, now: number, usedUp = false): RedirectDecision {
  if (link === null) return { kind: 'not_found' };
  const reason = unavailableReason(link, now, usedUp);
  if (reason === undefined) {
    return { kind: 'found', link, status: link.redirectType ?? DEFAULT_REDIRECT_TYPE, limited: (link.maxVisits ?? null) !== null };
  }
  // A fallback redirect is always a 302: the link may come back (re-activated, limit raised).
  if (link.fallbackUrl) return { kind: 'fallback', link, location: link.fallbackUrl, reason };
  return { kind: 'gone', reason };
}

function unavailableReason(link: CachedLink, now: number, usedUp: boolean): Unavailable | undefined {
  if (!link.isActive) return 'deactivated';
  if (link.expiresAt !== null && link.expiresAt <= now) return 'expired';
  if (link.validSince != null && link.validSince > now) return 'not_yet';
  if (usedUp) return 'used_up';
  return undefined;
}

/** The answer's status and message for a link that is not followed and has no fallback. */
export function unavailableAnswer(reason: Unavailable): { status: 404 | 410; message: string } {
  switch (reason) {
    case 'not_yet': return { status: 404, message: 'short link not active yet' };
    case 'used_up': return { status: 410, message: 'short link used up (max_visits reached)' };
    default: return { status: 410, message: `short link ${reason}` };
  }
}
