// The TLS front door run by the real nginx: Mozilla intermediate (TLS 1.2 and 1.3 only, its
// ciphers), HTTP/2, HSTS, and plain HTTP's three answers (the ACME challenge, short links
// redirected in one hop, the API refused with a JSON 426).
import { createServer, request as httpRequest, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIAS_MAX } from '../../app/src/domain/short-code.js';
import { certLayout } from '../../app/src/certs/layout.js';
import { selfSignedCertificate } from '../../app/src/certs/self-signed.js';
import { nginxServer } from '../loopback/components.js';
import { freePorts } from '../loopback/servers/ports.js';
import type { CommandServer } from '../loopback/servers/command.js';
import { dirNginxPaths, renderNginxConf } from '../render/nginx.js';
import { HTTPS_REQUIRED, MOZILLA_INTERMEDIATE } from '../render/nginx-tls.js';
import { frontDoorPolicy } from '../topology/components/edge.js';
import { parseStackConfig } from '../topology/config.js';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function plain(port: number, path: string, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function secure(url: string, ca: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The TLS handshake alone: what was negotiated, or the error. */
function handshake(port: number, opts: ConnectionOptions): Promise<{ protocol?: string | null; alpn?: string | false | null; error?: string }> {
  return new Promise((resolve) => {
    const sock = tlsConnect({ host: '127.0.0.1', port, ...opts }, () => {
      resolve({ protocol: sock.getProtocol(), alpn: sock.alpnProtocol });
      sock.destroy();
    });
    sock.on('error', (err) => resolve({ error: err.message }));
  });
}

describe('nginx.conf with TLS, on loopback', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shortstack-nginx-tls-'));
  const files = certLayout(join(dir, 'certs'));
  let nginx: CommandServer;
  let up: Server;
  let ca: string;
  let httpPort: number;
  let httpsPort: number;
  const seen: string[] = [];

  beforeAll(async () => {
    const [h, s, st, u] = (await freePorts(4)) as [number, number, number, number];
    httpPort = h;
    httpsPort = s;
    up = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${String(req.headers['x-forwarded-proto'])}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => up.listen(u, '127.0.0.1', r));
    const pair = await selfSignedCertificate('127.0.0.1');
    ca = pair.certificate;
    mkdirSync(join(dir, 'certs', 'live'), { recursive: true });
    mkdirSync(files.challengeDir, { recursive: true });
    // nginx's workers (nobody, when the test runs as root) read the tokens, as on a stack.
    for (const d of [dir, join(dir, 'certs'), files.challengeDir]) chmodSync(d, 0o755);
    writeFileSync(files.certificate, pair.certificate);
    writeFileSync(files.key, pair.key);
    const confFile = join(dir, 'nginx.conf');
    writeFileSync(confFile, renderNginxConf({
      listen: { host: '127.0.0.1', port: httpPort },
      statusListen: { host: '127.0.0.1', port: st },
      statusAllow: ['127.0.0.1'],
      upstreams: [`127.0.0.1:${u}`],
      policy: frontDoorPolicy(parseStackConfig({})),
      workerProcesses: 1,
      paths: dirNginxPaths(dir),
      tls: {
        listen: { host: '127.0.0.1', port: httpsPort }, certificateFile: files.certificate, keyFile: files.key,
        challengeDir: files.challengeDir, publicHttpsPort: httpsPort, shortLinkMaxLength: ALIAS_MAX,
      },
      hstsMaxAgeS: 600,
    }));
    nginx = nginxServer({ dir, port: httpPort, confFile });
    await nginx.start();
  });

  afterAll(async () => {
    await nginx?.stop();
    await new Promise((r) => up?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('proxies HTTPS to the app, with X-Forwarded-Proto https and HSTS at the configured max-age', async () => {
    const res = await secure(`https://127.0.0.1:${httpsPort}/AbC123`, ca);
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=600');
    expect(seen).toContain('GET /AbC123 https');
    // nginx's own answers carry it too (the 405 location repeats the server's headers).
    const refused = await secure(`https://127.0.0.1:${httpsPort}/metrics`, ca);
    expect(refused.status).toBe(404);
    expect(refused.headers['strict-transport-security']).toBe('max-age=600');
  });

  it('speaks TLS 1.2 and 1.3, refuses 1.1, and offers HTTP/2', async () => {
    expect((await handshake(httpsPort, { ca, minVersion: 'TLSv1.3' })).protocol).toBe('TLSv1.3');
    expect((await handshake(httpsPort, { ca, maxVersion: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
    // OpenSSL 3 forbids 1.1 at its default security level: lower it, so the refusal is nginx's.
    const old = await handshake(httpsPort, { ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    expect(old.error).toBeDefined();
    expect((await handshake(httpsPort, { ca, ALPNProtocols: ['h2', 'http/1.1'] })).alpn).toBe('h2');
  });

  it('offers only the profile\'s TLS 1.2 ciphers: a CBC suite outside it is refused', async () => {
    const ok = await handshake(httpsPort, { ca, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    expect(ok.error).toBeUndefined();
    expect(MOZILLA_INTERMEDIATE.ciphers).not.toContain('ECDHE-ECDSA-AES128-SHA');
    const cbc = await handshake(httpsPort, { ca, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' });
    expect(cbc.error).toBeDefined();
  });

  it('redirects a short link on plain HTTP to the same link on HTTPS, in one hop', async () => {
    const res = await plain(httpPort, '/AbC123?utm=x');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(`https://127.0.0.1:${httpsPort}/AbC123?utm=x`);
    const followed = await secure(res.headers.location as string, ca);
    expect(followed.status).toBe(200);
    expect((await plain(httpPort, '/AbC123', 'HEAD')).status).toBe(301);
    // Never sent to the app over plain HTTP.
    expect(seen.filter((s) => s.endsWith(' http'))).toEqual([]);
  });

  it.each([
    ['an API call', '/urls', 'POST'],
    ['a nested API path', '/urls/42/stats', 'GET'],
    ['a short link written to', '/AbC123', 'DELETE'],
    ['a path longer than any alias', `/${'a'.repeat(ALIAS_MAX + 1)}`, 'GET'],
  ])('answers %s on plain HTTP with the JSON 426, naming TLS', async (_what, path, method) => {
    const res = await plain(httpPort, path, method, method === 'POST' ? '{"url":"https://example.com"}' : undefined);
    expect(res.status).toBe(426);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers.upgrade).toBe('TLS/1.2, HTTP/1.1');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(JSON.parse(res.body)).toEqual(HTTPS_REQUIRED);
  });

  it('serves ACME HTTP-01 tokens from the challenge folder on plain HTTP, and JSON 404 for others', async () => {
    writeFileSync(join(files.challengeDir, 'tok-1'), 'tok-1.thumbprint');
    const res = await plain(httpPort, '/.well-known/acme-challenge/tok-1');
    expect(res.status).toBe(200);
    expect(res.body).toBe('tok-1.thumbprint');
    const missing = await plain(httpPort, '/.well-known/acme-challenge/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: 'not found' });
  });
});
