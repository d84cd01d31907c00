// The load tool end to end against a local stand-in API: seeding, both traffic mixes, honest
// accounting of wrong Locations and 429s, and the CLI writing its report and chart.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drive, seedLinks } from '../lib/load.js';
import { scenario } from '../lib/scenarios.js';
import type { LinkSet } from '../lib/links.js';
import { nginxServer } from '../../infra/loopback/components.js';
import { freePort } from '../../infra/loopback/servers/ports.js';
import { startFakeApi, type FakeApi } from './fake-api.js';

const KEY = 'test-admin-key';
let api: FakeApi;
let links: LinkSet;

beforeAll(async () => {
  api = await startFakeApi(KEY);
  links = await seedLinks({ url: api.url, adminKey: KEY, links: 40, runTag: 'it' });
});
afterAll(async () => {
  await api.close();
});

describe('load run against a stand-in API', () => {
  it('seeds through the API in rank order', () => {
    expect(links.size).toBe(40);
    expect(links.code(1)).toBe('fake1');
    expect(links.location(2)).toBe(api.links.get('fake2')!.url);
    expect(links.id(3)).toBe(3);
  });

  it('counts wrong Locations and 429s as failures, never as successes', async () => {
    api.corrupt(links.code(1));
    api.rateLimitEvery(25);
    const { summary } = await drive({ url: api.url, scenario: scenario('redirects', 2, 4), links, runTag: 'it' });
    api.rateLimitEvery(0);
    api.repair(links.code(1));

    // Enough for a 429 (one in 25) and a wrong Location; a busy machine sends far fewer than a quiet one.
    expect(summary.requests).toBeGreaterThan(50);
    expect(summary.outcomes.wrong_location).toBeGreaterThan(0);
    expect(summary.outcomes.rate_limited).toBeGreaterThan(0);
    // Requests still in flight when the run stops are served but never counted.
    expect(summary.outcomes.wrong_location).toBeLessThanOrEqual(api.served.wrongLocation);
    expect(summary.outcomes.wrong_location).toBeGreaterThanOrEqual(api.served.wrongLocation - 4);
    expect(summary.outcomes.rate_limited).toBeGreaterThanOrEqual(api.served.rateLimited - 4);
    expect(summary.statusCounts['429']).toBe(summary.outcomes.rate_limited);
    expect(summary.byOp.redirect_unknown.requests).toBeGreaterThan(0);
    expect(summary.byOp.redirect_unknown.failed).toBe(0);
    expect(summary.ok + summary.failed).toBe(summary.requests);
    expect(summary.failed).toBe(summary.outcomes.wrong_location + summary.outcomes.rate_limited);
    expect(summary.series.length).toBeGreaterThanOrEqual(2);
    expect(summary.latency.p99).toBeGreaterThan(0);
  });

  it('counts no failure when the server closes kept-alive connections (nginx keepalive_requests)', async () => {
    // nginx answers a connection's last request with `Connection: close` and closes it;
    // autocannon writes its next request regardless, and now and then the close resets it.
    const dir = mkdtempSync(join(tmpdir(), 'shortstack-ka-'));
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
      events { worker_connections 256; }
      http { access_log off; keepalive_requests 5;
        upstream api { server ${new URL(api.url).host}; keepalive 8; }
        server { listen 127.0.0.1:${port};
          location / { proxy_pass http://api; proxy_http_version 1.1; proxy_set_header Connection ""; } } }`);
    const nginx = nginxServer({ dir, port, confFile: conf });
    await nginx.start();
    try {
      const { summary } = await drive({ url: `http://127.0.0.1:${port}`, scenario: scenario('redirects', 3, 4), links, runTag: 'ka' });
      // So over 50 closes, each a chance to race (a quiet machine sends thousands; 656 at load 22).
      expect(summary.requests).toBeGreaterThan(250);
      expect({ failed: summary.failed, errors: summary.errors }).toEqual({ failed: 0, errors: { timeout: 0, reset: 0, refused: 0, other: 0 } });
      // At most the one request written after each close: one per 5 answered. A loaded machine
      // loses it at every close (CI saw exactly 558 of 2,790), so the bound is inclusive.
      expect(summary.sentAfterClose).toBeLessThanOrEqual(summary.requests / 5);
    } finally {
      await nginx.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts a request the server closed its connection on without answering as a failure, and times the rest right', async () => {
    // autocannon reconnects on the server's FIN without a word: such a request must not vanish
    // from the figures, nor make every later response look as old as it.
    let dropped = 0;
    let seen = 0;
    const server = createServer((req, res) => {
      if (++seen % 20 === 0) {
        dropped += 1;
        req.socket.end(); // FIN, no answer, no `Connection: close` before it
        return;
      }
      res.writeHead(302, { location: api.links.get(req.url!.slice(1))?.url ?? 'https://example.com/' }).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const { summary } = await drive({ url: `http://127.0.0.1:${port}`, scenario: scenario('redirects', 2, 4), links, runTag: 'fin' });
      expect(dropped).toBeGreaterThan(10);
      // Those still in flight when the run stopped are not counted either way.
      expect(summary.errors.reset).toBeGreaterThanOrEqual(dropped - 4);
      expect(summary.errors.reset).toBeLessThanOrEqual(dropped);
      expect(summary.sentAfterClose).toBe(0);
      expect(summary.latency.max).toBeLessThan(1_000);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('runs the mixed traffic and reports every created link', async () => {
    const before = api.links.size;
    const { summary, created } = await drive({
      url: api.url, scenario: scenario('mixed', 2, 4), links, adminKey: KEY, runTag: 'mix', seed: 9,
    });
    expect(summary.byOp.create.ok).toBeGreaterThan(0);
    expect(created).toHaveLength(summary.byOp.create.ok);
    for (const c of created) expect(api.links.get(c.code)?.id).toBe(c.id);
    expect(api.links.size - before).toBeGreaterThanOrEqual(created.length);
    expect(summary.byOp.list.ok + summary.byOp.stats.ok).toBeGreaterThan(0);
    expect(summary.byOp.create.failed + summary.byOp.list.failed + summary.byOp.stats.failed).toBe(0);
  });

  it('runs from the command line and writes the JSON report and the SVG chart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadtest-cli-'));
    try {
      // No --report: the run writes one anyway, under loadtest/reports/ of the working folder.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../cli.ts', import.meta.url)), '--url', api.url,
          '--scenario', 'redirects', '--duration', '1', '--connections', '2', '--links', '10'],
        { cwd: dir, env: { ...process.env, SHORTSTACK_ADMIN_KEY: KEY }, timeout: 30_000 },
      );
      const written = readdirSync(join(dir, 'loadtest', 'reports'));
      expect(written.filter((f) => f.endsWith('.json'))).toHaveLength(1);
      const report = join(dir, 'loadtest', 'reports', written.find((f) => f.endsWith('.json'))!);
      expect(stdout).toContain(`report: ${join('loadtest', 'reports', basename(report))}`);
      expect(stdout).toContain('== redirects against');
      expect(stdout).toMatch(/latency p99 \(ms\)/);
      const json = JSON.parse(readFileSync(report, 'utf8'));
      expect(json.meta).toMatchObject({ kind: 'load', name: 'redirects', links: 10, connections: 2 });
      expect(json.summary.requests).toBeGreaterThan(0);
      const svg = report.replace(/\.json$/, '.svg');
      expect(existsSync(svg)).toBe(true);
      expect(readFileSync(svg, 'utf8')).toContain('<polyline');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
