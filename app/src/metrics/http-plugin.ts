// Records http_requests_total and http_request_duration_seconds for every response, labelled by
// the route template ("/:code"), never the raw URL: raw paths would explode the label set.
import type { FastifyPluginAsync } from 'fastify';
import type { Histogram } from 'prom-client';
import type { Metrics } from './metrics.js';
import { tally, type Tally } from './tally.js';

/** The route label of a request with no matching route (404s of the not-found handler). */
export const UNMATCHED_ROUTE = 'unmatched';

interface Series { count: Tally; duration: Histogram.Internal<'method' | 'route' | 'status_code'> }

const plugin: FastifyPluginAsync<{ metrics: Metrics }> = async (app, { metrics }) => {
  // Label children per (method, route, status): the set is small and bounded by the routes, and
  // resolving a child once spares prom-client hashing the label object on every request.
  const series = new Map<string, Series>();
  const seriesFor = (method: string, route: string, statusCode: string): Series => {
    const key = `${method} ${statusCode} ${route}`;
    let s = series.get(key);
    if (!s) {
      s = {
        count: tally(metrics.httpRequests, { method, route, status_code: statusCode }),
        duration: metrics.httpDuration.labels(method, route, statusCode),
      };
      series.set(key, s);
    }
    return s;
  };

  // A callback hook, not an async one: one promise less per request on the hot path.
  app.addHook('onResponse', (request, reply, done) => {
    const s = seriesFor(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, String(reply.statusCode));
    s.count.inc();
    // elapsedTime is measured by Fastify from the start of the request, in ms.
    s.duration.observe(reply.elapsedTime / 1000);
    done();
  });
};

// Same effect as wrapping in fastify-plugin: the hook applies to the whole app, not only to
// routes registered inside this plugin's encapsulated context.
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export const httpMetricsPlugin = plugin;
