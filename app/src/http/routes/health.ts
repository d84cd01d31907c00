// Liveness (/health: the process answers) and readiness (/ready: the database answers; Redis
// down is "degraded" but still ready, since every path has a database fallback).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteContext } from '../context.js';
import { errors } from '../schemas.js';

const READY_QUERY_TIMEOUT_MS = 1_000;

export const healthRoutes: FastifyPluginAsyncTypebox<{ ctx: RouteContext }> = async (app, { ctx }) => {
  const tags = ['health'];
  const open = { public: true, rateLimit: false };

  app.get('/health', {
    config: open,
    schema: { operationId: 'getHealth', tags, summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }), ...errors(429) } },
  }, async () => ({ status: 'ok' as const }));

  const Readiness = Type.Object({
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('unavailable')]),
    database: Type.Union([Type.Literal('up'), Type.Literal('down')]),
    redis: Type.Union([Type.Literal('up'), Type.Literal('down')]),
    stopping: Type.Boolean(),
  });

  app.get('/ready', {
    config: open,
    schema: { operationId: 'getReadiness', tags, summary: 'Readiness: 200 ok|degraded, 503 when the database is down or shutting down', response: { 200: Readiness, 503: Readiness, ...errors(429) } },
  }, async (_request, reply) => {
    const database = await databaseUp(ctx) ? 'up' as const : 'down' as const;
    const redis = ctx.redisHealthy() ? 'up' as const : 'down' as const;
    const stopping = ctx.isStopping();
    const status = database === 'down' || stopping ? 'unavailable' as const : redis === 'down' ? 'degraded' as const : 'ok' as const;
    if (status === 'unavailable') reply.code(503).header('retry-after', '5');
    return { status, database, redis, stopping };
  });
};

async function databaseUp(ctx: RouteContext): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), READY_QUERY_TIMEOUT_MS); });
  try {
    return await Promise.race([ctx.db.query('SELECT 1').then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
