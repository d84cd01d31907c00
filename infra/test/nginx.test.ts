// The rendered nginx.conf, run by the real nginx: error pages as JSON, retries for idempotent
// requests only, request ids, stub_status; and `nginx -t` on the Docker-rendered file.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxServer } from '../loopback/components.js';
import { freePorts } from '../loopback/servers/ports.js';
import type { CommandServer } from '../loopback/servers/command.js';
import { dirNginxPaths, renderNginxConf } from '../render/nginx.js';
import { buildTopology } from '../topology/build.js';
import { parseStackConfig } from '../topology/config.js';
import { resolveText } from '../topology/types.js';

interface Seen { method: string; url: string; headers: Record<string, string | string[] | undefined> }

function upstream(port: number, seen: Seen[]): Promise<Server> {
  const srv = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
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

/** Raw request so that paths such as /%00 reach nginx exactly as written. */
function send(port: number, path: string, opts: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
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
      clientMaxBodySize: '1k',
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
    expect(got.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    const generated = await send(port, '/no-id', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(seen.find((s) => s.url === '/no-id')!.headers['x-request-id']).toBe(generated.headers['x-request-id']);
  });

  it.each([
    ['a NUL byte', '/%00', {}, 400, 'bad request'],
    ['an encoded traversal', '/..%2F..%2F..%2F', {}, 400, 'bad request'],
    ['the metrics path', '/metrics', {}, 404, 'not found'],
    ['a 9000-byte URI', `/${'a'.repeat(9000)}`, {}, 414, 'request URI too long'],
    ['a 9000-byte header', '/x', { headers: { cookie: 'c'.repeat(9000) } }, 400, 'bad request'],
    ['a body over the limit', '/urls', { method: 'POST', body: 'x'.repeat(5000) }, 413, 'request body too large'],
  ] as const)('answers %s itself, as JSON %i', async (_what, path, opts, status, error) => {
    const res = await send(port, path, opts);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body).error).toBe(error);
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
    expect(line.upstream_response_time).toMatch(/^\d+\.\d+$/);
  });
});

describe('nginx.conf for Docker', () => {
  it('passes nginx -t with the service names resolving', () => {
    const topo = buildTopology(parseStackConfig({ replicas: 3 }));
    const conf = resolveText(topo.component('nginx').files[0]!.content, {} as never);
    // Outside /tmp: the namespace below mounts a tmpfs there for the container's temp paths.
    const dir = mkdtempSync('/var/tmp/shortstack-nginx-docker-');
    try {
      writeFileSync(join(dir, 'nginx.conf'), conf);
      writeFileSync(join(dir, 'hosts'), `127.0.0.1 localhost\n${topo.instances('app').map((a) => `127.0.0.1 ${a}`).join('\n')}\n`);
      // Output to a file: the access log is /dev/stdout, which nginx must be able to open.
      const run = () => execFileSync('unshare', ['-m', 'sh', '-c',
        `mount --bind ${dir}/hosts /etc/hosts && mount -t tmpfs tmpfs /tmp && nginx -t -c ${dir}/nginx.conf >${dir}/out 2>&1`]);
      expect(run).not.toThrow();
      expect(readFileSync(join(dir, 'out'), 'utf8')).toContain('test is successful');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
