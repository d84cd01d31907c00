// GET /:code, the hot path: a cache read (LRU, then Redis, then the database), a click handed to
// the in-memory buffer, a redirect. No database write and, for a cached code, no I/O at all.
// The one exception is a link with max_visits: its visit is reserved in the database first
// (store/urls-store.ts reserveVisit), so every replica counts against one counter.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { decideRedirect, unavailableAnswer } from '../../domain/link.js';
import { couldBeCode } from '../../domain/short-code.js';
import { locationHeader } from '../../domain/url-rules.js';
import { linkLoader } from '../../store/link-loader.js';
import { reserveVisit } from '../../store/urls-store.js';
import type { RouteContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { ErrorRef, errors } from '../schemas.js';
import { REDIRECT_ROUTE, type RedirectKit } from './redirect-kit.js';

export const redirectRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext; kit: RedirectKit }> = async (app, { ctx, kit }) => {
  // Cold codes of one event-loop turn are read by one statement (store/link-loader.ts).
  const load = linkLoader(ctx.db);
  const { outcome, locationOf, usedUp } = kit;

  app.get(REDIRECT_ROUTE, {
    config: { public: true, rateLimit: false },
    // The code is checked by couldBeCode in the handler; the schema is for the OpenAPI document
    // only, which saves the hot path a conversion and a check per request.
    validatorCompiler: () => (value: unknown) => ({ value }),
    schema: {
      operationId: 'followLink',
      tags: ['redirect'], summary: 'Follow a short link (301, 302, 307 or 308 as the link says; 302 to its fallback)',
      params: Type.Object({ code: Type.String({ maxLength: 256 }) }),
      response: {
        301: Type.Null({ description: 'Location: the original URL (redirect_type 301)' }),
        302: Type.Null({ description: 'Location: the original URL, or the fallback URL' }),
        307: Type.Null({ description: 'Location: the original URL (redirect_type 307)' }),
        308: Type.Null({ description: 'Location: the original URL (redirect_type 308)' }),
        ...errors(404, 410, 503),
        // A redirect succeeds with a 3xx, never a 2xx: any other answer is the JSON error.
        default: ErrorRef,
      },
    },
  }, async (request, reply) => {
    const { code } = request.params;
    // Not base62 or too long: cannot exist, so no cache entry or query is spent on it. A code
    // in this replica's LRU (almost every redirect) is answered without awaiting a promise.
    const hit = couldBeCode(code) ? ctx.links.cached(code) : null;
    const link = hit !== undefined ? hit : await ctx.links.get(code, load);
    const now = Date.now();
    let decision = decideRedirect(link, now);
    const isGet = request.method === 'GET';
    // HEAD (link checkers, previews) is answered the same way but is neither a click nor a visit.
    if (decision.kind === 'found' && decision.limited && link !== null) {
      if (usedUp.has(link) || (isGet && !(await reserveVisit(ctx.db, link.id)))) {
        usedUp.add(link);
        decision = decideRedirect(link, now, true);
      }
    }
    outcome[decision.kind].inc();
    if (decision.kind === 'not_found') throw notFound('short link');
    if (decision.kind === 'gone') {
      const answer = unavailableAnswer(decision.reason);
      throw new HttpError(answer.status, answer.message);
    }
    // A fallback is not a click of the link: no event.
    if (decision.kind === 'fallback') return reply.redirect(locationHeader(decision.location), 302);
    if (isGet) kit.recordClick(decision.link, now, request.raw);
    return reply.redirect(locationOf(decision.link), decision.status);
  });
};
