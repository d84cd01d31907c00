// Short links: create (POST /urls and its alias POST /shorten), list, get, update, soft delete,
// and stats. Every change to a link evicts its code from every replica's cache.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { assertOwns, scopeToUser, type Principal } from '../../auth/principal.js';
import { isUniqueViolation } from '../../db/errors.js';
import { aliasProblem, CODE_ATTEMPTS, generateCode } from '../../domain/short-code.js';
import { DEFAULT_REDIRECT_TYPE, type RedirectType } from '../../domain/link.js';
import { linkFeatureProblems, tagProblem, type LinkFeatureInput } from '../../domain/link-rules.js';
import { originalUrlProblem } from '../../domain/url-rules.js';
import { linkStats } from '../../store/stats-store.js';
import { getUrl, insertUrl, listUrls, updateUrl, urlOwner, type UrlPatch, type UrlRow } from '../../store/urls-store.js';
import { userExists } from '../../store/users-store.js';
import { callerOf, type RouteContext } from '../context.js';
import { badRequest, conflict, HttpError, notFound, type FieldErrors } from '../errors.js';
import { listHeaders, ListOf, PagingQuery, toPage } from '../paging.js';
import { errors, IdParams, Stats, Url, UrlCreate, UrlListQuery, UrlUpdate } from '../schemas.js';

const UPDATABLE = ['title', 'is_active', 'original_url', 'expires_at', 'max_visits', 'valid_since', 'fallback_url', 'redirect_type', 'tags'] as const;

export type ApiUrl = UrlRow & { short_url: string };

export function toApiUrl(row: UrlRow, publicBaseUrl: URL): ApiUrl {
  return { ...row, short_url: `${publicBaseUrl.href.replace(/\/$/, '')}/${row.short_code}` };
}

/** Field problems shared by create and update. */
function linkFieldProblems(body: { original_url?: string; expires_at?: string | null } & LinkFeatureInput, ownHost: string): FieldErrors {
  const fields: FieldErrors = linkFeatureProblems(body, ownHost);
  if (body.original_url !== undefined) {
    const p = originalUrlProblem(body.original_url, ownHost);
    if (p) fields.original_url = p;
  }
  if (typeof body.expires_at === 'string' && Number.isNaN(Date.parse(body.expires_at))) fields.expires_at = 'is not a valid date-time';
  return fields;
}

const toDate = (v: string | null | undefined): Date | null | undefined => (v === undefined ? undefined : v === null ? null : new Date(v));

/** The second-wave fields of a valid body as a patch: undefined = unchanged, null = off. */
function featurePatch(b: LinkFeatureInput): Pick<UrlPatch, 'maxVisits' | 'validSince' | 'fallbackUrl' | 'redirectType' | 'tags'> {
  return {
    maxVisits: b.max_visits,
    validSince: toDate(b.valid_since),
    fallbackUrl: b.fallback_url,
    // null turns a feature off: for the redirect's status that is the default.
    redirectType: b.redirect_type === undefined ? undefined : ((b.redirect_type ?? DEFAULT_REDIRECT_TYPE) as RedirectType),
    tags: b.tags === undefined ? undefined : (b.tags ?? []),
  };
}

export const urlRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext }> = async (app, { ctx }) => {
  const tags = ['urls'];
  const ownHost = ctx.config.publicBaseUrl.hostname;

  /** The owner a new link gets: a user key always creates for itself. */
  async function ownerFor(caller: Principal, requested: number | null | undefined): Promise<number | null> {
    if (caller.kind === 'user') {
      if (requested !== undefined && requested !== null && requested !== caller.userId) {
        throw new HttpError(403, 'a user key creates links for its own user only');
      }
      return caller.userId;
    }
    if (requested === undefined || requested === null) return null;
    if (!(await userExists(ctx.db, requested))) throw notFound('user', { user_id: 'no such user' });
    return requested;
  }

  async function create(caller: Principal, body: Static<typeof UrlCreate>): Promise<ApiUrl> {
    const fields = linkFieldProblems(body, ownHost);
    const alias = body.short_code;
    if (alias !== undefined) {
      const p = aliasProblem(alias, ctx.reservedWords());
      if (p) fields.short_code = p;
    }
    const expiresAt = toDate(body.expires_at) ?? null;
    if (expiresAt !== null && !fields.expires_at && expiresAt.getTime() <= Date.now()) fields.expires_at = 'must be in the future';
    if (Object.keys(fields).length > 0) throw badRequest('invalid link', fields);
    const userId = await ownerFor(caller, body.user_id);
    const f = featurePatch(body);
    const base = {
      userId, originalUrl: body.original_url, title: body.title ?? null, expiresAt,
      maxVisits: f.maxVisits ?? null, validSince: f.validSince ?? null, fallbackUrl: f.fallbackUrl ?? null,
      redirectType: f.redirectType ?? DEFAULT_REDIRECT_TYPE, tags: f.tags ?? [],
    };

    let row: UrlRow | undefined;
    if (alias !== undefined) {
      try {
        row = await insertUrl(ctx.db, { ...base, code: alias });
      } catch (err) {
        if (isUniqueViolation(err, 'urls_short_code_key')) throw conflict('short_code already taken', { short_code: 'already taken' });
        throw err;
      }
    } else {
      // A random code collides with probability ~5e-7 at 100M links (see short-code.ts): retry.
      for (let attempt = 1; row === undefined; attempt++) {
        try {
          row = await insertUrl(ctx.db, { ...base, code: generateCode() });
        } catch (err) {
          if (!isUniqueViolation(err, 'urls_short_code_key') || attempt >= CODE_ATTEMPTS) throw err;
        }
      }
    }
    // Someone may have asked for this code before it existed: drop the cached "unknown".
    await ctx.links.invalidate(row.short_code);
    return toApiUrl(row, ctx.config.publicBaseUrl);
  }

  const createSchema = { tags, body: UrlCreate, response: { 201: Url, ...errors(400, 401, 403, 404, 409, 415) } };
  app.post('/urls', { schema: { operationId: 'createUrl', ...createSchema, summary: 'Shorten a URL' } }, async (request, reply) =>
    reply.code(201).send(await create(callerOf(request), request.body)));
  app.post('/shorten', { schema: { operationId: 'shorten', ...createSchema, summary: 'Shorten a URL (same as POST /urls)' } }, async (request, reply) =>
    reply.code(201).send(await create(callerOf(request), request.body)));

  app.get('/urls', {
    schema: {
      operationId: 'listUrls',
      tags, summary: 'List links by id; a user key sees its own',
      querystring: Type.Object({ ...UrlListQuery.properties, ...PagingQuery }),
      response: { 200: ListOf(Url), ...errors(400, 401, 403) },
    },
  }, async (request, reply) => {
    const page = toPage(request.query);
    const userId = scopeToUser(callerOf(request), request.query.user_id);
    const { tag } = request.query;
    if (tag !== undefined) {
      const p = tagProblem(tag);
      if (p) throw badRequest('invalid query', { tag: p });
    }
    const result = await listUrls(ctx.db, { userId, isActive: request.query.is_active, tag }, page);
    return reply.headers(listHeaders(request.url, page, result)).send(result.items.map((r) => toApiUrl(r, ctx.config.publicBaseUrl)));
  });

  /** The link, after the ownership check (404 before 403: an id that does not exist is just absent). */
  async function ownedUrl(caller: Principal, id: number): Promise<UrlRow> {
    const row = await getUrl(ctx.db, id);
    if (!row) throw notFound('url');
    assertOwns(caller, row.user_id);
    return row;
  }

  app.get('/urls/:id', {
    schema: { operationId: 'getUrl', tags, summary: 'Get a link', params: IdParams, response: { 200: Url, ...errors(400, 401, 403, 404) } },
  }, async (request) => toApiUrl(await ownedUrl(callerOf(request), request.params.id), ctx.config.publicBaseUrl));

  async function change(caller: Principal, id: number, patch: UrlPatch): Promise<UrlRow> {
    const owner = await urlOwner(ctx.db, id);
    if (!owner) throw notFound('url');
    assertOwns(caller, owner.user_id);
    const result = await updateUrl(ctx.db, id, patch);
    if (!result) throw notFound('url');
    // At once; the change's transaction also left it in the outbox, which a replica's relay sends
    // again a moment later (cache/invalidation-relay.ts), so a failed or lost send here is mended.
    await ctx.links.invalidate(result.after.short_code);
    return result.after;
  }

  app.put('/urls/:id', {
    schema: { operationId: 'updateUrl', tags, summary: 'Update any of title, is_active, original_url, expires_at, max_visits, valid_since, fallback_url, redirect_type, tags', params: IdParams, body: UrlUpdate, response: { 200: Url, ...errors(400, 401, 403, 404, 415) } },
  }, async (request) => {
    const b = request.body;
    if (UPDATABLE.every((f) => b[f] === undefined)) throw badRequest(`nothing to update: send any of ${UPDATABLE.join(', ')}`);
    const fields = linkFieldProblems(b, ownHost);
    if (Object.keys(fields).length > 0) throw badRequest('invalid link', fields);
    const row = await change(callerOf(request), request.params.id, {
      title: b.title, isActive: b.is_active, originalUrl: b.original_url, expiresAt: toDate(b.expires_at), ...featurePatch(b),
    });
    return toApiUrl(row, ctx.config.publicBaseUrl);
  });

  app.delete('/urls/:id', {
    schema: { operationId: 'deactivateUrl', tags, summary: 'Deactivate a link (soft delete: the row and its events are kept)', params: IdParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404) } },
  }, async (request, reply) => {
    await change(callerOf(request), request.params.id, { isActive: false });
    return reply.code(204).send(null);
  });

  app.get('/urls/:id/stats', {
    schema: { operationId: 'getUrlStats', tags, summary: 'Clicks: total, per day (UTC), top referrers', params: IdParams, response: { 200: Stats, ...errors(400, 401, 403, 404) } },
  }, async (request) => {
    const row = await ownedUrl(callerOf(request), request.params.id);
    return { url_id: row.id, short_code: row.short_code, ...(await linkStats(ctx.db, row.id)) };
  });
};
