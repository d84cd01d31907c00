// Headers every response of the app carries, errors and redirects included, set in one place so
// no hook sets them twice: the request id (once), X-Content-Type-Options: nosniff, Connection:
// close once the replica is stopping, and Cache-Control: no-store on routes whose answer holds a
// secret (config.secret). One onRequest hook for all: every hook is a call on every request.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler, onRequestHookHandler } from 'fastify';
import { HttpError } from './errors.js';

/** Set on every response; reply.header() replaces, so calling this again never duplicates. */
export function setBaseHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  // A JSON error echoing input must never be sniffed into HTML by an old browser.
  reply.header('x-content-type-options', 'nosniff');
}

/**
 * HTTP/1.1 requires a Host header, and Node's own refusal of a request without one is an empty
 * body. The app makes that check itself (see server.ts, requireHostHeader: false) so the answer
 * is the JSON contract. An empty Host (what nginx forwards for an HTTP/1.0 client) is accepted:
 * nothing in the app depends on the Host.
 */
export function hostProblem(httpVersion: string, host: string | undefined): string | undefined {
  return httpVersion === '1.1' && host === undefined ? 'missing Host header' : undefined;
}

/** `isStopping`: a stopping replica retires each kept-alive connection after its answer (service.ts stop()). */
export function installResponseHeaders(app: FastifyInstance, isStopping: () => boolean): void {
  app.addHook('onRequest', (request, reply, done) => {
    setBaseHeaders(request, reply);
    if (isStopping()) reply.header('connection', 'close');
    const problem = hostProblem(request.raw.httpVersion, request.headers.host);
    done(problem ? new HttpError(400, problem) : undefined);
  });
  const noStore: onRequestHookHandler = (_request, reply, done) => {
    // Neither the browser nor any proxy in between may keep a copy of a secret shown once.
    reply.header('cache-control', 'no-store');
    done();
  };
  app.addHook('onRoute', (route) => {
    if ((route.config as { secret?: boolean } | undefined)?.secret !== true) return;
    route.onRequest = [noStore, ...([] as Array<onRequestHookHandler | onRequestAsyncHookHandler>).concat(route.onRequest ?? [])];
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The answer carries a secret (an API key): sent with Cache-Control: no-store. */
    secret?: boolean;
  }
}
