// Users: create, read, list, update, delete. Admin keys manage all; a user key reads and
// updates only its own user.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { assertAdmin, assertOwns } from '../../auth/principal.js';
import { emailProblem, usernameProblem } from '../../domain/user-rules.js';
import { createUser, deleteUser, getUser, listUsers, updateUser } from '../../store/users-store.js';
import { callerOf, type RouteContext } from '../context.js';
import { badRequest, notFound, type FieldErrors } from '../errors.js';
import { listHeaders, ListOf, PagingQuery, toPage } from '../paging.js';
import { errors, IdParams, User, UserCreate, UserUpdate } from '../schemas.js';

/** Field problems of a user body; only the fields present are checked. */
export function userFieldProblems(body: { username?: string; email?: string }): FieldErrors {
  const fields: FieldErrors = {};
  if (body.username !== undefined) {
    const p = usernameProblem(body.username);
    if (p) fields.username = p;
  }
  if (body.email !== undefined) {
    const p = emailProblem(body.email);
    if (p) fields.email = p;
  }
  return fields;
}

function throwIfAny(fields: FieldErrors): void {
  if (Object.keys(fields).length > 0) throw badRequest('invalid user', fields);
}

export const userRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext }> = async (app, { ctx }) => {
  const tags = ['users'];

  app.post('/users', {
    schema: { operationId: 'createUser', tags, summary: 'Create a user (admin)', body: UserCreate, response: { 201: User, ...errors(400, 401, 403, 409, 415) } },
  }, async (request, reply) => {
    assertAdmin(callerOf(request));
    throwIfAny(userFieldProblems(request.body));
    return reply.code(201).send(await createUser(ctx.db, request.body));
  });

  app.get('/users', {
    schema: { operationId: 'listUsers', tags, summary: 'List users (admin), by id', querystring: Type.Object(PagingQuery), response: { 200: ListOf(User), ...errors(400, 401, 403) } },
  }, async (request, reply) => {
    assertAdmin(callerOf(request));
    const page = toPage(request.query);
    const result = await listUsers(ctx.db, page);
    return reply.headers(listHeaders(request.url, page, result)).send(result.items);
  });

  app.get('/users/:id', {
    schema: { operationId: 'getUser', tags, summary: 'Get a user', params: IdParams, response: { 200: User, ...errors(400, 401, 403, 404) } },
  }, async (request) => {
    assertOwns(callerOf(request), request.params.id);
    const user = await getUser(ctx.db, request.params.id);
    if (!user) throw notFound('user');
    return user;
  });

  app.put('/users/:id', {
    schema: { operationId: 'updateUser', tags, summary: 'Update username and/or email', params: IdParams, body: UserUpdate, response: { 200: User, ...errors(400, 401, 403, 404, 409, 415) } },
  }, async (request) => {
    assertOwns(callerOf(request), request.params.id);
    const { username, email } = request.body;
    if (username === undefined && email === undefined) {
      throw badRequest('nothing to update: send username and/or email', { username: 'or email is required' });
    }
    throwIfAny(userFieldProblems(request.body));
    const user = await updateUser(ctx.db, request.params.id, { username, email });
    if (!user) throw notFound('user');
    return user;
  });

  app.delete('/users/:id', {
    schema: { operationId: 'deleteUser', tags, summary: 'Delete a user (admin); their links are kept, unowned', params: IdParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404) } },
  }, async (request, reply) => {
    assertAdmin(callerOf(request));
    const keyHashes = await deleteUser(ctx.db, request.params.id);
    if (!keyHashes) throw notFound('user');
    await Promise.all(keyHashes.map((h) => ctx.auth.forget(h)));
    return reply.code(204).send(null);
  });
};
