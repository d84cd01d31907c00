// Records http_requests_total and http_request_duration_seconds for every response, labelled by
// the route template ("/:code"), never the raw URL: raw paths would explode the label set.
import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from './metrics.js';

/** The route label of a request with no matching route (404s of the not-found handler). */
export const UNMATCHED_ROUTE = 'unmatched';

const plugin: FastifyPluginAsync<{ metrics: Metrics }> = async (app, { metrics }) => {
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      status_code: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    // elapsedTime is measured by Fastify from the start of the request, in ms.
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
};

// Same effect as wrapping in fastify-plugin: the hook applies to the whole app, not only to
// routes registered inside this plugin's encapsulated context.
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export const httpMetricsPlugin = plugin;
