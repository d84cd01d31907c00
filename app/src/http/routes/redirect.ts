// GET /:code, the hot path: a cache read (LRU, then Redis, then the database), a click handed to
// the in-memory buffer, a 302. No database write and, for a cached code, no I/O at all.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { decideRedirect } from '../../domain/link.js';
import { couldBeCode } from '../../domain/short-code.js';
import { locationHeader } from '../../domain/url-rules.js';
import { findLinkByCode } from '../../store/urls-store.js';
import type { RouteContext } from '../context.js';
import { gone, notFound } from '../errors.js';
import { errors } from '../schemas.js';

const HEADER_MAX = 1024;

function headerValue(v: string | string[] | undefined): string | null {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? null : s.slice(0, HEADER_MAX);
}

export const redirectRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext }> = async (app, { ctx }) => {
  const load = (code: string) => findLinkByCode(ctx.db, code);
  // Label children bound once: no label hashing per redirect.
  const outcome = {
    found: ctx.metrics.redirects.labels({ result: 'found' }),
    gone: ctx.metrics.redirects.labels({ result: 'gone' }),
    not_found: ctx.metrics.redirects.labels({ result: 'not_found' }),
  };

  app.get('/:code', {
    config: { public: true, rateLimit: false },
    // The code is checked by couldBeCode in the handler; the schema is for the OpenAPI document
    // only, which saves the hot path a conversion and a check per request.
    validatorCompiler: () => (value) => ({ value }),
    schema: {
      operationId: 'followLink',
      tags: ['redirect'], summary: 'Follow a short link',
      params: Type.Object({ code: Type.String({ maxLength: 256 }) }),
      response: { 302: Type.Null({ description: 'Location: the original URL' }), ...errors(404, 410, 503) },
    },
  }, async (request, reply) => {
    const { code } = request.params;
    // Not base62 or too long: cannot exist, so no cache entry or query is spent on it.
    const link = couldBeCode(code) ? await ctx.links.get(code, load) : null;
    const decision = decideRedirect(link, Date.now());
    outcome[decision.kind].inc();
    if (decision.kind === 'not_found') throw notFound('short link');
    if (decision.kind === 'gone') throw gone(`short link ${decision.reason}`);
    // HEAD (link checkers, previews) is answered the same way but is not a click.
    if (request.method === 'GET') {
      ctx.clicks.record({
        urlId: decision.link.id,
        userId: decision.link.userId,
        at: new Date(),
        referrer: headerValue(request.headers.referer),
        userAgent: headerValue(request.headers['user-agent']),
      });
    }
    return reply.redirect(locationHeader(decision.link.originalUrl), 302);
  });
};
