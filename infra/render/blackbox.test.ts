// The edge probe's module under Debian's real blackbox exporter: it passes on the app's JSON 401,
// fails on nginx's 502 (every replica down), on an HTML page and on a dead front door; and the
// metric names the edge SLO reads are the exporter's.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BLACKBOX_METRICS } from '../../monitoring/metrics-catalog.js';
import { BLACKBOX_PROBE } from '../../monitoring/edge.js';
import { runTool } from '../../monitoring/tools/validators.js';
import { freePort } from '../loopback/servers/ports.js';
import { DEFAULT_IMAGES } from '../topology/images.js';
import { renderBlackboxConfig } from './blackbox.js';

const EXPORTER = '/usr/bin/prometheus-blackbox-exporter';

describe('renderBlackboxConfig', () => {
  it('renders the edge module from the probe definition', () => {
    const cfg = parse(renderBlackboxConfig());
    expect(cfg.modules[BLACKBOX_PROBE.module]).toMatchObject({
      prober: 'http',
      http: { method: 'GET', valid_status_codes: [401], no_follow_redirects: true },
    });
    expect(DEFAULT_IMAGES['blackbox-exporter']).toMatch(/^prom\/blackbox-exporter:v0\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  });

  it('passes the exporter\'s own check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shortstack-bb-'));
    try {
      writeFileSync(join(dir, 'blackbox.yml'), renderBlackboxConfig());
      const r = runTool(EXPORTER, ['--config.check', `--config.file=${join(dir, 'blackbox.yml')}`]);
      expect(r.code, r.output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the edge probe against a front door', () => {
  let dir: string;
  let exporter: ChildProcess;
  let exporterUrl: string;
  let front: Server;
  let frontUrl: string;
  /** What the fake front door answers: the app's 401, nginx's 502, or an HTML page. */
  let answer: 'app' | 'no-upstream' | 'html' = 'app';

  beforeAll(async () => {
    front = createServer((req, res) => {
      if (answer === 'app') res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"missing API key","fields":{}}');
      else if (answer === 'no-upstream') res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"service unavailable: no healthy upstream"}');
      else res.writeHead(401, { 'content-type': 'text/html' }).end('<html>401</html>');
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'shortstack-bb-'));
    writeFileSync(join(dir, 'blackbox.yml'), renderBlackboxConfig());
    const port = await freePort();
    exporterUrl = `http://127.0.0.1:${port}`;
    exporter = spawn(EXPORTER, [`--config.file=${join(dir, 'blackbox.yml')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${exporterUrl}/metrics`).then((r) => r.ok, () => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('blackbox exporter did not start');
  }, 30_000);

  afterAll(async () => {
    exporter?.kill('SIGTERM');
    await new Promise<void>((r) => front?.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const probe = async (target: string) => {
    const url = `${exporterUrl}/probe?module=${BLACKBOX_PROBE.module}&target=${encodeURIComponent(`${target}${BLACKBOX_PROBE.path}`)}`;
    return (await fetch(url)).text();
  };
  const value = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

  it('passes on the app\'s JSON 401, with the metric names the edge SLO reads', async () => {
    answer = 'app';
    const text = await probe(frontUrl);
    expect(value(text, 'probe_success')).toBe(1);
    expect(value(text, 'probe_http_status_code')).toBe(401);
    const missing = BLACKBOX_METRICS.filter((e) => !new RegExp(`^# TYPE ${e.name} ${e.type}$`, 'm').test(text)).map((e) => e.name);
    expect(missing).toEqual([]);
  });

  it('fails on nginx\'s 502 (every replica down), on a page that is not the contract\'s JSON, and on a dead front door', async () => {
    answer = 'no-upstream';
    const down = await probe(frontUrl);
    expect(value(down, 'probe_success')).toBe(0);
    expect(value(down, 'probe_http_status_code')).toBe(502);
    answer = 'html';
    expect(value(await probe(frontUrl), 'probe_success')).toBe(0);
    const closed = await freePort();
    expect(value(await probe(`http://127.0.0.1:${closed}`), 'probe_success')).toBe(0);
  });
});
