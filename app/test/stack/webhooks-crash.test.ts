// Webhook deliveries survive killing every replica mid-delivery: the loopback stack's replica
// processes are SIGKILLed while the receiver holds their requests open; once they are back the
// deliveries' leases run out, they are claimed again and delivered. Nothing is lost, and no
// delivery is accepted twice.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type LoopbackStack } from '../../../infra/loopback/stack.js';
import { accepted, startReceiver, type Receiver } from '../support/receiver.js';
import { until } from '../support/harness.js';
import { testPool } from '../support/test-pool.js';

let stack: LoopbackStack;
let direct: pg.Pool;
let r: Receiver;

beforeAll(async () => {
  r = await startReceiver(() => 'hang');
  stack = await startStack({
    replicas: 2, observability: false,
    appEnv: { WEBHOOK_POLL_MS: '100', WEBHOOK_LEASE_MS: '6000', WEBHOOK_BACKOFF_BASE_MS: '100' },
  });
  direct = testPool(stack.directDatabaseUrl, { max: 2 });
});
afterAll(async () => {
  await direct?.end();
  await stack?.stop();
  await r?.close();
});

async function post(path: string, body: unknown): Promise<any> {
  const res = await fetch(`${stack.url}${path}`, {
    method: 'POST', headers: { 'x-api-key': stack.adminKey, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return res.json();
}

describe('webhook deliveries and a crash of every replica', () => {
  it('loses nothing when every replica is killed mid-delivery', async () => {
    await post('/webhooks', { url: r.url, events: ['link.created'] });
    const links: { short_code: string }[] = [];
    for (let i = 0; i < 5; i++) links.push(await post('/urls', { original_url: `https://example.com/crash/${i}` }));
    // The receiver holds requests open: deliveries are in flight on the replicas.
    await until('deliveries in flight', async () => r.received.length >= 1, 30_000);
    await Promise.all(stack.replicas.map((x) => x.kill()));
    r.release(200); // the killed replicas never read these answers
    r.behave(() => ({ status: 200 }));
    const restartedAt = r.received.length;
    await Promise.all(stack.replicas.map((x) => x.start()));
    await until('every delivery accepted', async () => {
      const codes = new Set([...accepted(r).values()].map((x) => x[0]!.json.data.short_code as string));
      return links.every((l) => codes.has(l.short_code));
    }, 60_000);
    await until('every delivery marked delivered', async () =>
      (await direct.query("SELECT count(*)::int AS n FROM webhook_deliveries WHERE status <> 'delivered'")).rows[0].n === 0, 30_000);
    const { rows } = await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries');
    expect(rows[0]!.n).toBe(links.length);
    // At least once across a crash: what the killed replicas had in flight may arrive again
    // (same Shortstack-Delivery id, for the receiver to drop); after the restart each is
    // accepted once.
    const ids = r.received.slice(restartedAt).filter((x) => x.answered === 200).map((x) => x.delivery);
    expect(ids.length).toBe(links.length);
    expect(new Set(ids).size).toBe(links.length);
  });
});
