// The server in front of Fastify: Fastify's timeouts and options, the fast path first, and a
// fast path that throws never takes the process down (the request goes to Fastify).
import { once } from 'node:events';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serverWithFastPath } from './server-factory.js';
import type { FastPath } from './fast-redirect.js';

const OPTIONS = { http: { maxHeaderSize: 4096 }, keepAliveTimeout: 72_000, requestTimeout: 30_000, connectionTimeout: 5_000, maxRequestsPerSocket: 7 };

let server: http.Server | undefined;
afterEach(() => { server?.close(); server = undefined; });

async function start(fast: FastPath | undefined): Promise<string> {
  const fastify = (_req: http.IncomingMessage, res: http.ServerResponse) => { res.writeHead(200).end('fastify'); };
  server = serverWithFastPath(() => fast)(fastify, OPTIONS as never) as http.Server;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('serverWithFastPath', () => {
  it('sets the timeouts Fastify sets on its own server', async () => {
    await start(undefined);
    expect(server!.keepAliveTimeout).toBe(72_000);
    expect(server!.requestTimeout).toBe(30_000);
    expect(server!.timeout).toBe(5_000);
    expect(server!.maxRequestsPerSocket).toBe(7);
  });

  it('takes Fastify\'s http options: a header past maxHeaderSize is refused', async () => {
    const base = await start(undefined);
    expect((await fetch(`${base}/`, { headers: { 'x-big': 'x'.repeat(5_000) } })).status).toBe(431);
    expect((await fetch(`${base}/`, { headers: { 'x-big': 'x'.repeat(1_000) } })).status).toBe(200);
  });

  it('asks the fast path first and hands Fastify what it leaves', async () => {
    const base = await start((req, res) => {
      if (req.url !== '/fast') return false;
      res.writeHead(302, { location: '/there' }).end();
      return true;
    });
    expect((await fetch(`${base}/fast`, { redirect: 'manual' })).status).toBe(302);
    expect(await (await fetch(`${base}/other`)).text()).toBe('fastify');
  });

  it('hands Fastify a request whose fast path threw before answering', async () => {
    const base = await start(() => { throw new Error('boom'); });
    const res = await fetch(`${base}/anything`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('fastify');
  });
});
