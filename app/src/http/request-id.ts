// A request's id: the one nginx (or a client) sent in X-Request-Id when it looks like an id, else
// a new one. It is echoed in a header and written in every log line of the request. Fastify's
// genReqId and the redirect's fast path (fast-redirect.ts) both take it from here.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}
