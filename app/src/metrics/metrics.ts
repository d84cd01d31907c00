// Every metric of the app contract (see shared contract "App metrics"), in one registry per
// service instance: two services in one process (tests) must not collide in a global registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { flushTallies } from './tally.js';
import { TalliedHistogram } from './tallied-histogram.js';

/** Buckets of http_request_duration_seconds, fixed by the contract (the SLO reads the 0.1 s one). */
export const HTTP_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface PoolSnapshot { total: number; idle: number; waiting: number }
export interface ClickBufferSnapshot {
  depth: number;
  oldestSeconds: number;
  /** Age of the oldest batch whose roll-up counts are kept for later (0: none). */
  keptOldestSeconds: number;
}

/**
 * Values read at scrape time rather than pushed: an age grows while nothing happens, and a
 * pool's counts are cheapest to read when asked. pool.ts and click-buffer.ts fill these in.
 */
export interface MetricProbes {
  pool?: () => PoolSnapshot;
  clickBuffer?: () => ClickBufferSnapshot;
}

export type RedirectResult = 'found' | 'gone' | 'not_found';
export type CacheTier = 'lru' | 'redis';

export interface Metrics {
  registry: Registry;
  probes: MetricProbes;
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
  httpDuration: TalliedHistogram<'method' | 'route' | 'status_code'>;
  redirects: Counter<'result'>;
  cacheLookups: Counter<'tier' | 'result'>;
  dbPoolConnections: Gauge<'state'>;
  dbPoolWait: Histogram;
  dbErrors: Counter<'kind'>;
  redisErrors: Counter<'op'>;
  redisCircuitOpen: Gauge;
  clickBufferDepth: Gauge;
  clickBufferOldest: Gauge;
  clickRollupsKeptOldest: Gauge;
  clickFlushDuration: Histogram;
  clicksFlushed: Counter;
  clicksDropped: Counter;
  clickFlushFailures: Counter;
  clicksByAgent: Counter<'agent'>;
  webhookDeliveries: Counter<'outcome'>;
  webhookQueueDepth: Gauge;
  webhookOldestPending: Gauge;
  pageMarksUncounted: Gauge;
  linkInvalidationsPending: Gauge;
  linkInvalidationsOldest: Gauge;
  buildInfo: Gauge<'version' | 'commit'>;
}

export function createMetrics(build: { version: string; commit: string }): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const probes: MetricProbes = {};
  collectDefaultMetrics({ register: registry });

  const buildInfo = new Gauge({
    name: 'shortstack_build_info', help: 'Build of the running app (value is always 1).',
    labelNames: ['version', 'commit'] as const, registers,
  });
  buildInfo.set({ version: build.version, commit: build.commit }, 1);

  return {
    registry,
    probes,
    httpRequests: new Counter({
      name: 'http_requests_total', help: 'HTTP requests by method, route template and status.',
      labelNames: ['method', 'route', 'status_code'] as const, registers,
      collect() { flushTallies(this); },
    }),
    httpDuration: new TalliedHistogram({
      name: 'http_request_duration_seconds', help: 'HTTP request duration by method, route template and status.',
      labelNames: ['method', 'route', 'status_code'] as const, buckets: HTTP_DURATION_BUCKETS, registers,
    }),
    redirects: new Counter({
      name: 'shortstack_redirects_total', help: 'Redirect lookups by outcome.',
      labelNames: ['result'] as const, registers,
      collect() { flushTallies(this); },
    }),
    cacheLookups: new Counter({
      name: 'shortstack_cache_lookups_total', help: 'Cache lookups by tier and outcome.',
      labelNames: ['tier', 'result'] as const, registers,
      collect() { flushTallies(this); },
    }),
    dbPoolConnections: new Gauge({
      name: 'shortstack_db_pool_connections', help: 'Database pool clients by state.',
      labelNames: ['state'] as const, registers,
      collect() {
        const s = probes.pool?.();
        if (!s) return;
        this.set({ state: 'total' }, s.total);
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'waiting' }, s.waiting);
      },
    }),
    dbPoolWait: new Histogram({
      name: 'shortstack_db_pool_wait_seconds', help: 'Time to acquire a database pool client.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers,
    }),
    dbErrors: new Counter({
      name: 'shortstack_db_errors_total', help: 'Database errors by kind.', labelNames: ['kind'] as const, registers,
    }),
    redisErrors: new Counter({
      name: 'shortstack_redis_errors_total', help: 'Redis errors by operation.', labelNames: ['op'] as const, registers,
    }),
    redisCircuitOpen: new Gauge({
      name: 'shortstack_redis_circuit_open', help: '1 while the Redis circuit breaker is open, else 0.', registers,
    }),
    clickBufferDepth: new Gauge({
      name: 'shortstack_click_buffer_depth', help: 'Clicks waiting in memory to be written.', registers,
      collect() {
        const s = probes.clickBuffer?.();
        if (s) this.set(s.depth);
      },
    }),
    clickBufferOldest: new Gauge({
      name: 'shortstack_click_buffer_oldest_seconds', help: 'Age of the oldest unwritten click (flusher falling behind).', registers,
      collect() {
        const s = probes.clickBuffer?.();
        if (s) this.set(s.oldestSeconds);
      },
    }),
    clickRollupsKeptOldest: new Gauge({
      name: 'shortstack_click_rollups_kept_oldest_seconds',
      help: 'Age of the oldest written batch whose roll-up counts are kept for later: how far the stats trail the events.', registers,
      collect() {
        const s = probes.clickBuffer?.();
        if (s) this.set(s.keptOldestSeconds);
      },
    }),
    clickFlushDuration: new Histogram({
      name: 'shortstack_click_flush_duration_seconds', help: 'Duration of one click batch transaction.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    }),
    clicksFlushed: new Counter({
      name: 'shortstack_clicks_flushed_total', help: 'Clicks written to the database.', registers,
    }),
    clicksDropped: new Counter({
      name: 'shortstack_clicks_dropped_total', help: 'Clicks dropped because the buffer was full.', registers,
    }),
    clickFlushFailures: new Counter({
      name: 'shortstack_click_flush_failures_total', help: 'Click batch transactions that failed.', registers,
    }),
    clicksByAgent: new Counter({
      name: 'shortstack_clicks_by_agent_total', help: 'Clicks written, by agent: bot or human (isbot, in the click flush).',
      labelNames: ['agent'] as const, registers,
    }),
    webhookDeliveries: new Counter({
      name: 'shortstack_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome (delivered, failed and to be retried, dead-lettered).',
      labelNames: ['outcome'] as const, registers,
    }),
    webhookQueueDepth: new Gauge({
      name: 'shortstack_webhook_queue_depth', help: 'Webhook deliveries not yet delivered nor dead (the whole outbox, as this replica last read it).', registers,
    }),
    webhookOldestPending: new Gauge({
      name: 'shortstack_webhook_oldest_pending_seconds', help: 'Age of the oldest undelivered webhook delivery (0 when none).', registers,
    }),
    pageMarksUncounted: new Gauge({
      name: 'shortstack_page_marks_uncounted_events',
      help: 'Event ids above the spans counted for deep ?page pages, as this replica\'s last round read them: what a deep page among the newest events steps over.',
      registers,
    }),
    linkInvalidationsPending: new Gauge({
      name: 'shortstack_link_invalidations_pending',
      help: 'Link changes in the invalidation outbox not yet relayed to Redis (the whole outbox, as this replica\'s relay last read it; NaN when it cannot).', registers,
    }),
    linkInvalidationsOldest: new Gauge({
      name: 'shortstack_link_invalidations_oldest_seconds',
      help: 'Age of the oldest link change not yet relayed to Redis (0 when none; NaN when this replica cannot read the outbox).', registers,
    }),
    buildInfo,
  };
}
