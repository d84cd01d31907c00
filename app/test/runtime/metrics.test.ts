import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { httpMetricsPlugin } from '../../src/metrics/http-plugin.js';
import { tally } from '../../src/metrics/tally.js';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.js';

describe('metrics', () => {
  let metrics: Metrics;
  let server: MetricsServer;
  const app = Fastify();

  beforeAll(async () => {
    metrics = createMetrics({ version: '1.2.3', commit: 'abc123' });
    await app.register(httpMetricsPlugin, { metrics });
    // Registered in a child context: the hook must still see it (the plugin is not encapsulated).
    await app.register(async (child) => {
      child.get('/:code', async (_req, reply) => reply.redirect('https://example.com/', 302));
    });
    await app.ready();
    server = await startMetricsServer(metrics, '127.0.0.1', 0);
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };

  it('labels requests by route template, and unmatched routes as "unmatched"', async () => {
    await app.inject({ method: 'GET', url: '/abc' });
    await app.inject({ method: 'GET', url: '/xyz' });
    await app.inject({ method: 'GET', url: '/no/such/route' });
    const text = await scrape();
    expect(text).toContain('http_requests_total{method="GET",route="/:code",status_code="302"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status_code="404"} 1');
    // The count, not a bucket: on a busy machine a redirect may take longer than any small bound.
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/:code",status_code="302"} 2');
    expect(text).not.toContain('route="/abc"');
  });

  it('adds tallied counts (the hot path\'s) at each scrape exactly once, beside direct increments', async () => {
    const found = tally(metrics.redirects, { result: 'gone' });
    for (let i = 0; i < 5; i++) found.inc();
    metrics.redirects.inc({ result: 'gone' });
    expect(await scrape()).toContain('shortstack_redirects_total{result="gone"} 6');
    found.inc();
    const again = await scrape();
    expect(again).toContain('shortstack_redirects_total{result="gone"} 7');
    expect((await metrics.redirects.get()).values.find((v) => v.labels.result === 'gone')?.value).toBe(7);
  });

  it('exports every contract metric, build info and process defaults', async () => {
    metrics.redirects.inc({ result: 'found' });
    metrics.cacheLookups.inc({ tier: 'lru', result: 'hit' });
    metrics.dbErrors.inc({ kind: 'connect' });
    metrics.redisErrors.inc({ op: 'get' });
    metrics.probes.pool = () => ({ total: 3, idle: 2, waiting: 1 });
    metrics.probes.clickBuffer = () => ({ depth: 7, oldestSeconds: 1.5, keptOldestSeconds: 4.25 });
    const text = await scrape();
    for (const name of [
      'shortstack_redirects_total', 'shortstack_cache_lookups_total', 'shortstack_db_pool_connections',
      'shortstack_db_pool_wait_seconds', 'shortstack_db_errors_total', 'shortstack_redis_errors_total',
      'shortstack_redis_circuit_open', 'shortstack_click_buffer_depth', 'shortstack_click_buffer_oldest_seconds',
      'shortstack_click_rollups_kept_oldest_seconds',
      'shortstack_click_flush_duration_seconds', 'shortstack_clicks_flushed_total', 'shortstack_clicks_dropped_total',
      'shortstack_click_flush_failures_total', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds',
    ]) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain('shortstack_build_info{version="1.2.3",commit="abc123"} 1');
    expect(text).toContain('shortstack_db_pool_connections{state="waiting"} 1');
    expect(text).toContain('shortstack_click_buffer_depth 7');
    expect(text).toContain('shortstack_click_buffer_oldest_seconds 1.5');
    expect(text).toContain('shortstack_click_rollups_kept_oldest_seconds 4.25');
  });

  it('answers only GET /metrics, as JSON errors otherwise', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/other`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'Not Found' });
  });

  it('keeps two instances apart (one registry each)', async () => {
    const other = createMetrics({ version: 'x', commit: 'y' });
    expect(await other.registry.getSingleMetricAsString('http_requests_total')).not.toContain('route=');
  });
});
