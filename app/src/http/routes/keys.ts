// User API keys: issued by an admin and shown once, listed without the secret, revoked at once
// on every replica (the key cache is invalidated over pub/sub).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { generateApiKey, hashApiKey } from '../../auth/keys.js';
import { assertAdmin, assertOwns } from '../../auth/principal.js';
import { insertKey, listKeys, revokeKey } from '../../store/keys-store.js';
import { userExists } from '../../store/users-store.js';
import { callerOf, type RouteContext } from '../context.js';
import { notFound } from '../errors.js';
import { ApiKey, ApiKeyCreate, errors, IdParams, KeyParams, NewApiKey } from '../schemas.js';

export const keyRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext }> = async (app, { ctx }) => {
  const tags = ['keys'];

  app.post('/users/:id/keys', {
    config: { secret: true },
    // The body is optional: no body is an unnamed key, validated as {}.
    preValidation: async (request) => { request.body ??= {}; },
    schema: { operationId: 'createUserKey', tags, summary: 'Issue a key for a user (admin), optionally named; the secret is shown this once', params: IdParams, body: ApiKeyCreate, response: { 201: NewApiKey, ...errors(400, 401, 403, 404, 415) } },
  }, async (request, reply) => {
    assertAdmin(callerOf(request));
    if (!(await userExists(ctx.db, request.params.id))) throw notFound('user');
    const key = generateApiKey();
    const row = await insertKey(ctx.db, request.params.id, hashApiKey(key), request.body.name ?? null);
    return reply.code(201).send({ id: row.id, name: row.name, key, created_at: row.created_at });
  });

  app.get('/users/:id/keys', {
    schema: { operationId: 'listUserKeys', tags, summary: "List a user's keys (no secrets)", params: IdParams, response: { 200: Type.Array(ApiKey), ...errors(400, 401, 403, 404) } },
  }, async (request) => {
    assertOwns(callerOf(request), request.params.id);
    if (!(await userExists(ctx.db, request.params.id))) throw notFound('user');
    return listKeys(ctx.db, request.params.id);
  });

  app.delete('/users/:id/keys/:keyId', {
    schema: { operationId: 'revokeUserKey', tags, summary: 'Revoke a key, at once on every replica', params: KeyParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404) } },
  }, async (request, reply) => {
    assertOwns(callerOf(request), request.params.id);
    const hash = await revokeKey(ctx.db, request.params.id, request.params.keyId);
    if (hash === undefined) throw notFound('key');
    await ctx.auth.forget(hash);
    return reply.code(204).send(null);
  });
};
