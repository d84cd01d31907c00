// The series of http_requests_total and http_request_duration_seconds per (method, route,
// status), made once each: the Fastify hooks (http-plugin.ts) and the redirect's fast path
// (http/fast-redirect.ts) record into the same ones. The set is small and bounded by the routes.
import type { Metrics } from './metrics.js';
import { tally, type Tally } from './tally.js';
import type { Observer } from './tallied-histogram.js';

export interface HttpSeries { count: Tally; duration: Observer }

export type HttpSeriesOf = (method: string, route: string, statusCode: number) => HttpSeries;

const perMetrics = new WeakMap<Metrics, HttpSeriesOf>();

/** The series lookup of `metrics`, one per registry, so every caller shares its series. */
export function httpSeries(metrics: Metrics): HttpSeriesOf {
  let of = perMetrics.get(metrics);
  if (of === undefined) {
    const series = new Map<string, HttpSeries>();
    of = (method, route, statusCode) => {
      const key = `${method} ${statusCode} ${route}`;
      let s = series.get(key);
      if (!s) {
        const status = String(statusCode);
        s = {
          count: tally(metrics.httpRequests, { method, route, status_code: status }),
          duration: metrics.httpDuration.series({ method, route, status_code: status }),
        };
        series.set(key, s);
      }
      return s;
    };
    perMetrics.set(metrics, of);
  }
  return of;
}

/** One response of `seconds`. */
export function recordResponse(s: HttpSeries, seconds: number): void {
  s.count.inc();
  s.duration.observe(seconds);
}
