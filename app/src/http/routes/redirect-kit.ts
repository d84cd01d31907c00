// What the redirect route (redirect.ts) and its fast path (../fast-redirect.ts) share, made once
// per app: the outcome tallies, each cached link's Location, the links found used up, and the
// click a request makes.
import type { IncomingMessage } from 'node:http';
import { locationHeader } from '../../domain/url-rules.js';
import type { CachedLink, RedirectDecision } from '../../domain/link.js';
import { tally, type Tally } from '../../metrics/tally.js';
import type { RouteContext } from '../context.js';

/** The redirect route's template, also its metrics' route label. */
export const REDIRECT_ROUTE = '/:code';

const HEADER_MAX = 1024;

function headerValue(v: string | string[] | undefined): string | null {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? null : s.slice(0, HEADER_MAX);
}

/** The end of X-Forwarded-For: proxies append, so the addresses that count are the last ones. */
function lastPart(v: string | string[] | undefined): string | null {
  const s = Array.isArray(v) ? v.join(',') : v;
  return s === undefined || s === '' ? null : s.slice(-HEADER_MAX);
}

export interface RedirectKit {
  /** Tallies: an addition per redirect, added to the counter when it is scraped (metrics/tally.ts). */
  outcome: Record<RedirectDecision['kind'], Tally>;
  /** The link's Location, percent-encoded once per cached link object rather than per redirect. */
  locationOf: (link: CachedLink) => string;
  /**
   * Cached link objects whose limit was found used up: later redirects of the same cached value
   * answer without asking the database again. Any change to the link (a raised limit)
   * invalidates the cache entry, and the value loaded next is a new object, not in this set.
   */
  usedUp: WeakSet<CachedLink>;
  /** Hands the click of a GET that followed `link` to the buffer (never blocks, never throws). */
  recordClick: (link: CachedLink, now: number, req: IncomingMessage) => void;
}

export function redirectKit(ctx: Pick<RouteContext, 'metrics' | 'clicks'>): RedirectKit {
  const counter = ctx.metrics.redirects;
  const locations = new WeakMap<CachedLink, string>();
  return {
    outcome: {
      found: tally(counter, { result: 'found' }),
      gone: tally(counter, { result: 'gone' }),
      not_found: tally(counter, { result: 'not_found' }),
      fallback: tally(counter, { result: 'fallback' }),
    },
    locationOf: (link) => {
      let location = locations.get(link);
      if (location === undefined) locations.set(link, (location = locationHeader(link.originalUrl)));
      return location;
    },
    usedUp: new WeakSet<CachedLink>(),
    recordClick: (link, now, req) => {
      ctx.clicks.record({
        urlId: link.id,
        userId: link.userId,
        at: new Date(now),
        referrer: headerValue(req.headers.referer),
        userAgent: headerValue(req.headers['user-agent']),
        // Raw: the trust rules for X-Forwarded-For are applied in the flush (clicks/client-address.ts).
        ip: req.socket?.remoteAddress ?? null,
        forwardedFor: lastPart(req.headers['x-forwarded-for']),
      });
    },
  };
}
