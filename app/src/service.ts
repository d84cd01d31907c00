// Wires one replica: pg pool (through PgBouncer), ResilientRedis, the link and API-key caches,
// the click buffer, the Fastify app and the internal metrics server; and stops them in order.
import { Server as NetServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { pino, type DestinationStream, type Logger } from 'pino';
import { Authenticator, type KeyRecord } from './auth/authenticator.js';
import { invalidationRelay } from './cache/invalidation-relay.js';
import { createLinkCache } from './cache/link-cache.js';
import { LineageWatch } from './cache/lineage-watch.js';
import { TwoTierCache } from './cache/two-tier-cache.js';
import { ClickBuffer } from './clicks/click-buffer.js';
import { clientAddress } from './clicks/client-address.js';
import { noCountry, openCountryLookup } from './clicks/country.js';
import { createEnricher } from './clicks/enricher.js';
import type { AppConfig } from './config.js';
import { createPool } from './db/pool.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { instrumentPool } from './metrics/pool.js';
import { startMetricsServer, type MetricsServer } from './metrics/server.js';
import { PageMarkSealer } from './page-marks/sealer.js';
import { redisReady, ResilientRedis } from './redis/resilient-redis.js';
import { DEFAULT_BACKOFF } from './webhooks/backoff.js';
import { WebhookWorker } from './webhooks/worker.js';
import { buildServer } from './server.js';

/** Keys: revocation is invalidated too, but while Redis is down only a TTL bounds a stale key. */
const KEY_REDIS_TTL_SECONDS = 300;
const KEY_LRU_TTL_MS = 30_000;
/**
 * A revoked key must fail closed on every replica: while this replica may be missing
 * invalidations (its pub/sub subscription is down or just came back), a key is served from
 * memory for at most this long, then read again (from the database while Redis is down).
 */
export const KEY_UNSYNCED_LRU_TTL_MS = 2_000;
const KEY_LRU_MAX = 10_000;
const REDIS_STARTUP_WAIT_MS = 1_000;
/** How long a starting replica waits for its first check of the database's lineage (cache/lineage-watch.ts). */
const LINEAGE_STARTUP_WAIT_MS = 3_000;

/** Never logged, wherever they appear in a log object. */
export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]',
  'authorization', 'apiKey', 'key', 'config.adminApiKeys', 'adminApiKeys', '*.password',
];

export interface Service {
  app: FastifyInstance;
  metrics: Metrics;
  /** The public listener (http://host:port), known after listen(). */
  readonly url: string;
  readonly metricsUrl: string;
  pool: pg.Pool;
  redis: ResilientRedis;
  clicks: ClickBuffer;
  logger: Logger;
  listen(): Promise<void>;
  /** Graceful: serve on for SHUTDOWN_DELAY_MS, then stop accepting, finish in-flight requests, drain clicks, close pools; bounded by SHUTDOWN_TIMEOUT_MS after the delay. */
  stop(): Promise<void>;
}

export function createLogger(config: Pick<AppConfig, 'logLevel' | 'buildVersion'>, destination?: DestinationStream): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'shortstack-app', version: config.buildVersion },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, destination);
}

export async function createService(config: AppConfig, logger: Logger = createLogger(config)): Promise<Service> {
  const metrics = createMetrics({ version: config.buildVersion, commit: config.buildCommit });
  const pool = createPool(config.databaseUrl, config.dbPoolMax);
  instrumentPool(pool, metrics);
  const redis = new ResilientRedis(config.redisUrl, metrics);
  const cacheBase = { redis, metrics, lruEnabled: config.cacheLruEnabled, negativeTtlMs: config.cacheNegativeTtlMs };
  const links = createLinkCache({ ...cacheBase, lruMax: config.cacheLruMax, unsyncedLruTtlMs: config.cacheLruTtlMs });
  const keys = new TwoTierCache<KeyRecord>({
    ...cacheBase, namespace: 'shortstack:apikey', lruMax: KEY_LRU_MAX, lruTtlMs: Math.min(KEY_LRU_TTL_MS, config.cacheLruTtlMs), redisTtlSeconds: KEY_REDIS_TTL_SECONDS,
    unsyncedLruTtlMs: KEY_UNSYNCED_LRU_TTL_MS,
  });
  // A replica without the country database still counts clicks (country null), and says so.
  const countryOf = await openCountryLookup().catch((err: unknown) => {
    logger.error({ err }, 'country database not opened: clicks are recorded without a country');
    return noCountry;
  });
  const clicks = new ClickBuffer({
    pool, metrics, logger: logger.child({ component: 'clicks' }), enrich: createEnricher(countryOf, clientAddress(config.trustProxy)),
    flushIntervalMs: config.clickFlushIntervalMs, batchSize: config.clickFlushBatch, maxBuffered: config.clickBufferMax,
    rollupDelayMs: config.clickRollupDelayMs, rollupDelayFrom: config.clickRollupDelayFrom,
  });
  const auth = new Authenticator(config.adminApiKeys, keys, pool);
  const webhooks = new WebhookWorker({
    pool, metrics, logger: logger.child({ component: 'webhooks' }), allowPrivateTargets: config.webhookAllowPrivateTargets,
    pollMs: config.webhookPollMs, leaseMs: config.webhookLeaseMs,
    policy: { ...DEFAULT_BACKOFF, baseMs: config.webhookBackoffBaseMs, windowMs: config.webhookRetryWindowMs },
  });
  const sealer = new PageMarkSealer({
    pool, logger: logger.child({ component: 'page-marks' }), uncounted: metrics.pageMarksUncounted, intervalMs: config.pageMarksIntervalMs,
  });
  const relay = invalidationRelay({ pool, metrics, announce: (codes) => links.announce(codes), logger: logger.child({ component: 'invalidations' }) });
  const cachesLogger = logger.child({ component: 'caches' });
  const lineage = new LineageWatch({ db: pool, redis, caches: [links, keys], logger: cachesLogger });
  let stopping = false;
  let app: FastifyInstance;
  try {
    app = await buildServer({ config, logger, db: pool, redis, links, auth, clicks, metrics, isStopping: () => stopping });
  } catch (err) {
    // Connections opened above would keep a failed process (or a test) alive.
    await Promise.allSettled([links.close(), keys.close(), redis.close(), pool.end()]);
    throw err;
  }

  let metricsServer: MetricsServer | undefined;
  let url = '';
  let metricsUrl = '';
  const displayHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    // 0. Found through a DNS name (nginx's `resolve`, Cloud Map), this replica keeps serving while
    //    the front door re-resolves the name: by then it knows the replicas replacing this one
    //    and has stopped holding their first refusals (made before they listened) against them,
    //    so the refusals below always have somewhere else to go.
    if (config.shutdownDelayMs > 0) {
      logger.info({ delayMs: config.shutdownDelayMs }, 'serving on until the front door has re-resolved the replicas');
      await sleep(config.shutdownDelayMs);
    }
    const deadline = Date.now() + config.shutdownTimeoutMs;
    const remaining = () => Math.max(0, deadline - Date.now());
    // 1. Refuse new connections at once: nginx then sends those requests to another replica, a
    //    POST included, since nothing was sent. Requests that still arrive on nginx's kept-alive
    //    connections are served for a short grace, each answered with Connection: close (see
    //    server.ts), so those connections retire one by one. Closing an idle kept-alive connection
    //    straight away would race with nginx sending a request on it, which it cannot retry for
    //    a POST. (net's close, not http's: http's would also close the idle connections now.)
    if (app.server.listening) NetServer.prototype.close.call(app.server);
    await sleep(Math.min(DRAIN_GRACE_MS, remaining()));
    // 2. Close what is left and let in-flight requests finish (their clicks land in the buffer).
    await withTimeout(app.close(), remaining(), () => {
      logger.warn('in-flight requests still running at the shutdown deadline; closing their connections');
      app.server.closeAllConnections();
    });
    // 3. Write every buffered click while the database is still ours, and let deliveries in
    //    flight record their outcome (one that cannot is sent again when its lease runs out);
    //    a round of the deep-page counts is one transaction, let it end, as the invalidation
    //    relay's (what it has not sent stays in the outbox for the other replicas).
    await Promise.all([clicks.drain(remaining()), withTimeout(webhooks.stop(), remaining(), () => undefined), withTimeout(sealer.stop(), remaining(), () => undefined),
      withTimeout(relay.stop(), remaining(), () => undefined), withTimeout(lineage.stop(), remaining(), () => undefined)]);
    // 4. Release everything else.
    await Promise.allSettled([links.close(), keys.close()]);
    await redis.close();
    await withTimeout(pool.end(), remaining(), () => logger.warn('database pool did not close before the deadline'));
    await metricsServer?.close();
    logger.info('stopped');
  }

  return {
    app, metrics, pool, redis, clicks, logger,
    get url() { return url; },
    get metricsUrl() { return metricsUrl; },
    async listen() {
      // Give Redis a moment so the first requests already find the caches and the limiter;
      // a Redis that is down must not hold the replica back (it starts degraded instead).
      await redisReady(redis, REDIS_STARTUP_WAIT_MS);
      // Before the first request: a cache that outlived the database is emptied before it serves.
      // Bounded: a database or Redis that does not answer must not hold the replica back.
      await withTimeout(lineage.check().catch((err: unknown) => cachesLogger.warn({ err }, 'database lineage check failed at start')),
        LINEAGE_STARTUP_WAIT_MS, () => cachesLogger.warn('database lineage check still running at start; serving'));
      await app.listen({ host: config.host, port: config.port });
      url = `http://${displayHost}:${(app.server.address() as AddressInfo).port}`;
      metricsServer = await startMetricsServer(metrics, config.host, config.metricsPort);
      metricsUrl = `http://${displayHost}:${metricsServer.port}/metrics`;
      clicks.start();
      webhooks.start();
      sealer.start();
      relay.start();
      lineage.start();
      logger.info({ url, metricsUrl }, 'listening');
    },
    stop,
  };
}

/** How long a stopping replica keeps answering on connections it already has. */
export const DRAIN_GRACE_MS = 1000;

async function withTimeout(work: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); });
  const outcome = await Promise.race([work.then(() => 'done' as const, () => 'done' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') onTimeout();
}
