// The HTTP server Fastify would make for itself (fastify/lib/server.js: the same options and
// timeouts), with a fast path in front of Fastify's handler (fast-redirect.ts). The fast path is
// read on every request, so it can be set once the routes it shares state with exist.
import http from 'node:http';
import type { FastifyServerFactory } from 'fastify';
import type { FastPath } from './fast-redirect.js';

interface ServerOptions {
  http?: http.ServerOptions;
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
  maxRequestsPerSocket: number;
}

/**
 * Whether the fast path answered. A throw would otherwise escape the server's request listener
 * and end the process: the request goes to Fastify instead, which answers its own error (JSON,
 * logged) unless the answer is already on its way.
 */
function answered(fast: FastPath, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  try {
    return fast(req, res);
  } catch {
    return res.headersSent;
  }
}

export function serverWithFastPath(fastPath: () => FastPath | undefined): FastifyServerFactory {
  return (handler, options) => {
    const o = options as unknown as ServerOptions;
    const server = http.createServer(o.http ?? {}, (req, res) => {
      const fast = fastPath();
      if (fast === undefined || !answered(fast, req, res)) handler(req, res);
    });
    server.keepAliveTimeout = o.keepAliveTimeout;
    server.requestTimeout = o.requestTimeout;
    server.setTimeout(o.connectionTimeout);
    // Zero is Node's default (no limit): Fastify does not pass it either.
    if (o.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
    return server;
  };
}
