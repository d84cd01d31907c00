// Rate limits shared through Redis (per key, per client IP behind a trusted proxy, admin exempt,
// 429 + Retry-After), and what the API answers while Redis or the database is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createService, type Service } from '../../src/service.js';
import { ADMIN_KEY, call, PUBLIC_BASE_URL, startHarness, until, type Harness } from '../support/harness.js';

const LIMIT = 5;
let h: Harness;
const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(h.service, method, path, opts);

beforeAll(async () => {
  h = await startHarness({ RATE_LIMIT_MAX: String(LIMIT), RATE_LIMIT_WINDOW_MS: '60000', TRUST_PROXY: '127.0.0.1' });
});
afterAll(async () => { await h?.stop(); });

describe('rate limits', () => {
  it('limits a user key, then answers 429 JSON with Retry-After', async () => {
    const user = (await api('POST', '/users', { body: { username: 'limited', email: 'limited@example.com' } })).body;
    const key = (await api('POST', `/users/${user.id}/keys`)).body.key;
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) statuses.push((await api('GET', '/urls', { key })).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429, 429]);
    const limited = await api('GET', '/urls', { key });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('content-type')).toContain('application/json');
    expect(limited.body.error).toMatch(/rate limit exceeded/);
  });

  it('a client inventing a new key for every request is limited per IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      statuses.push((await api('GET', '/urls', { key: `sk_invented_${i}`, headers: { 'x-forwarded-for': '192.0.2.44' } })).status);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429, 429]);
    // Another client is not affected.
    expect((await api('GET', '/urls', { key: 'sk_invented_x', headers: { 'x-forwarded-for': '192.0.2.45' } })).status).toBe(401);
  });

  it('exempts admin keys when configured', async () => {
    for (let i = 0; i < LIMIT * 2; i++) expect((await api('GET', '/users')).status).toBe(200);
  });

  it('limits anonymous callers per client IP, taken from X-Forwarded-For of the trusted proxy', async () => {
    const from = (ip: string) => api('GET', '/openapi.json', { key: null, headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < LIMIT; i++) expect((await from('203.0.113.7')).status).toBe(200);
    expect((await from('203.0.113.7')).status).toBe(429);
    expect((await from('203.0.113.8')).status).toBe(200);
  });

  it('ignores X-Forwarded-For from anyone else', async () => {
    const untrusting: Service = await createService(loadConfig({
      HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', DATABASE_URL: h.data.databaseUrl, REDIS_URL: h.data.redisUrl,
      ADMIN_API_KEYS: ADMIN_KEY, PUBLIC_BASE_URL, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: String(LIMIT),
    }));
    await untrusting.listen();
    try {
      // Same socket address, a different forged client each time: still one bucket.
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 1; i++) {
        statuses.push((await call(untrusting, 'GET', '/health', { key: null })).status); // not limited
        statuses.push((await call(untrusting, 'GET', '/openapi.json', { key: null, headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status);
      }
      expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    } finally {
      await untrusting.stop();
    }
  });

  it('never limits redirects', async () => {
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/popular' } })).body;
    for (let i = 0; i < LIMIT * 3; i++) expect((await api('GET', `/${link.short_code}`, { key: null })).status).toBe(302);
  });
});

describe('outages', () => {
  it('Redis down: ready is degraded, the API and redirects keep working from the database', async () => {
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/redis-down' } })).body;
    await h.data.redis.stop();
    try {
      await until('degraded readiness', async () => (await api('GET', '/ready', { key: null })).body.status === 'degraded');
      expect((await api('GET', '/ready', { key: null })).status).toBe(200);
      const created = await api('POST', '/urls', { body: { original_url: 'https://example.com/while-redis-down' } });
      expect(created.status).toBe(201);
      expect((await api('GET', `/${created.body.short_code}`, { key: null })).status).toBe(302);
      expect((await api('GET', `/${link.short_code}`, { key: null })).status).toBe(302);
      expect((await api('PUT', `/urls/${link.id}`, { body: { is_active: false } })).status).toBe(200);
      // Rate limiting is skipped rather than failing: a user key is not limited now.
      expect((await api('GET', '/users')).status).toBe(200);
    } finally {
      await h.data.redis.start();
    }
    await until('ready again', async () => (await api('GET', '/ready', { key: null })).body.status === 'ok');
  });

  it('database down: cached redirects work, writes get 503 JSON with Retry-After, recovery needs no restart', async () => {
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/db-down' } })).body;
    expect((await api('GET', `/${link.short_code}`, { key: null })).status).toBe(302); // now cached
    await h.data.postgres.stop();
    try {
      const write = await api('POST', '/urls', { body: { original_url: 'https://example.com/lost' } });
      expect(write).toMatchObject({ status: 503, body: { error: 'database unavailable' } });
      expect(write.headers.get('retry-after')).toBe('5');
      expect(await api('GET', '/ready', { key: null })).toMatchObject({ status: 503, body: { status: 'unavailable', database: 'down' } });
      expect((await api('GET', `/${link.short_code}`, { key: null })).status).toBe(302);
      expect((await api('GET', '/health', { key: null })).status).toBe(200);
    } finally {
      await h.data.postgres.start();
    }
    await until('writes again', async () => (await api('POST', '/urls', { body: { original_url: 'https://example.com/back' } })).status === 201);
    expect((await api('GET', '/ready', { key: null })).status).toBe(200);
  });
});
