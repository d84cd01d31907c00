// Webhooks end to end on a replica with real PostgreSQL (via PgBouncer) and Redis, delivering to
// a local receiver (the stack allows private targets here, as the loopback placement does):
// signatures, every event type, click batching, retries, dead letters, scoping, SSRF refusals,
// and a slow receiver beside the redirects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createService } from '../../src/service.js';
import { afterFailure, retryDelayMs } from '../../src/webhooks/backoff.js';
import { verifySignature } from '../../src/webhooks/signature.js';
import { isPrivateAddress, targetProblem } from '../../src/webhooks/targets.js';
import { accepted, startReceiver, type Receiver } from '../support/receiver.js';
import { ADMIN_KEY, call, PUBLIC_BASE_URL, startHarness, until, type Harness } from '../support/harness.js';

let h: Harness;
const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(h.service, method, path, opts);
const receivers: Receiver[] = [];

beforeAll(async () => {
  h = await startHarness({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_POLL_MS: '50', WEBHOOK_BACKOFF_BASE_MS: '100', WEBHOOK_RETRY_WINDOW_MS: '8000',
  });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await h?.stop();
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

async function webhook(url: string, events: string[], key = ADMIN_KEY): Promise<{ id: number; secret: string }> {
  const res = await api('POST', '/webhooks', { key, body: { url, events } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const link = async (extra: Record<string, unknown> = {}, key = ADMIN_KEY) =>
  (await api('POST', '/urls', { key, body: { original_url: 'https://example.com/hooked', ...extra } })).body;

describe('webhook rules', () => {
  it('refuses private, loopback and link-local targets unless allowed, and bad input, with 400s', async () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '224.0.0.1']) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect(isPrivateAddress(ip), ip).toBe(false);
    // A public-looking name that resolves inside is refused as well.
    expect(await targetProblem('https://hooks.example/x', false, async () => ['93.184.216.34', '10.0.0.5'])).toBe('must not resolve to a private, loopback or link-local address');
    expect(await targetProblem('https://hooks.example/x', false, async () => ['93.184.216.34'])).toBeUndefined();
    expect(await targetProblem('https://nowhere.invalid/x', false, async () => { throw new Error('ENOTFOUND'); })).toBe('host does not resolve');

    const strict = await createService(loadConfig({
      HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', DATABASE_URL: h.data.databaseUrl, REDIS_URL: h.data.redisUrl,
      ADMIN_API_KEYS: ADMIN_KEY, PUBLIC_BASE_URL, LOG_LEVEL: 'silent',
    }));
    await strict.listen();
    try {
      for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://[::1]/x', 'http://169.254.169.254/latest', 'http://10.0.0.1/']) {
        const res = await call(strict, 'POST', '/webhooks', { body: { url, events: ['link.created'] } });
        expect(res, url).toMatchObject({ status: 400, body: { fields: { url: expect.stringMatching(/private|resolve/) } } });
      }
    } finally {
      await strict.stop();
    }
    for (const [body, field] of [
      [{ url: 'ftp://x.example/', events: ['link.created'] }, 'url'], [{ url: 'not a url', events: ['link.created'] }, 'url'],
      [{ url: 'http://127.0.0.1:9/', events: [] }, 'events'], [{ url: 'http://127.0.0.1:9/', events: ['link.exploded'] }, 'events'],
      [{ url: 'http://127.0.0.1:9/', events: ['link.created', 'link.created'] }, 'events'], [{ url: 'http://127.0.0.1:9/' }, 'events'],
      [{ url: 5, events: ['link.created'] }, 'url'],
    ] as const) {
      const res = await api('POST', '/webhooks', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.fields, JSON.stringify(body)).toHaveProperty(field);
    }
  });

  it('backs off exponentially with jitter, and dead-letters past the window', () => {
    const policy = { baseMs: 1000, capMs: 60_000, windowMs: 3_600_000 };
    expect(retryDelayMs(1, policy, 0)).toBe(500);
    expect(retryDelayMs(1, policy, 0.999)).toBeLessThanOrEqual(1000);
    expect(retryDelayMs(4, policy, 0)).toBe(4000);
    expect(retryDelayMs(40, policy, 0.5)).toBe(45_000);
    expect(afterFailure(0, 1000, 1, policy, 0)).toEqual({ kind: 'retry', at: 1500 });
    expect(afterFailure(0, 3_599_000, 30, policy, 0)).toEqual({ kind: 'dead' });
  });
});

describe('deliveries', () => {
  it('announce every link event, signed, with the delivery id and event headers', async () => {
    const r = await receiver();
    const hook = await webhook(r.url, ['link.created', 'link.updated', 'link.deactivated', 'link.clicked']);
    const l = await link();
    expect((await api('PUT', `/urls/${l.id}`, { body: { title: 'changed' } })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await api('GET', `/${l.short_code}`, { key: null })).status).toBe(302);
    expect((await api('DELETE', `/urls/${l.id}`)).status).toBe(204);
    const mineOf = () => [...accepted(r).values()].map((x) => x[0]!).filter((x) => JSON.stringify(x.json?.data).includes(l.short_code));
    await until('every event delivered', async () => {
      const got = mineOf();
      return got.some((x) => x.event === 'link.deactivated') && got.filter((x) => x.event === 'link.clicked').flatMap((x) => x.json.data).length >= 3;
    }, 20_000);
    const mine = mineOf();
    expect(new Set(mine.map((x) => x.event))).toEqual(new Set(['link.created', 'link.updated', 'link.clicked', 'link.deactivated']));
    for (const x of mine) {
      expect(verifySignature(hook.secret, x.body, x.signature), x.event).toBe(true);
      expect(verifySignature('whsec_wrong', x.body, x.signature)).toBe(false);
      expect(x.json).toMatchObject({ id: Number(x.delivery), type: x.event, created_at: expect.stringMatching(/Z$/) });
    }
    expect(mine.find((x) => x.event === 'link.updated')!.json.data).toMatchObject({ id: l.id, title: 'changed', short_code: l.short_code });
    const clicked = mine.filter((x) => x.event === 'link.clicked').flatMap((x) => x.json.data);
    expect(clicked).toHaveLength(3);
    expect(clicked[0]).toMatchObject({ url_id: l.id, short_code: l.short_code, bot: expect.any(Boolean), device: expect.any(String) });
    // The receiver answers before the worker records it: wait for the records.
    await until('every delivery recorded', async () =>
      (await api('GET', `/webhooks/${hook.id}/deliveries?per_page=1000`)).body.every((d: { status: string }) => d.status === 'delivered'), 10_000);
    const list = await api('GET', `/webhooks/${hook.id}/deliveries?per_page=1000`);
    expect(list.status).toBe(200);
    expect(list.body[0]).toMatchObject({ attempts: 1, last_status_code: 200, last_error: null, delivered_at: expect.any(String) });
    expect((await api('DELETE', `/webhooks/${hook.id}`)).status).toBe(204);
    expect((await api('GET', `/webhooks/${hook.id}/deliveries`)).status).toBe(404);
  });

  it('batches clicks, at most 100 a delivery', async () => {
    const r = await receiver();
    const l = await link();
    const hook = await webhook(r.url, ['link.clicked']);
    const CLICKS = 250;
    for (let i = 0; i < CLICKS; i += 25) {
      await Promise.all(Array.from({ length: 25 }, () => api('GET', `/${l.short_code}`, { key: null })));
    }
    const clicksOf = () => [...accepted(r).values()].flatMap((x) => x[0]!.json.data).filter((c: { url_id: number }) => c.url_id === l.id);
    await until('every click delivered', async () => clicksOf().length >= CLICKS, 30_000);
    expect(clicksOf()).toHaveLength(CLICKS);
    const sizes = [...accepted(r).values()].map((x) => x[0]!.json.data.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
    expect(sizes.length).toBeLessThan(CLICKS);
    await api('DELETE', `/webhooks/${hook.id}`);
  });

  it('a receiver that fails 3 times then succeeds gets each event once', async () => {
    const failures = new Map<string, number>();
    const r = await receiver((x) => {
      const n = failures.get(x.delivery) ?? 0;
      failures.set(x.delivery, n + 1);
      return { status: n < 3 ? 503 : 200 };
    });
    const hook = await webhook(r.url, ['link.created']);
    const links = await Promise.all([link(), link(), link()]);
    await until('three deliveries accepted', async () => accepted(r).size === 3, 30_000);
    for (const [, got] of accepted(r)) expect(got).toHaveLength(1);
    const codes = [...accepted(r).values()].map((x) => x[0]!.json.data.short_code).sort();
    expect(codes).toEqual(links.map((l) => l.short_code).sort());
    await until('every delivery recorded', async () =>
      (await api('GET', `/webhooks/${hook.id}/deliveries`)).body.every((d: { status: string }) => d.status === 'delivered'), 10_000);
    const list = (await api('GET', `/webhooks/${hook.id}/deliveries`)).body;
    expect(list.map((d: { attempts: number; status: string }) => [d.status, d.attempts])).toEqual([['delivered', 4], ['delivered', 4], ['delivered', 4]]);
    await api('DELETE', `/webhooks/${hook.id}`);
  });

  it('dead-letters a delivery the receiver never accepts once the retry window has passed', async () => {
    const r = await receiver(() => ({ status: 500 }));
    const hook = await webhook(r.url, ['link.created']);
    await link();
    await until('dead-lettered', async () => (await api('GET', `/webhooks/${hook.id}/deliveries`)).body[0]?.status === 'dead', 30_000);
    const [d] = (await api('GET', `/webhooks/${hook.id}/deliveries`)).body;
    expect(d).toMatchObject({ status: 'dead', last_status_code: 500, last_error: 'receiver answered 500', delivered_at: null });
    expect(d.attempts).toBeGreaterThan(1);
    const metrics = await (await fetch(h.service.metricsUrl)).text();
    expect(metrics).toMatch(/shortstack_webhook_deliveries_total\{outcome="dead"\} [1-9]/);
    expect(metrics).toMatch(/shortstack_webhook_queue_depth \d/);
    expect(metrics).toMatch(/shortstack_webhook_oldest_pending_seconds \d/);
    await api('DELETE', `/webhooks/${hook.id}`);
  });

  it("a user's webhook receives only that user's links' events; an admin's receives all", async () => {
    const user = (await api('POST', '/users', { body: { username: 'hookuser', email: 'hookuser@example.com' } })).body;
    const key = (await api('POST', `/users/${user.id}/keys`)).body.key;
    const mineR = await receiver();
    const allR = await receiver();
    const mineHook = await webhook(mineR.url, ['link.created'], key);
    const allHook = await webhook(allR.url, ['link.created']);
    const own = await link({}, key);
    const other = await link();
    await until('admin hook got both', async () => accepted(allR).size >= 2, 20_000);
    await until('user hook got its own', async () => accepted(mineR).size >= 1, 20_000);
    expect([...accepted(mineR).values()].map((x) => x[0]!.json.data.id)).toEqual([own.id]);
    expect([...accepted(allR).values()].map((x) => x[0]!.json.data.id).sort()).toEqual([own.id, other.id].sort());
    // A user sees and manages only its own webhooks.
    expect((await api('GET', '/webhooks', { key })).body.map((w: { id: number }) => w.id)).toEqual([mineHook.id]);
    expect((await api('GET', `/webhooks/${allHook.id}/deliveries`, { key })).status).toBe(403);
    expect((await api('DELETE', `/webhooks/${allHook.id}`, { key })).status).toBe(403);
    for (const id of [mineHook.id, allHook.id]) expect((await api('DELETE', `/webhooks/${id}`)).status).toBe(204);
  });

  it('a slow receiver does not slow redirects', async () => {
    const r = await receiver(() => ({ status: 200, delayMs: 4_000 }));
    const hook = await webhook(r.url, ['link.clicked', 'link.created']);
    const l = await link();
    await until('a delivery in flight', async () => r.received.length > 0, 20_000);
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = Date.now();
      expect((await api('GET', `/${l.short_code}`, { key: null })).status).toBe(302);
      times.push(Date.now() - t);
    }
    // The receiver holds each delivery 4 s; redirects never wait on it (loose bound for a busy machine).
    expect(Math.max(...times)).toBeLessThan(2_000);
    expect(r.received.some((x) => x.answered === null)).toBe(true);
    await api('DELETE', `/webhooks/${hook.id}`);
  });
});
