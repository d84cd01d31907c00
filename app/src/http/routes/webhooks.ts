// Webhooks: register a target for link events (the signing secret shown once), list, delete,
// and read a webhook's deliveries. A user's webhooks receive that user's links' events; an
// admin's receive every link's. The target is checked for SSRF here and at every delivery.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { assertOwns, isAdmin, type Principal } from '../../auth/principal.js';
import { deleteWebhook, insertWebhook, listDeliveries, listWebhooks, webhookOwner } from '../../store/webhooks-store.js';
import { WEBHOOK_EVENTS } from '../../webhooks/outbox-sql.js';
import { newWebhookSecret } from '../../webhooks/signature.js';
import { MAX_WEBHOOK_URL, targetProblem } from '../../webhooks/targets.js';
import { callerOf, type RouteContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { listHeaders, ListOf, PagingQuery, toPage } from '../paging.js';
import { errors, IdParams } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>(Type.String({ format: 'date-time' }));
const Events = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16, description: `Any of ${WEBHOOK_EVENTS.join(', ')}` });

export const WebhookCreate = Type.Object({
  url: Type.String({ maxLength: MAX_WEBHOOK_URL, description: 'http(s) URL; must resolve to public addresses' }),
  events: Events,
});
export const Webhook = Type.Object({
  id: Type.Integer(), user_id: Type.Union([Type.Integer(), Type.Null()]), url: Type.String(), events: Type.Array(Type.String()), created_at: Timestamp,
});
export const NewWebhook = Type.Object({
  id: Type.Integer(), url: Type.String(), events: Type.Array(Type.String()),
  secret: Type.String({ description: 'Signing secret, shown this once' }), created_at: Timestamp,
});
export const WebhookDelivery = Type.Object({
  id: Type.Integer(), event: Type.String(), status: Type.String({ enum: ['pending', 'delivered', 'dead'] }), attempts: Type.Integer(),
  last_status_code: Type.Union([Type.Integer(), Type.Null()]), last_error: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp, delivered_at: Type.Union([Timestamp, Type.Null()]),
});

/** Why the events list is refused, or undefined. Pure. */
export function eventsProblem(events: string[]): string | undefined {
  if (events.length === 0) return 'must name at least one event';
  const unknown = events.find((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown !== undefined) return `unknown event "${unknown.slice(0, 64)}": use ${WEBHOOK_EVENTS.join(', ')}`;
  if (new Set(events).size !== events.length) return 'must not repeat an event';
  return undefined;
}

export const webhookRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext }> = async (app, { ctx }) => {
  const tags = ['webhooks'];
  const allowPrivate = ctx.config.webhookAllowPrivateTargets;

  async function owned(caller: Principal, id: number): Promise<void> {
    const owner = await webhookOwner(ctx.db, id);
    if (!owner) throw notFound('webhook');
    if (!isAdmin(caller)) assertOwns(caller, owner.user_id);
  }

  app.post('/webhooks', {
    config: { secret: true },
    schema: { operationId: 'createWebhook', tags, summary: 'Register a webhook; the signing secret is shown this once', body: WebhookCreate, response: { 201: NewWebhook, ...errors(400, 401, 415) } },
  }, async (request, reply) => {
    const caller = callerOf(request);
    const { url, events } = request.body;
    const fields: Record<string, string> = {};
    const ep = eventsProblem(events);
    if (ep) fields.events = ep;
    const tp = await targetProblem(url, allowPrivate);
    if (tp) fields.url = tp;
    if (Object.keys(fields).length > 0) throw badRequest('invalid webhook', fields);
    const secret = newWebhookSecret();
    const row = await insertWebhook(ctx.db, { userId: caller.kind === 'user' ? caller.userId : null, url, events, secret });
    return reply.code(201).send({ id: row.id, url: row.url, events: row.events, secret, created_at: row.created_at });
  });

  app.get('/webhooks', {
    schema: { operationId: 'listWebhooks', tags, summary: 'List webhooks (a user key sees its own)', querystring: Type.Object(PagingQuery), response: { 200: ListOf(Webhook), ...errors(400, 401) } },
  }, async (request, reply) => {
    const caller = callerOf(request);
    const page = toPage(request.query);
    const result = await listWebhooks(ctx.db, caller.kind === 'user' ? caller.userId : undefined, page);
    return reply.headers(listHeaders(request.url, page, result)).send(result.items);
  });

  app.delete('/webhooks/:id', {
    schema: { operationId: 'deleteWebhook', tags, summary: 'Delete a webhook and its deliveries', params: IdParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404) } },
  }, async (request, reply) => {
    await owned(callerOf(request), request.params.id);
    if (!(await deleteWebhook(ctx.db, request.params.id))) throw notFound('webhook');
    return reply.code(204).send(null);
  });

  app.get('/webhooks/:id/deliveries', {
    schema: {
      operationId: 'listWebhookDeliveries', tags, summary: "A webhook's deliveries by id",
      params: IdParams, querystring: Type.Object(PagingQuery), response: { 200: ListOf(WebhookDelivery), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await owned(callerOf(request), request.params.id);
    const page = toPage(request.query);
    const result = await listDeliveries(ctx.db, request.params.id, page);
    return reply.headers(listHeaders(request.url, page, result)).send(result.items);
  });
};
