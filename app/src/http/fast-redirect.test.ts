// The fast path on its own: what it answers, what it leaves to Fastify, and that a request it
// leaves behind has counted nothing (the route counts it). The same answers as Fastify's route
// are held in app/test/contract/fast-redirect.test.ts, on real replicas.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CachedLink } from '../domain/link.js';
import { createMetrics } from '../metrics/metrics.js';
import { httpSeries } from '../metrics/http-series.js';
import { fastRedirect } from './fast-redirect.js';
import { REDIRECT_ROUTE, redirectKit } from './routes/redirect-kit.js';
import type { ClickSink } from './context.js';

const link = (over: Partial<CachedLink> = {}): CachedLink => ({
  id: 7, userId: 3, originalUrl: 'https://example.com/päth?q=1', isActive: true, expiresAt: null, ...over,
});

function setup(links: Record<string, CachedLink | null>, opts: { stopping?: boolean } = {}) {
  const metrics = createMetrics({ version: 'test', commit: 'test' });
  const clicks: Parameters<ClickSink['record']>[0][] = [];
  let hits = 0;
  const kit = redirectKit({ metrics, clicks: { record: (c) => clicks.push(c) } });
  const fast = fastRedirect({
    links: { peek: (code) => links[code], countHit: () => { hits += 1; } },
    kit, series: httpSeries(metrics), reserved: () => new Set(['users', 'health']), isStopping: () => opts.stopping ?? false,
  });
  return { fast, metrics, clicks, hits: () => hits };
}

let server: http.Server | undefined;
afterEach(async () => { server?.close(); server = undefined; });

/** A real server whose requests the fast path may answer; the rest get 599 (Fastify's, here). */
async function serve(fast: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<string> {
  server = http.createServer((req, res) => { if (!fast(req, res)) res.writeHead(599).end(); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const get = (url: string, init: RequestInit = {}) => fetch(url, { redirect: 'manual', ...init });

describe('the redirect fast path', () => {
  it('answers a cached followable link: its status, Location, request id, a click and the metrics', async () => {
    const s = setup({ abc: link(), moved: link({ id: 8, redirectType: 301 }) });
    const base = await serve(s.fast);
    const res = await get(`${base}/abc`, { headers: { 'x-request-id': 'req-1', referer: 'https://ref.example/', 'user-agent': 'ua', 'x-forwarded-for': '9.9.9.9' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/p%C3%A4th?q=1');
    expect(res.headers.get('x-request-id')).toBe('req-1');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-length')).toBe('0');
    expect(await res.text()).toBe('');
    expect(s.clicks).toEqual([expect.objectContaining({ urlId: 7, userId: 3, referrer: 'https://ref.example/', userAgent: 'ua', ip: '127.0.0.1', forwardedFor: '9.9.9.9' })]);
    const made = await get(`${base}/moved`);
    expect(made.status).toBe(301);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.hits()).toBe(2);
    const text = await s.metrics.registry.metrics();
    expect(text).toContain(`http_requests_total{method="GET",route="${REDIRECT_ROUTE}",status_code="302"} 1`);
    expect(text).toContain(`http_requests_total{method="GET",route="${REDIRECT_ROUTE}",status_code="301"} 1`);
    expect(text).toContain(`http_request_duration_seconds_count{method="GET",route="${REDIRECT_ROUTE}",status_code="302"} 1`);
    expect(text).toMatch(/shortstack_redirects_total\{result="found"\} 2/);
  });

  it('leaves to Fastify, having counted nothing, every request it cannot answer alone', async () => {
    const s = setup({
      abc: link(), gone: link({ isActive: false }), absent: null, limited: link({ maxVisits: 5 }),
      fallback: link({ isActive: false, fallbackUrl: 'https://example.com/fb' }),
      expired: link({ expiresAt: Date.now() - 1 }), users: link(),
    });
    const base = await serve(s.fast);
    for (const path of ['/missing', '/gone', '/absent', '/limited', '/fallback', '/expired', '/users', '/abc?x=1', '/abc/', '/%61bc', '/']) {
      expect((await get(`${base}${path}`)).status, path).toBe(599);
    }
    expect((await get(`${base}/abc`, { method: 'HEAD' })).status).toBe(599);
    expect((await get(`${base}/abc`, { method: 'POST' })).status).toBe(599);
    expect(s.clicks).toEqual([]);
    expect(s.hits()).toBe(0);
    expect(await s.metrics.registry.metrics()).not.toMatch(/^http_requests_total\{/m);
  });

  it('leaves a stopping replica\'s requests to Fastify (Connection: close)', async () => {
    const s = setup({ abc: link() }, { stopping: true });
    expect((await get(`${await serve(s.fast)}/abc`)).status).toBe(599);
    expect(s.hits()).toBe(0);
  });
});
