// Events: the history of links. Listing is filtered and paged; a user key sees its own.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { assertOwns, scopeToUser } from '../../auth/principal.js';
import { detailsProblem } from '../../domain/event-details.js';
import { insertEvent, listEvents } from '../../store/events-store.js';
import { urlOwner } from '../../store/urls-store.js';
import { userExists } from '../../store/users-store.js';
import { callerOf, type RouteContext } from '../context.js';
import { badRequest, HttpError, notFound } from '../errors.js';
import { listHeaders, ListOf, PagingQuery, toPage } from '../paging.js';
import { errors, Event, EventCreate, EventListQuery } from '../schemas.js';

export const eventRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext }> = async (app, { ctx }) => {
  const tags = ['events'];

  app.get('/events', {
    schema: {
      operationId: 'listEvents',
      tags, summary: 'List events by id; filters combine',
      querystring: Type.Object({ ...EventListQuery.properties, ...PagingQuery }),
      response: { 200: ListOf(Event), ...errors(400, 401, 403) },
    },
  }, async (request, reply) => {
    const page = toPage(request.query);
    const q = request.query;
    const userId = scopeToUser(callerOf(request), q.user_id);
    const result = await listEvents(ctx.db, { urlId: q.url_id, userId, eventType: q.event_type }, page);
    return reply.headers(listHeaders(request.url, page, result)).send(result.items);
  });

  app.post('/events', {
    schema: { operationId: 'recordEvent', tags, summary: 'Record an event on a link', body: EventCreate, response: { 201: Event, ...errors(400, 401, 403, 404, 415) } },
  }, async (request, reply) => {
    const caller = callerOf(request);
    const b = request.body;
    if (b.event_type.trim() === '') throw badRequest('invalid event', { event_type: 'must not be blank' });
    const detailsIssue = b.details === undefined ? undefined : detailsProblem(b.details);
    if (detailsIssue) throw badRequest('invalid event', { details: detailsIssue });
    const owner = await urlOwner(ctx.db, b.url_id);
    if (!owner) throw notFound('url', { url_id: 'no such url' });
    assertOwns(caller, owner.user_id);
    let userId = b.user_id ?? owner.user_id;
    if (caller.kind === 'user') {
      if (b.user_id !== undefined && b.user_id !== null && b.user_id !== caller.userId) throw new HttpError(403, 'a user key records events as its own user only');
      userId = caller.userId;
    } else if (b.user_id !== undefined && b.user_id !== null && !(await userExists(ctx.db, b.user_id))) {
      throw notFound('user', { user_id: 'no such user' });
    }
    const event = await insertEvent(ctx.db, { urlId: b.url_id, userId, eventType: b.event_type, details: b.details ?? {} });
    return reply.code(201).send(event);
  });
};
