// The front door's drain flag (render/nginx-drain.ts) on the real nginx: while the flag file
// exists every answer closes its connection, and everything else is as without it (the app's
// answers, POST bodies, nginx's own errors as JSON); without it, connections are kept alive.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type LoopbackStack } from './stack.js';

let stack: LoopbackStack;
let flag: string;

beforeAll(async () => {
  stack = await startStack({ replicas: 1, observability: false });
  flag = join(stack.dir, 'nginx', 'drain');
});
afterAll(async () => {
  await stack?.stop();
});

const create = (body = JSON.stringify({ original_url: 'https://example.com/drain' })) => fetch(`${stack.url}/urls?from=drain`, {
  method: 'POST', headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' }, body,
});

describe('the drain flag', () => {
  it('makes every answer close its connection while it exists, and only then', async () => {
    expect((await fetch(`${stack.url}/ready`)).headers.get('connection')).toBe('keep-alive');
    writeFileSync(flag, '');
    try {
      const ready = await fetch(`${stack.url}/ready`);
      expect([ready.status, ready.headers.get('connection')]).toEqual([200, 'close']);
      const created = await create();
      expect([created.status, created.headers.get('connection')]).toEqual([201, 'close']);
      const { short_code } = (await created.json()) as { short_code: string };
      // The original URI reaches the app (query string included), not the internal one.
      const hop = await fetch(`${stack.url}/${short_code}?utm=x%20y`, { redirect: 'manual' });
      expect([hop.status, hop.headers.get('location')]).toEqual([302, 'https://example.com/drain']);

      // nginx's own refusals stay the contract's JSON.
      const wrongMethod = await fetch(`${stack.url}/urls`, { method: 'PROPFIND' });
      expect(wrongMethod.status).toBe(405);
      expect(await wrongMethod.json()).toEqual({ error: 'method not allowed' });
      const tooBig = await create('x'.repeat(70_000));
      expect(tooBig.status).toBe(413);
      expect(await tooBig.json()).toHaveProperty('error', 'request body too large');
    } finally {
      rmSync(flag, { force: true });
    }
    expect((await create()).headers.get('connection')).toBe('keep-alive');
  });

  it('keeps its internal location out of reach of clients', async () => {
    const direct = await fetch(`${stack.url}/_drain`);
    expect(direct.status).toBe(404);
    expect(await direct.json()).toEqual({ error: 'not found' });
  });
});
