// The Fastify application: the error contract, auth, rate limits, metrics, OpenAPI and every
// route, assembled around the ports in RouteContext. No I/O of its own: service.ts builds the
// pool, Redis, caches and click buffer and hands them in.
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Authenticator } from './auth/authenticator.js';
import type { AppConfig } from './config.js';
import { EXTRA_RESERVED } from './domain/short-code.js';
import { installAuth } from './http/auth-hook.js';
import type { ClickSink, LinkCache, RouteContext } from './http/context.js';
import { answerClientError } from './http/client-error.js';
import { sendError, installErrorHandler } from './http/error-handler.js';
import { installNotFoundHandler, RouteTable } from './http/method-not-allowed.js';
import { JSON_BODY_LIMIT, MAX_HEADER_BYTES, UPLOAD_LIMIT } from './http/limits.js';
import { installRateLimit } from './http/rate-limit.js';
import { installResponseHeaders } from './http/response-headers.js';
import { lazyChildLogger } from './http/lazy-logger.js';
import { fastRedirect, type FastPath } from './http/fast-redirect.js';
import { requestIdOf } from './http/request-id.js';
import { serverWithFastPath } from './http/server-factory.js';
import { validatorCompiler } from './http/validation.js';
import { bulkRoutes } from './http/routes/bulk.js';
import { eventRoutes } from './http/routes/events.js';
import { healthRoutes } from './http/routes/health.js';
import { keyRoutes } from './http/routes/keys.js';
import { qrRoutes } from './http/routes/qr.js';
import { redirectRoutes } from './http/routes/redirect.js';
import { redirectKit } from './http/routes/redirect-kit.js';
import { urlBulkRoutes } from './http/routes/urls-bulk.js';
import { urlRoutes } from './http/routes/urls.js';
import { userRoutes } from './http/routes/users.js';
import { webhookRoutes } from './http/routes/webhooks.js';
import { ErrorBody } from './http/schemas.js';
import { httpMetricsPlugin } from './metrics/http-plugin.js';
import { httpSeries } from './metrics/http-series.js';
import type { Metrics } from './metrics/metrics.js';
import type pg from 'pg';


export interface ServerDeps {
  config: AppConfig;
  logger: Logger;
  db: pg.Pool;
  redis: { client: Redis; isHealthy(): boolean };
  links: LinkCache;
  auth: Authenticator;
  clicks: ClickSink;
  metrics: Metrics;
  isStopping: () => boolean;
}

/**
 * The CSV uploads, with the multipart parser in their own scope: registered for the whole app,
 * its two async hooks (and a 'close' listener) ran on every request, the redirect's too. Outside
 * this scope no parser takes multipart/form-data, so a JSON route sent a form answers 415
 * (error-handler.ts, FST_ERR_CTP_INVALID_MEDIA_TYPE) before reading it.
 */
async function uploadRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  await app.register(async (uploads) => {
    await uploads.register(multipart, { limits: { fileSize: UPLOAD_LIMIT, files: 2, fields: 10, parts: 12 } });
    await uploads.register(bulkRoutes, { ctx });
    await uploads.register(urlBulkRoutes, { ctx });
  });
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config } = deps;
  // Set below, once the redirect route it shares its state with is registered.
  let fastPath: FastPath | undefined;
  const app = Fastify({
    serverFactory: serverWithFastPath(() => fastPath),
    // pino's own Logger type is wider than Fastify's view of it; they are the same object.
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Access logs are nginx's job; per-request lines here would cost the redirect path dearly.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings, opts) => lazyChildLogger(logger, bindings, opts),
    // X-Request-Id when it looks like an id, else a new one (request-id.ts).
    requestIdHeader: false,
    genReqId: requestIdOf,
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    // A request that reaches a stopping replica over one of nginx's kept-alive connections is
    // served (the pools are still open until the drain) with Connection: close, rather than
    // answered 503, which nginx rightly does not retry and would hand to the client.
    return503OnClosing: false,
    bodyLimit: JSON_BODY_LIMIT,
    // Above what nginx lets through, so an oversized request is refused there, answered.
    // The Host check is the app's (response-headers.ts), so its refusal is JSON like the rest.
    http: { maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false },
    // Over-long codes reach the handler (a JSON 404) rather than fall out of the router; past
    // this length Fastify answers 414, through the same error contract.
    routerOptions: { maxParamLength: 4096, ignoreTrailingSlash: false },
    frameworkErrors: (err, request, reply) => { sendError(err, request, reply); },
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  const routes = new RouteTable();
  installErrorHandler(app);
  installNotFoundHandler(app, routes);
  // Only JSON (and multipart for the bulk import): text/plain would otherwise reach validation.
  app.removeContentTypeParser('text/plain');
  installResponseHeaders(app, deps.isStopping);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      // No licence is granted (the package is private): said as npm says it.
      info: { title: 'Shortstack', version: config.buildVersion, license: { name: 'UNLICENSED' }, description: 'URL shortener API. Errors are always JSON {error, fields}. The front door may answer any request with 429 (per-address limits).' },
      servers: [{ url: config.publicBaseUrl.href.replace(/\/$/, '') }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    // Shared schemas appear under their $id ("Error") rather than "def-0".
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    // Public routes (config.public) need no key: say so in the document.
    transform: ({ schema, url, route }) => {
      const isPublic = (route.config as { public?: boolean } | undefined)?.public === true;
      return { schema: isPublic ? { ...schema, security: [] } : schema, url };
    },
  });
  app.addSchema(ErrorBody);
  await app.register(httpMetricsPlugin, { metrics: deps.metrics });
  const unknownKeyGuard = await installRateLimit(app, { config, redis: deps.redis.client, auth: deps.auth });
  installAuth(app, deps.auth, unknownKeyGuard);

  // Every top-level route name is reserved: known once all routes are registered.
  const reserved = new Set<string>(EXTRA_RESERVED);
  app.addHook('onReady', async () => {
    for (const name of routes.topLevelNames) reserved.add(name);
  });
  const ctx: RouteContext = {
    config,
    db: deps.db,
    links: deps.links,
    auth: deps.auth,
    clicks: deps.clicks,
    metrics: deps.metrics,
    redisHealthy: () => deps.redis.isHealthy(),
    reservedWords: () => reserved,
    isStopping: deps.isStopping,
  };
  await app.register(healthRoutes, { ctx });
  await app.register(userRoutes, { ctx });
  await app.register(keyRoutes, { ctx });
  // Before urlRoutes: /urls/bulk is static, /urls/:id is not (the router prefers static segments
  // anyway; the order only keeps the registration readable).
  await uploadRoutes(app, ctx);
  await app.register(urlRoutes, { ctx });
  await app.register(qrRoutes, { ctx });
  await app.register(webhookRoutes, { ctx });
  await app.register(eventRoutes, { ctx });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  // Last: the catch-all single segment. Static routes above win over it in the router anyway.
  const kit = redirectKit(ctx);
  await app.register(redirectRoutes, { ctx, kit });
  if (config.redirectFastPath) {
    fastPath = fastRedirect({ links: deps.links, kit, series: httpSeries(deps.metrics), reserved: () => reserved, isStopping: deps.isStopping });
  }
  return app;
}
