// The rendered nginx.conf, run by the real nginx: error pages as JSON, retries for idempotent
// requests only, request ids, stub_status; and `nginx -t` on the Docker-rendered file.
import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxServer } from '../loopback/components.js';
import { freePorts } from '../loopback/servers/ports.js';
import type { CommandServer } from '../loopback/servers/command.js';
import { dirNginxPaths, renderNginxConf, type FrontDoorPolicy } from '../render/nginx.js';
import { buildTopology } from '../topology/build.js';
import { frontDoorPolicy } from '../topology/components/edge.js';
import { parseStackConfig } from '../topology/config.js';
import { resolveText } from '../topology/types.js';
import { before1273 } from '../engine/nginx-image.js';
import { nginxTest } from './support/nginx-t.js';

/** Writes raw bytes, then returns whatever comes back until the server closes (or the deadline). */
function rawExchange(port: number, bytes: string, deadlineMs: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const sock = connect(port, '127.0.0.1', () => sock.write(bytes));
    const timer = setTimeout(() => sock.destroy(), deadlineMs);
    sock.setEncoding('latin1');
    sock.on('data', (d) => (got += String(d))); // latin1 strings (setEncoding)
    sock.on('close', () => { clearTimeout(timer); resolve(got); });
    sock.on('error', () => undefined);
  });
}

interface Seen { method: string; url: string; headers: Record<string, string | string[] | undefined> }

function upstream(port: number, seen: Seen[]): Promise<Server> {
  const srv = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      // The app sends both headers itself: nginx must not double them.
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'x-request-id': 'from-app', 'x-content-type-options': 'nosniff' });
      res.end('{"ok":true}');
    });
  });
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}

/** A replica that dies mid-request: it reads the request, then drops the connection unanswered. */
function crashing(port: number, received: string[]): Promise<TcpServer> {
  const srv = createTcpServer((sock) => {
    sock.once('data', (d) => {
      received.push(d.toString('latin1').split(' ')[0] ?? '');
      sock.destroy();
    });
  });
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}

/** The stack's policy, with limits small enough to reach in a test. */
const testPolicy: FrontDoorPolicy = {
  ...frontDoorPolicy(parseStackConfig({})),
  bodyBytes: 1024,
  uploads: { paths: ['/users/bulk'], bodyBytes: 16 * 1024, readTimeoutS: 30 },
  clientTimeoutS: 2,
  perAddress: { requestsPerSecond: 1000, burst: 1000, connections: 64, probeRequestsPerSecond: 2 },
};

interface SendOptions { method?: string; body?: string; headers?: Record<string, string>; from?: string }

/** Raw request so that paths such as /%00 reach nginx exactly as written. */
function send(port: number, path: string, opts: SendOptions = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; rawHeaders: string[]; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false, localAddress: opts.from }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('nginx.conf on loopback', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-nginx-'));
  const seen: Seen[] = [];
  const crashed: string[] = [];
  let nginx: CommandServer;
  let live: Server;
  let dead: TcpServer;
  let port: number;
  let statusPort: number;

  beforeAll(async () => {
    const [p, s, livePort, deadPort] = (await freePorts(4)) as [number, number, number, number];
    port = p;
    statusPort = s;
    live = await upstream(livePort, seen);
    dead = await crashing(deadPort, crashed);
    const confFile = join(dir, 'nginx.conf');
    writeFileSync(confFile, renderNginxConf({
      listen: { host: '127.0.0.1', port },
      statusListen: { host: '127.0.0.1', port: statusPort },
      statusAllow: ['127.0.0.1'],
      // One replica drops every request it reads. max_fails=0 keeps it in rotation, so the
      // requests below meet it in turn: retries, not passive health, must save the GETs.
      upstreams: [`127.0.0.1:${deadPort}`, `127.0.0.1:${livePort}`],
      maxFails: 0,
      policy: testPolicy,
      workerProcesses: 1,
      paths: dirNginxPaths(dir),
    }));
    nginx = nginxServer({ dir, port, confFile });
    await nginx.start();
  });

  afterAll(async () => {
    await nginx?.stop();
    await new Promise((r) => live?.close(r));
    await new Promise((r) => dead?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries a GET on the live replica: no request fails', async () => {
    const statuses = await Promise.all(Array.from({ length: 10 }, () => send(port, '/abc').then((r) => r.status)));
    expect(statuses).toEqual(Array(10).fill(200));
  });

  it('never retries a POST that reached a replica: it fails with JSON 502, never runs twice', async () => {
    const before = seen.filter((s) => s.method === 'POST').length;
    const crashedBefore = crashed.filter((m) => m === 'POST').length;
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await send(port, '/urls', { method: 'POST', body: `{"n":${i}}`, headers: { 'content-type': 'application/json' } }));
    const created = results.filter((r) => r.status === 201).length;
    const failed = results.filter((r) => r.status === 502);
    expect(created + failed.length).toBe(6);
    expect(failed.length).toBeGreaterThan(0);
    expect(JSON.parse(failed[0]!.body)).toEqual({ error: 'service unavailable: no healthy upstream' });
    expect(failed[0]!.headers['content-type']).toBe('application/json');
    expect(seen.filter((s) => s.method === 'POST').length - before).toBe(created);
    // Each failed POST was seen once, by the replica that dropped it, and not sent on.
    expect(crashed.filter((m) => m === 'POST').length - crashedBefore).toBe(failed.length);
  });

  it('passes a request id, generating one when absent, and X-Forwarded-For', async () => {
    const mine = await send(port, '/with-id', { headers: { 'x-request-id': 'abc-123', 'x-forwarded-for': '203.0.113.9' } });
    expect(mine.headers['x-request-id']).toBe('abc-123');
    const got = seen.find((s) => s.url === '/with-id')!;
    expect(got.headers['x-request-id']).toBe('abc-123');
    // Replaced, not appended to: the client's own X-Forwarded-For never reaches the app.
    expect(got.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(got.headers['x-real-ip']).toBe('127.0.0.1');
    const generated = await send(port, '/no-id', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.find((s) => s.url === '/no-id')!.headers['x-request-id']).toBe(generated.headers['x-request-id']);
  });

  it.each([
    ['a NUL byte', '/%00', {}, 400, 'bad request'],
    ['an encoded traversal', '/..%2F..%2F..%2F', {}, 400, 'bad request'],
    ['the metrics path', '/metrics', {}, 404, 'not found'],
    ['a 9000-byte URI', `/${'a'.repeat(9000)}`, {}, 414, 'request URI too long'],
    ['a 9000-byte header', '/x', { headers: { cookie: 'c'.repeat(9000) } }, 431, 'request headers too large'],
    ['five 7000-byte headers (over the buffers together)', '/x', { headers: Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`x-h${i}`, 'h'.repeat(7000)])) }, 431, 'request headers too large'],
    ['an unknown method', '/health', { method: 'FOO' }, 405, 'method not allowed'],
    ['TRACE', '/health', { method: 'TRACE' }, 405, 'method not allowed'],
    ['a body over the limit', '/urls', { method: 'POST', body: 'x'.repeat(5000) }, 413, 'request body too large'],
  ] as const)('answers %s itself, as JSON %i', async (_what, path, opts, status, error) => {
    const res = await send(port, path, opts);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body).error).toBe(error);
  });

  it('refuses an unknown method itself, saying what is allowed, and never passes it on', async () => {
    const res = await send(port, '/health', { method: 'PROPFIND' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
    expect(seen.some((s) => s.method === 'PROPFIND')).toBe(false);
  });

  it('sends X-Request-Id and nosniff exactly once, on its own answers and the app\'s', async () => {
    for (const res of [await send(port, '/proxied'), await send(port, '/metrics'), await send(port, '/x', { method: 'FOO' })]) {
      const names = res.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase());
      expect(names.filter((h) => h === 'x-request-id')).toHaveLength(1);
      expect(names.filter((h) => h === 'x-content-type-options')).toHaveLength(1);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-request-id']).not.toBe('from-app');
    }
  });

  it('lets an upload route take a body the JSON routes refuse, up to its own limit', async () => {
    const body = 'u'.repeat(5000);
    expect((await send(port, '/users', { method: 'POST', body })).status).toBe(413);
    // One of the two replicas drops what it reads, and an upload is never retried: 201 or 502.
    const uploaded = await send(port, '/users/bulk', { method: 'POST', body });
    expect([201, 502], uploaded.body).toContain(uploaded.status);
    expect(uploaded.headers['content-type']).toBe('application/json');
    const over = await send(port, '/users/bulk', { method: 'POST', body: 'u'.repeat(20_000) });
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body).error).toBe('request body too large');
  });

  it('cuts off a client that stops sending its body, and the replica never sees it', async () => {
    const started = Date.now();
    const answer = await rawExchange(port, 'POST /slow-body HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":', 20_000);
    // client_body_timeout is 2 s in this policy: the answer comes within a few seconds, not never.
    expect(Date.now() - started).toBeLessThan(15_000);
    if (answer !== '') expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(seen.some((s) => s.url === '/slow-body')).toBe(false);
  });

  it('serves HTTP/1.0 without a Host header, passing the replica a Host all the same', async () => {
    const answer = await rawExchange(port, 'GET /ten HTTP/1.0\r\n\r\n', 10_000);
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    const got = seen.find((s) => s.url === '/ten')!;
    expect(got.headers.host).toBeTruthy();
  });

  it('limits one address\'s probes without touching another address', async () => {
    const flood = await Promise.all(Array.from({ length: 20 }, () => send(port, '/health', { from: '127.0.0.2' })));
    const limited = flood.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(10);
    expect(JSON.parse(limited[0]!.body)).toEqual({ error: 'too many requests' });
    expect((await send(port, '/health', { from: '127.0.0.1' })).status).toBe(200);
  });

  it('serves stub_status on the internal port only', async () => {
    const res = await send(statusPort, '/stub_status');
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/Active connections: \d+/);
    expect((await send(port, '/stub_status')).status).toBe(200); // the public port proxies it to the app
    expect(seen.some((s) => s.url === '/stub_status')).toBe(true);
  });

  it('writes a JSON access log with upstream timings', async () => {
    const lines = readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const line = lines.find((l) => l.uri === '/with-id');
    expect(line).toMatchObject({ request_id: 'abc-123', status: 200, method: 'GET' });
    // One time per upstream tried: the request may meet the dropping replica first and be retried
    // ("0.013, 0.001"), depending on where the rotation stands after the tests before it.
    expect(line.upstream_response_time).toMatch(/^\d+\.\d+(, \d+\.\d+)*$/);
  });
});

describe('nginx.conf behind a trusted proxy (a load balancer)', () => {
  it('takes the client address from the trusted proxy alone, and still sends the app one address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shortstack-nginx-realip-'));
    const seen: Seen[] = [];
    const [port, statusPort, upPort] = (await freePorts(3)) as [number, number, number];
    const up = await upstream(upPort, seen);
    const confFile = join(dir, 'nginx.conf');
    writeFileSync(confFile, renderNginxConf({
      listen: { host: '127.0.0.1', port }, statusListen: { host: '127.0.0.1', port: statusPort }, statusAllow: ['127.0.0.1'],
      upstreams: [`127.0.0.1:${upPort}`], workerProcesses: 1, paths: dirNginxPaths(dir),
      // 127.0.0.2 plays the load balancer.
      policy: { ...testPolicy, trustedProxies: ['127.0.0.2/32'] },
    }));
    const nginx = nginxServer({ dir, port, confFile });
    try {
      await nginx.start();
      await send(port, '/via-proxy', { from: '127.0.0.2', headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' } });
      await send(port, '/direct', { from: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.8' } });
      expect(seen.find((x) => x.url === '/via-proxy')!.headers['x-forwarded-for']).toBe('203.0.113.7');
      expect(seen.find((x) => x.url === '/direct')!.headers['x-forwarded-for']).toBe('127.0.0.1');
    } finally {
      await nginx.stop();
      await new Promise((r) => up.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('nginx.conf for AWS', () => {
  it('passes nginx -t but for `resolve`, which Debian\'s nginx 1.22 predates (the image runs 1.28)', () => {
    const topo = buildTopology(parseStackConfig({ placement: 'aws' }, { awsRegion: 'eu-west-1' }), 'staging');
    const conf = resolveText(topo.component('nginx').files[0]!.content, {} as never);
    expect(conf).toMatch(/server app\.staging\.shortstack\.internal:3000 [^;]* resolve;/);
    // The same file without what 1.27.3 brought to open source nginx: the rest is checked as is.
    expect(before1273(conf)).not.toContain('resolve');
    expect(nginxTest(before1273(conf), ['app.staging.shortstack.internal'])).toContain('test is successful');
  });
});

describe('nginx.conf for Docker', () => {
  it('passes nginx -t but for `resolve`, which Debian\'s nginx 1.22 predates (the image runs 1.28)', () => {
    const topo = buildTopology(parseStackConfig({ replicas: 3 }));
    const conf = resolveText(topo.component('nginx').files[0]!.content, {} as never);
    expect(conf).toMatch(/server app:3000 [^;]* resolve;/);
    expect(nginxTest(before1273(conf), ['app'])).toContain('test is successful');
  });

  it('fails a broken file (the check can fail)', () => {
    expect(nginxTest('events {}\nhttp { bogus_directive on; }\n', [])).toContain('unknown directive');
  });
});
