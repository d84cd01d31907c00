// The redirect's fast path (app/src/http/fast-redirect.ts) against Fastify's route, on two real
// replicas: one with it, one with REDIRECT_FAST_PATH=false. Every request, answered by the fast
// path or left to Fastify, gets the same answer from both, and both record the same clicks and
// count the same metrics.
import { connect } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { call, startHarness, until, type Harness } from '../support/harness.js';

let fast: Harness;
let slow: Harness;

beforeAll(async () => {
  [fast, slow] = await Promise.all([startHarness(), startHarness({ REDIRECT_FAST_PATH: 'false' })]);
});
afterAll(async () => { await Promise.all([fast?.stop(), slow?.stop()]); });

/** The same link on both replicas (same code), made with `body`, deactivated when asked: its id on each. */
async function linkOnBoth(code: string, body: Record<string, unknown>, deactivated = false): Promise<number[]> {
  const ids: number[] = [];
  for (const h of [fast, slow]) {
    const made = await call(h.service, 'POST', '/urls', { body: { short_code: code, ...body } });
    expect(made.status, made.text).toBe(201);
    if (deactivated) expect((await call(h.service, 'DELETE', `/urls/${made.body.id}`)).status).toBe(204);
    ids.push(made.body.id);
  }
  return ids;
}

/** The answer less what differs by nature: the Date, and a request id made up by the replica. */
async function answer(service: Service, method: string, path: string, headers: Record<string, string> = {}) {
  const res = await call(service, method, path, { key: null, headers });
  const h = Object.fromEntries(res.headers);
  delete h.date;
  if (headers['x-request-id'] === undefined) {
    expect(h['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    delete h['x-request-id'];
  }
  return { status: res.status, headers: h, text: res.text };
}

/** One request without a Host header, HTTP/1.1: the raw status line and body. */
async function withoutHost(service: Service, path: string): Promise<string> {
  const { port } = new URL(service.url);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  socket.end(`GET ${path} HTTP/1.1\r\nConnection: close\r\n\r\n`);
  let raw = '';
  for await (const chunk of socket) raw += String(chunk);
  const [head, body] = raw.split('\r\n\r\n');
  return `${head!.split('\r\n')[0]} ${body}`;
}

async function metric(service: Service, pattern: RegExp): Promise<number> {
  const text = await (await fetch(service.metricsUrl)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

describe('the redirect fast path answers as Fastify\'s route does', () => {
  it('for followable links (every redirect type), and for every request it leaves to the route', async () => {
    await linkOnBoth('fastA', { original_url: 'https://example.com/päth?q=1' });
    await linkOnBoth('fastB', { original_url: 'https://example.com/b', redirect_type: 301 });
    await linkOnBoth('fastC', { original_url: 'https://example.com/c', redirect_type: 307 });
    await linkOnBoth('fastD', { original_url: 'https://example.com/d', redirect_type: 308 });
    await linkOnBoth('fastLimited', { original_url: 'https://example.com/l', max_visits: 1 });
    await linkOnBoth('fastFallback', { original_url: 'https://example.com/f', fallback_url: 'https://example.com/fb' }, true);
    await linkOnBoth('fastGone', { original_url: 'https://example.com/g' }, true);
    const requests: [string, string, Record<string, string>?][] = [
      ['GET', '/fastA', { 'x-request-id': 'req-a', referer: 'https://ref.example/', 'user-agent': 'vitest' }],
      ['GET', '/fastA'], ['GET', '/fastB'], ['GET', '/fastC'], ['GET', '/fastD'],
      ['HEAD', '/fastA'], ['GET', '/fastA?utm=1'], ['GET', '/fastA/'], ['GET', '/%66astA'],
      ['GET', '/fastLimited'], ['GET', '/fastLimited'], ['GET', '/fastFallback'], ['GET', '/fastGone'],
      ['GET', '/noSuchCode'], ['GET', '/health'], ['GET', '/users'],
    ];
    // Twice: the first time most codes are LRU misses (the route's), the second time hits.
    for (let pass = 1; pass <= 2; pass++) {
      for (const [method, path, headers] of requests) {
        const [a, b] = [await answer(fast.service, method, path, headers), await answer(slow.service, method, path, headers)];
        expect(a, `${method} ${path}, pass ${pass}`).toEqual(b);
      }
      expect(await withoutHost(fast.service, '/fastA')).toBe(await withoutHost(slow.service, '/fastA'));
    }
  });

  it('records the same clicks and counts the same metrics', async () => {
    const ids = await linkOnBoth('fastCount', { original_url: 'https://example.com/count' });
    const route = /^http_requests_total\{method="GET",route="\/:code",status_code="302"\} (\d+)/m;
    const durations = /^http_request_duration_seconds_count\{method="GET",route="\/:code",status_code="302"\} (\d+)/m;
    const found = /^shortstack_redirects_total\{result="found"\} (\d+)/m;
    const hits = /^shortstack_cache_lookups_total\{tier="lru",result="hit"\} (\d+)/m;
    const read = () => Promise.all([fast, slow].map((h) => Promise.all([route, durations, found, hits].map((p) => metric(h.service, p)))));
    const before = await read();
    for (let i = 0; i < 5; i++) {
      for (const h of [fast, slow]) expect((await call(h.service, 'GET', '/fastCount', { key: null })).status).toBe(302);
    }
    for (const [i, h] of [fast, slow].entries()) {
      await until('5 clicks', async () => (await call(h.service, 'GET', `/urls/${ids[i]}`)).body.click_count === 5);
    }
    const after = await read();
    const added = after.map((side, i) => side.map((v, j) => v - before[i]![j]!));
    // 5 redirects each; the first loads the link, the other four are LRU hits.
    expect(added).toEqual([[5, 5, 5, 4], [5, 5, 5, 4]]);
  });
});
