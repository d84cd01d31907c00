// The two ceilings start as real servers and answer the redirect the bench expects of them.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatedLink } from '../lib/links.js';
import { staticRedirectConf, startProxyCeiling, startStaticNginx, type Running } from './ceilings.js';

const dir = mkdtempSync(join(tmpdir(), 'ceilings-'));
chmodSync(dir, 0o755);
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) await r.stop();
  rmSync(dir, { recursive: true, force: true });
});

const redirectOf = async (url: string) => {
  const res = await fetch(url, { redirect: 'manual' });
  await res.arrayBuffer();
  return [res.status, res.headers.get('location')];
};

describe('bench ceilings', () => {
  it('swaps the proxying for a static 302, and refuses a config without it', () => {
    expect(staticRedirectConf('a\n  proxy_pass http://app;\nb', 'https://x.example/')).toBe('a\n  return 302 https://x.example/;\nb');
    expect(() => staticRedirectConf('no proxy here', 'https://x.example/')).toThrow(/renderer changed/);
  });

  it('nginx answers the static 302 itself', async () => {
    const n = await startStaticNginx(join(dir, 'static'), 'https://example.com/static');
    running.push(n);
    expect(await redirectOf(`${n.url}/anything`)).toEqual([302, 'https://example.com/static']);
  });

  it('nginx in front of bare Fastify processes answers from their Map', async () => {
    const p = await startProxyCeiling(join(dir, 'proxy'), 2, 'b', 100);
    running.push(p);
    const link = generatedLink('b', 42);
    expect(await redirectOf(`${p.url}/${link.code}`)).toEqual([302, link.originalUrl]);
    expect((await fetch(`${p.url}/nope`)).status).toBe(404);
  });
});
