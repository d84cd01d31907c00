// HTTPS end to end on the loopback stack: Pebble issues a certificate after validating HTTP-01
// through nginx, nginx serves it (verified against Pebble's root, fetched from its management
// endpoint), a forced renewal puts a new certificate in service by a reload while a request loop
// runs, and not one request of the loop fails. Prometheus scrapes the certificate's figures.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { request as plainRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certLayout } from '../../app/src/certs/layout.js';
import { CERT_METRICS } from '../../app/src/certs/metrics.js';
import { readLive } from '../../app/src/certs/store.js';
import { servedCertificate } from './https.js';
import { LOAD_GENERATOR_STACK_CONFIG } from './load-generator.js';
import { startStack, type LoopbackStack } from './stack.js';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function get(url: string, agent: Agent): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function promValue(stack: LoopbackStack, query: string): Promise<number | undefined> {
  const res = await fetch(`${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  const v = body.data.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

describe('loopback stack with --tls (Pebble)', () => {
  let stack: LoopbackStack;
  let ca: string;
  let code: string;

  beforeAll(async () => {
    // Lifted per-address limits: the request loop below is one address.
    stack = await startStack({
      replicas: 2, config: LOAD_GENERATOR_STACK_CONFIG, tls: { certificateValiditySeconds: 3600 },
      scrapeInterval: '1s', evaluationInterval: '1s',
    });
    ca = readFileSync(stack.tls!.caFile, 'utf8');
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves HTTPS with a certificate Pebble issued for 127.0.0.1, trusted through Pebble\'s root', async () => {
    expect(stack.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(stack.url).port);
    const served = await servedCertificate(port, ca);
    expect(served.trusted).toBe(true);
    const live = readLive(certLayout(stack.tls!.certsDir))!;
    expect(live.selfSigned).toBe(false);
    expect(served.serial).toBe(live.serial);

    const agent = new Agent({ ca });
    const created = await new Promise<string>((resolve, reject) => {
      const req = request(`${stack.url}/urls`, {
        method: 'POST', agent, headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
      }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => (res.statusCode === 201 ? resolve(body) : reject(new Error(`${res.statusCode} ${body}`))));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ original_url: 'https://example.com/tls' }));
    });
    code = (JSON.parse(created) as { short_code: string }).short_code;
    expect(await get(`${stack.url}/${code}`, agent)).toEqual({ status: 302, location: 'https://example.com/tls' });
  });

  it('sends a short link asked over plain HTTP to HTTPS in one hop', async () => {
    const https = new URL(stack.url);
    const nginxConf = readFileSync(`${stack.dir}/nginx/nginx.conf`, 'utf8');
    // The plain port is the listen of the server that redirects (the first server block).
    const plainPort = Number(/listen 127\.0\.0\.1:(\d+) default_server;/.exec(nginxConf)![1]);
    const answer = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
      plainRequest({ host: '127.0.0.1', port: plainPort, path: `/${code}`, agent: false }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) });
      }).on('error', reject).end();
    });
    expect(answer).toEqual({ status: 301, location: `https://127.0.0.1:${https.port}/${code}` });
  });

  it('renews on demand: the new certificate is served, and a request loop across the reload loses nothing', async () => {
    const port = Number(new URL(stack.url).port);
    const before = await servedCertificate(port, ca);
    const agent = new Agent({ ca, keepAlive: true, maxSockets: 4 });
    let stop = false;
    const statuses = new Map<number, number>();
    const errors: string[] = [];
    const worker = async () => {
      while (!stop) {
        try {
          const r = await get(`${stack.url}/${code}`, agent);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        } catch (err) {
          errors.push((err as Error).message);
        }
        // Modest: the machine is shared.
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const loop = Promise.all([worker(), worker(), worker(), worker()]);
    try {
      await new Promise((r) => setTimeout(r, 500));
      stack.tls!.renewNow();
      const after = await until('a new certificate served', async () => {
        const s = await servedCertificate(port, ca);
        return s.serial !== before.serial ? s : undefined;
      });
      expect(after.trusted).toBe(true);
      expect(readLive(certLayout(stack.tls!.certsDir))!.serial).toBe(after.serial);
      // The loop goes on a while on connections made before and after the reload.
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      stop = true;
      await loop;
      agent.destroy();
    }
    expect(errors).toEqual([]);
    expect([...statuses.keys()]).toEqual([302]);
    expect(statuses.get(302)).toBeGreaterThan(20);
  });

  it('is watched: Prometheus scrapes the certificate manager, and the edge probe sees the served certificate', async () => {
    const renewals = await until('two renewals scraped', async () => {
      const v = await promValue(stack, CERT_METRICS.renewals);
      return v !== undefined && v >= 2 ? v : undefined;
    });
    expect(renewals).toBe(2);
    const live = readLive(certLayout(stack.tls!.certsDir))!;
    const expiry = await until('the served certificate\'s expiry', () => promValue(stack, 'probe_ssl_earliest_cert_expiry{job="edge"}'));
    expect(expiry).toBe(live.notAfter.getTime() / 1000);
    expect(await promValue(stack, CERT_METRICS.expiry)).toBe(live.notAfter.getTime() / 1000);
    expect(await promValue(stack, CERT_METRICS.consecutiveFailures)).toBe(0);
    expect(await promValue(stack, 'probe_success{job="edge"}')).toBe(1);
  });
});

describe('loopback stack with --tls and certificates that live 30 s', () => {
  let stack: LoopbackStack;
  beforeAll(async () => {
    stack = await startStack({ replicas: 1, observability: false, tls: { certificateValiditySeconds: 30 } });
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('renews on its own once a third of the lifetime is left, and serves the new one', async () => {
    const ca = readFileSync(stack.tls!.caFile, 'utf8');
    const port = Number(new URL(stack.url).port);
    const first = readLive(certLayout(stack.tls!.certsDir))!;
    expect(first.notAfter.getTime() - first.notBefore.getTime()).toBeLessThanOrEqual(31_000);
    // No signal: the manager's own schedule (due 20 s after notBefore) brings the next one.
    const next = await until('a renewal by the schedule', async () => {
      const s = await servedCertificate(port, ca);
      return s.serial !== first.serial && s.trusted ? s : undefined;
    }, 120_000);
    const live = readLive(certLayout(stack.tls!.certsDir))!;
    expect(live.serial).toBe(next.serial);
    expect(live.notBefore.getTime()).toBeGreaterThanOrEqual(first.notBefore.getTime());
  });
});
