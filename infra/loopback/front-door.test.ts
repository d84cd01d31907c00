// The front door under junk, end to end on the loopback stack: a keyless client (its own source
// address) sends bursts of every kind of malformed or oversized request while a legitimate client
// polls /health and follows a link. nginx must answer the junk itself or pass only what a replica
// answers; no replica may be marked down, so the legitimate client sees only 200 and 302.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../loadtest/lib/rng.js';
import { fuzzRequest, type FuzzTarget } from '../test/support/fuzz-requests.js';
import { rawRequest, requestBytes, type RawAnswer } from '../test/support/raw-http.js';
import { startStack, type LoopbackStack } from './stack.js';

/** Junk comes from 127.0.1.N, one N per kind. */
const JUNK_FROM = '127.0.1.';
const SPOOF_FROM = '127.0.0.3';
/** The app's per-address limit for keyless API calls in this stack: small, to reach it quickly. */
const APP_LIMIT = 30;

let stack: LoopbackStack;
let port: number;
let code: string;

beforeAll(async () => {
  stack = await startStack({ replicas: 2, observability: false, config: { rateLimit: { max: APP_LIMIT } } });
  port = Number(new URL(stack.url).port);
  const res = await fetch(`${stack.url}/urls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ original_url: 'https://example.com/front-door' }),
  });
  expect(res.status).toBe(201);
  const link = (await res.json()) as { id: number; short_code: string };
  // The fuzz below keeps its hands off id 1, so the legitimate client's link stays as it is.
  expect(link.id).toBe(1);
  code = link.short_code;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const bigHeaders = (n: number, bytes: number): [string, string][] =>
  Array.from({ length: n }, (_, i) => [`X-Filler-${i}`, 'f'.repeat(bytes)]);

const multipart = (bytes: number) => {
  const boundary = 'junkboundary';
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="u.csv"\r\nContent-Type: text/csv\r\n\r\n` +
    `username,email\n${'x,y@example.com\n'.repeat(Math.ceil(bytes / 16))}\r\n--${boundary}--\r\n`;
  return { body, headers: [['Content-Type', `multipart/form-data; boundary=${boundary}`]] as [string, string][] };
};

/**
 * Every kind of junk the review found (or could think of), as raw bytes, and what it must get.
 * The link rather than /health where either would do: the probes have a tighter budget (429).
 */
const JUNK: Record<string, { make: () => Buffer | string; expect: number[] }> = {
  'an unknown method': { make: () => requestBytes({ method: 'FOO', path: `/${code}` }), expect: [405] },
  'a lowercase method': { make: () => requestBytes({ method: 'get', path: `/${code}` }), expect: [400] },
  // Under nginx's line limit each, over Node's default total: a replica now takes them (302).
  'three 7 KB headers': { make: () => requestBytes({ method: 'GET', path: `/${code}`, headers: bigHeaders(3, 7000) }), expect: [302] },
  'five 7 KB headers': { make: () => requestBytes({ method: 'GET', path: `/${code}`, headers: bigHeaders(5, 7000) }), expect: [431] },
  'a control character in a header value': { make: () => requestBytes({ method: 'GET', path: `/${code}`, headers: [['X-Junk', 'a\u0001b']] }), expect: [400] },
  'a JSON body of 64 KB + 1': { make: () => requestBytes({ method: 'POST', path: '/urls', headers: [['Content-Type', 'application/json']], body: 'x'.repeat(64 * 1024 + 1) }), expect: [413] },
  'a JSON body of 2 MB': { make: () => requestBytes({ method: 'POST', path: '/shorten', headers: [['Content-Type', 'application/json']], body: 'x'.repeat(2 * 1024 * 1024) }), expect: [413] },
  'a keyless 1 MB upload': { make: () => { const m = multipart(1024 * 1024); return requestBytes({ method: 'POST', path: '/users/bulk', headers: m.headers, body: m.body }); }, expect: [401, 429] },
  'HTTP/1.0 without Host': { make: () => requestBytes({ method: 'GET', path: `/${code}`, version: 'HTTP/1.0' }), expect: [302] },
  'a TLS hello on the plain port': { make: () => Buffer.from('16030100a5010000a10303', 'hex'), expect: [400] },
  'a bad percent-encoding': { make: () => requestBytes({ method: 'GET', path: '/%ff' }), expect: [400, 404] },
  'Content-Length with Transfer-Encoding': { make: () => requestBytes({ method: 'POST', path: '/urls', headers: [['Content-Length', '5'], ['Transfer-Encoding', 'chunked'], ['Content-Type', 'application/json']], body: '0\r\n\r\n' }), expect: [400] },
  'a broken chunk size': { make: () => requestBytes({ method: 'POST', path: '/urls', headers: [['Transfer-Encoding', 'chunked'], ['Content-Type', 'application/json']], body: 'zz\r\n{}\r\n0\r\n\r\n' }), expect: [400] },
  'a NUL in the path': { make: () => requestBytes({ method: 'GET', path: '/a%00b' }), expect: [400] },
};

async function burst(make: () => Buffer | string, count: number, concurrency: number, from: string): Promise<RawAnswer[]> {
  const out: RawAnswer[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      out.push(await rawRequest({ port, bytes: make(), from, timeoutMs: 30_000 }));
    }
  }));
  return out;
}

/**
 * The legitimate client: /health and the link, in turn, each on a new connection. It runs from
 * before the junk until it stops, and at least until it has `atLeast` answers: on a fast machine
 * the junk is over in well under a second, and the answers just after it are the telling ones
 * (a replica marked down stays down for nginx's fail_timeout).
 */
function poll(atLeast = 30): { stop(): Promise<RawAnswer[]> } {
  const seen: RawAnswer[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running || seen.length < atLeast; i++) {
      const path = i % 2 === 0 ? '/health' : `/${code}`;
      seen.push(await rawRequest({ port, bytes: requestBytes({ method: 'GET', path }), from: '127.0.0.1', timeoutMs: 30_000 }));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { stop: async () => { running = false; await loop; return seen; } };
}

describe('the front door under junk', () => {
  it('answers every kind of junk with JSON 4xx while a legitimate client sees only 200 and 302', async () => {
    const legit = poll();
    const byKind: Record<string, RawAnswer[]> = {};
    // Each kind from an address of its own: nginx's per-address budget would otherwise answer the
    // later kinds with 429 before they reached anything worth testing.
    for (const [i, [kind, junk]] of Object.entries(JUNK).entries()) byKind[kind] = await burst(junk.make, 60, 12, `${JUNK_FROM}${i + 1}`);
    const seen = await legit.stop();

    for (const [kind, answers] of Object.entries(byKind)) {
      const summary = JSON.stringify(answers.map((a) => a.status || a.error || 'closed').slice(0, 12));
      for (const a of answers) {
        // An answer, never a reset or a silent close; and JSON whenever it has a body.
        expect(JUNK[kind]!.expect, `${kind}: ${summary}`).toContain(a.status);
        if (a.body.length > 0) {
          expect(a.headers['content-type']?.[0], kind).toMatch(/^application\/json/);
          expect(() => JSON.parse(a.body.toString('utf8')), kind).not.toThrow();
        }
      }
    }
    const statuses = seen.map((a) => a.status || a.error || 'closed');
    expect([...new Set(statuses)].sort()).toEqual([200, 302]);
    const errorLog = readFileSync(join(stack.dir, 'nginx', 'error.log'), 'utf8');
    expect(errorLog).not.toMatch(/upstream server temporarily disabled|no live upstreams/);
    expect(stack.replicas.every((r) => r.isRunning())).toBe(true);
  }, 180_000);

  it('does not let a client choose its address: random X-Forwarded-For values still meet the limit', async () => {
    const answers: RawAnswer[] = [];
    for (let i = 0; i < APP_LIMIT + 20; i++) {
      const xff = `198.51.${i % 250}.${(i * 7) % 250}`;
      answers.push(await rawRequest({ port, from: SPOOF_FROM, bytes: requestBytes({ method: 'GET', path: '/urls', headers: [['X-Forwarded-For', xff], ['X-Real-IP', xff]] }) }));
    }
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, APP_LIMIT - 1).every((s) => s === 401), JSON.stringify(statuses)).toBe(true);
    expect(statuses.slice(APP_LIMIT + 1).every((s) => s === 429), JSON.stringify(statuses)).toBe(true);
  }, 120_000);

  it('keeps one address from flooding the probes, without touching another address', async () => {
    const flood = await burst(() => requestBytes({ method: 'GET', path: '/health' }), 200, 20, '127.0.0.4');
    expect(flood.filter((a) => a.status === 429).length).toBeGreaterThan(50);
    expect(flood.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    const other = await rawRequest({ port, from: '127.0.0.5', bytes: requestBytes({ method: 'GET', path: '/health' }) });
    expect(other.status).toBe(200);
  }, 60_000);
});

describe('fuzz through the front door', () => {
  const COUNT = 2500;
  const CONCURRENCY = 8;

  it(`${COUNT} random requests: no 5xx, no answer that is not JSON, no broken connection, no replica down`, async () => {
    const doc = (await (await fetch(`${stack.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const target: FuzzTarget = {
      operations: Object.entries(doc.paths).map(([path, ops]) => ({ path, methods: Object.keys(ops).map((m) => m.toUpperCase()) })),
      code,
      apiKey: stack.adminKey,
    };
    expect(target.operations.length).toBeGreaterThan(10);
    const rng = seededRng(20261130);
    const requests = Array.from({ length: COUNT }, () => fuzzRequest(rng, target));
    const legit = poll();
    const bad: string[] = [];
    const statuses: Record<string, number> = {};
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests.length) {
        const i = next++;
        const bytes = requests[i]!;
        // Spread over many addresses, as many clients would be: per-address budgets stay out of the way.
        const a = await rawRequest({ port, bytes, from: `127.0.2.${1 + (i % 250)}`, timeoutMs: 30_000 });
        const key = String(a.status || a.error || 'closed');
        statuses[key] = (statuses[key] ?? 0) + 1;
        const line = bytes.subarray(0, Math.min(120, bytes.indexOf('\r\n'))).toString('latin1');
        const type = a.headers['content-type']?.[0] ?? '';
        let json = true;
        try { if (a.body.length > 0) JSON.parse(a.body.toString('utf8')); } catch { json = false; }
        // Successful answers of the routes that serve files (QR images, the CSV export) are not JSON.
        const file = a.status >= 200 && a.status < 300 && /^(image\/svg\+xml|image\/png|text\/csv)/.test(type);
        if (a.status === 0 || a.status >= 500 || (a.body.length > 0 && !file && (!/^application\/json/.test(type) || !json))) {
          bad.push(`${key} ${type} <- ${line}`);
        }
      }
    }));
    const seen = await legit.stop();
    expect(bad, `status counts ${JSON.stringify(statuses)}`).toEqual([]);
    expect([...new Set(seen.map((a) => a.status || a.error || 'closed'))].sort()).toEqual([200, 302]);
    expect(readFileSync(join(stack.dir, 'nginx', 'error.log'), 'utf8')).not.toMatch(/upstream server temporarily disabled|no live upstreams/);
    expect(stack.replicas.every((r) => r.isRunning())).toBe(true);
  }, 300_000);
});
