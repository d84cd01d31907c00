// Records http_requests_total and http_request_duration_seconds for every response, labelled by
// the route template ("/:code"), never the raw URL: raw paths would explode the label set.
import type { FastifyPluginAsync, FastifyReply, onResponseHookHandler, RouteOptions } from 'fastify';
import type { Metrics } from './metrics.js';
import { httpSeries, recordResponse, type HttpSeries } from './http-series.js';

/** The route label of a request with no matching route (404s of the not-found handler). */
export const UNMATCHED_ROUTE = 'unmatched';

type OnResponse = NonNullable<RouteOptions['onResponse']>;

const plugin: FastifyPluginAsync<{ metrics: Metrics }> = async (app, { metrics }) => {
  const seriesFor = httpSeries(metrics);
  // elapsedTime is measured by Fastify from the start of the request, in ms.
  const record = (s: HttpSeries, reply: FastifyReply) => recordResponse(s, reply.elapsedTime / 1000);

  // A hook per route, which knows its template: request.routeOptions (the only public way to
  // the template at run time) builds an object of a dozen fields on every call. Its series are
  // kept per method and status, so a request costs two small map lookups, no string built.
  // Callback hooks, not async ones: one promise less per request on the hot path.
  const routeHook = (route: string): onResponseHookHandler => {
    const byMethod = new Map<string, Map<number, HttpSeries>>();
    return (request, reply, done) => {
      let byStatus = byMethod.get(request.method);
      if (!byStatus) byMethod.set(request.method, (byStatus = new Map<number, HttpSeries>()));
      let s = byStatus.get(reply.statusCode);
      if (!s) byStatus.set(reply.statusCode, (s = seriesFor(request.method, route, reply.statusCode)));
      record(s, reply);
      done();
    };
  };
  app.addHook('onRoute', (route) => {
    route.onResponse = [...([] as unknown[]).concat(route.onResponse ?? []), routeHook(route.url)] as OnResponse;
  });
  // Requests no route matched reach only the not-found handler, which no onRoute hook sees.
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) record(seriesFor(request.method, UNMATCHED_ROUTE, reply.statusCode), reply);
    done();
  });
};

// Same effect as wrapping in fastify-plugin: the hooks apply to the whole app, not only to
// routes registered inside this plugin's encapsulated context.
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export const httpMetricsPlugin = plugin;
