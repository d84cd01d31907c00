// The cached redirect, answered before Fastify sees the request. Nearly every request a replica
// serves is a GET of a code whose link is in its LRU, and through Fastify that request also paid
// for the framework's per-request work: request and reply objects, routing, the onRequest hook
// and two onResponse hooks, a child logger, and 'finish' and 'error' listeners on the response
// (Fastify adds them whenever the app has a logger or an onResponse hook). This answers exactly
// what the route does (status, headers, click, metrics) for the one case that needs nothing
// else: a GET of a code whose link is cached, followable and has no visit limit. Everything else
// goes to Fastify unchanged: a miss, a limit, a fallback, a 404 or 410, HEAD, a query string, an
// encoded or reserved path, a request without Host, a stopping replica.
// app/test/contract/fast-redirect.test.ts holds the two answers equal. REDIRECT_FAST_PATH=false
// turns it off.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { decideRedirect } from '../domain/link.js';
import { couldBeCode } from '../domain/short-code.js';
import { recordResponse, type HttpSeries, type HttpSeriesOf } from '../metrics/http-series.js';
import type { LinkCache } from './context.js';
import { requestIdOf } from './request-id.js';
import { REDIRECT_ROUTE, type RedirectKit } from './routes/redirect-kit.js';

/** True when it answered the request; false when Fastify must. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface FastRedirectDeps {
  links: Pick<LinkCache, 'peek' | 'countHit'>;
  kit: RedirectKit;
  series: HttpSeriesOf;
  /** Top-level names the router serves itself (/users, /health, ...): never taken for a code. */
  reserved(): ReadonlySet<string>;
  isStopping(): boolean;
}

const SLASH = 0x2f;

export function fastRedirect(d: FastRedirectDeps): FastPath {
  const byStatus = new Map<number, HttpSeries>();
  return (req, res) => {
    const start = performance.now();
    const url = req.url;
    // A stopping replica's answers carry Connection: close, and a request without Host is
    // refused: both Fastify's (response-headers.ts).
    if (req.method !== 'GET' || url === undefined || url.charCodeAt(0) !== SLASH || req.headers.host === undefined || d.isStopping()) return false;
    const code = url.slice(1);
    // Base62 only: a query string, another segment or a percent-encoded code is the router's.
    if (!couldBeCode(code) || d.reserved().has(code)) return false;
    const link = d.links.peek(code);
    if (link === undefined || link === null) return false;
    const now = Date.now();
    const decision = decideRedirect(link, now);
    if (decision.kind !== 'found' || decision.limited) return false;
    const location = d.kit.locationOf(link);
    d.links.countHit();
    d.kit.outcome.found.inc();
    d.kit.recordClick(link, now, req);
    // The headers and their order are the route's: the onRequest hook's two, then reply.redirect's.
    res.writeHead(decision.status, { 'x-request-id': requestIdOf(req), 'x-content-type-options': 'nosniff', location, 'content-length': '0' });
    res.end();
    let series = byStatus.get(decision.status);
    if (series === undefined) byStatus.set(decision.status, (series = d.series('GET', REDIRECT_ROUTE, decision.status)));
    recordResponse(series, (performance.now() - start) / 1000);
    return true;
  };
}
