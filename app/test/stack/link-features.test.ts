// The second-wave link fields end to end on the loopback stack: nginx in front of two replica
// processes, PgBouncer, PostgreSQL and Redis. Each rule that must hold "on every replica" is
// checked on each replica's own port as well as through the front door.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOAD_GENERATOR_STACK_CONFIG } from '../../../infra/loopback/load-generator.js';
import { startStack, type LoopbackStack } from '../../../infra/loopback/stack.js';
import { sleep, until } from '../support/harness.js';
import { testPool } from '../support/test-pool.js';

let stack: LoopbackStack;
let direct: pg.Pool;
let replicaUrls: string[];

beforeAll(async () => {
  stack = await startStack({ replicas: 2, observability: false, config: LOAD_GENERATOR_STACK_CONFIG, appEnv: { CLICK_FLUSH_INTERVAL_MS: '100' } });
  direct = testPool(stack.directDatabaseUrl, { max: 2 });
  replicaUrls = stack.replicas.map((r) => `http://127.0.0.1:${r.port}`);
});
afterAll(async () => {
  await direct?.end();
  await stack?.stop();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.url}${path}`, {
    method, headers: { 'x-api-key': stack.adminKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function follow(base: string, code: string): Promise<{ status: number; location: string | null; body: any }> {
  const res = await fetch(`${base}/${code}`, { redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, location: res.headers.get('location'), body: text === '' ? undefined : JSON.parse(text) };
}

async function newLink(fields: Record<string, unknown>): Promise<{ id: number; short_code: string } & Record<string, unknown>> {
  const res = await api('POST', '/urls', { original_url: 'https://example.com/target', ...fields });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const clickEvents = async (urlId: number) =>
  (await direct.query<{ n: number }>("SELECT count(*)::int AS n FROM all_events WHERE url_id = $1 AND event_type = 'click'", [urlId])).rows[0]!.n;

describe('max_visits', () => {
  it('serves the click that reaches the limit and not the next, on every replica', async () => {
    const link = await newLink({ max_visits: 3 });
    expect(link.max_visits).toBe(3);
    const [a, b] = replicaUrls as [string, string];
    expect((await follow(a, link.short_code)).status).toBe(302);
    expect((await follow(b, link.short_code)).status).toBe(302);
    expect((await follow(a, link.short_code)).status).toBe(302); // the third: reaches the limit, served
    for (const base of [a, b, stack.url]) {
      expect(await follow(base, link.short_code)).toMatchObject({ status: 410, body: { error: 'short link used up (max_visits reached)' } });
    }
    await until('3 click events', async () => (await clickEvents(link.id)) === 3);
    // Raising the limit lets exactly the difference through, on whichever replica.
    expect((await api('PUT', `/urls/${link.id}`, { max_visits: 4 })).status).toBe(200);
    const after = await Promise.all([a, b, a, b].map((base) => follow(base, link.short_code)));
    expect(after.map((r) => r.status).sort()).toEqual([302, 410, 410, 410]);
    expect((await api('PUT', `/urls/${link.id}`, { max_visits: null })).body.max_visits).toBeNull();
    expect((await follow(b, link.short_code)).status).toBe(302);
  });

  it('never serves past the limit under concurrent clicks on both replicas and the front door', async () => {
    const limit = 25;
    const link = await newLink({ max_visits: limit });
    const targets = [...replicaUrls, stack.url];
    // A 503 is a reservation the database could not answer in time (a busy machine): the
    // client retries it, as Retry-After asks, until every click has a final answer.
    let pending = Array.from({ length: 90 }, (_, i) => targets[i % targets.length]!);
    const answers: { status: number }[] = [];
    for (let round = 0; pending.length > 0 && round < 30; round++) {
      if (round > 0) await sleep(1000);
      const got = await Promise.all(pending.map((base) => follow(base, link.short_code)));
      const retry = pending.filter((_, i) => got[i]!.status === 503);
      answers.push(...got.filter((r) => r.status !== 503));
      pending = retry;
    }
    expect(pending, 'clicks still refused 503 after 30 rounds').toEqual([]);
    const served = answers.filter((r) => r.status === 302).length;
    // Every status with its count in the message: a failure here once went without one.
    const statuses = JSON.stringify(answers.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {}));
    expect(served, statuses).toBe(limit);
    expect(answers.filter((r) => r.status === 410).length, statuses).toBe(90 - limit);
    await until(`${limit} click events`, async () => (await clickEvents(link.id)) === limit);
    await sleep(300); // a flush that would add more has had its chance
    expect(await clickEvents(link.id)).toBe(limit);
    expect((await api('GET', `/urls/${link.id}`)).body.click_count).toBe(limit);
  });
});

describe('max_visits set on a link already clicked', () => {
  it('starts from the clicks the link has, those recorded by POST /events too', async () => {
    const link = await newLink({});
    const [a] = replicaUrls as [string, string];
    expect((await follow(a, link.short_code)).status).toBe(302);
    expect((await api('POST', '/events', { url_id: link.id, event_type: 'click', details: {} })).status).toBe(201);
    await until('2 click events', async () => (await clickEvents(link.id)) === 2);
    expect((await api('GET', `/urls/${link.id}`)).body.click_count).toBe(2);
    // Two clicks already: a limit of 3 lets exactly one more through.
    expect((await api('PUT', `/urls/${link.id}`, { max_visits: 3 })).status).toBe(200);
    expect((await follow(a, link.short_code)).status).toBe(302);
    expect((await follow(a, link.short_code)).status).toBe(410);
  });
});

describe('valid_since and expires_at', () => {
  it('answer 404 before valid_since and 302 from it, 302 before expires_at and 410 from it, on every replica', async () => {
    const start = Date.now() + 2_000;
    const link = await newLink({ valid_since: new Date(start).toISOString(), expires_at: new Date(start + 2_000).toISOString() });
    for (const base of replicaUrls) {
      const early = await follow(base, link.short_code);
      if (Date.now() < start) expect(early).toMatchObject({ status: 404, body: { error: 'short link not active yet' } });
    }
    for (const base of replicaUrls) await until('valid on this replica', async () => (await follow(base, link.short_code)).status === 302, 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(start);
    for (const base of replicaUrls) await until('expired on this replica', async () => (await follow(base, link.short_code)).status === 410, 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(start + 2_000);
    expect((await follow(stack.url, link.short_code)).body).toEqual({ error: 'short link expired' });
  });
});

describe('fallback_url', () => {
  it('redirects a deactivated, expired, not-yet-valid or used-up link there with a 302 and no click', async () => {
    const fallback_url = 'https://fallback.example/sorry';
    const used = await newLink({ max_visits: 1, fallback_url, redirect_type: 301 });
    expect((await follow(stack.url, used.short_code)).status).toBe(301);
    const notYet = await newLink({ valid_since: new Date(Date.now() + 3_600_000).toISOString(), fallback_url });
    const off = await newLink({ fallback_url });
    expect((await api('DELETE', `/urls/${off.id}`)).status).toBe(204);
    const expired = await newLink({ expires_at: new Date(Date.now() + 1_500).toISOString(), fallback_url });
    await until('expired', async () => Date.now() > Date.parse(String(expired.expires_at)) + 50, 5_000);
    for (const link of [used, notYet, off, expired]) {
      for (const base of replicaUrls) expect(await follow(base, link.short_code)).toMatchObject({ status: 302, location: fallback_url });
    }
    await sleep(500); // past a flush
    expect(await clickEvents(used.id)).toBe(1);
    for (const link of [notYet, off, expired]) expect(await clickEvents(link.id)).toBe(0);
  });

  it('may not point back into this shortener, in any spelling', async () => {
    const front = new URL(stack.url);
    for (const fallback_url of [`${stack.url}/abc`, `http://localhost:${front.port}/x`, 'http://[::1]/', 'http://127.1/']) {
      const res = await api('POST', '/urls', { original_url: 'https://example.com/', fallback_url });
      expect(res, fallback_url).toMatchObject({ status: 400, body: { fields: { fallback_url: 'must not point at this shortener' } } });
    }
  });
});

describe('redirect_type', () => {
  it('takes effect on every replica on the next redirect after a change', async () => {
    const link = await newLink({});
    expect(link.redirect_type).toBe(302);
    // Both replicas hold the link in their caches now.
    for (const base of replicaUrls) expect((await follow(base, link.short_code)).status).toBe(302);
    for (const type of [301, 307, 308, 302]) {
      expect((await api('PUT', `/urls/${link.id}`, { redirect_type: type })).body.redirect_type).toBe(type);
      // Invalidation travels through Redis pub/sub: bounded for a loaded machine (1 s).
      for (const base of replicaUrls) await until(`${type} on ${base}`, async () => (await follow(base, link.short_code)).status === type, 1_000);
    }
    expect((await api('PUT', `/urls/${link.id}`, { redirect_type: null })).body.redirect_type).toBe(302);
  });
});

describe('tags and bad input', () => {
  it('lists links by tag, with the other filters', async () => {
    const a = await newLink({ tags: ['promo', 'q4'] });
    await newLink({ tags: ['q4'] });
    const listed = await api('GET', '/urls?tag=promo&per_page=1000');
    expect(listed.body.map((u: { id: number }) => u.id)).toEqual([a.id]);
    expect(listed.body[0].tags).toEqual(['promo', 'q4']);
    expect((await api('GET', '/urls?tag=q4&is_active=true&per_page=1000')).body.length).toBe(2);
    expect((await api('PUT', `/urls/${a.id}`, { tags: null })).body.tags).toEqual([]);
    expect((await api('GET', '/urls?tag=promo')).body).toEqual([]);
    expect(await api('GET', '/urls?tag=Bad!')).toMatchObject({ status: 400, body: { fields: { tag: expect.stringMatching(/1-32/) } } });
  });

  it('refuses every invalid field with a 400 naming it, and changes nothing', async () => {
    const link = await newLink({});
    const bad: Record<string, unknown>[] = [
      { max_visits: 0 }, { max_visits: -1 }, { max_visits: 1.5 }, { max_visits: '3' },
      { valid_since: 'tomorrow' }, { valid_since: 5 },
      { fallback_url: 'javascript:alert(1)' }, { fallback_url: '' }, { fallback_url: 7 },
      { redirect_type: 303 }, { redirect_type: '301' },
      { tags: ['a', 'a'] }, { tags: 'a' }, { tags: ['UPPER'] }, { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, { tags: [1] },
    ];
    for (const body of bad) {
      const field = Object.keys(body)[0]!;
      const created = await api('POST', '/urls', { original_url: 'https://example.com/', ...body });
      expect(created.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(created.body.fields ?? {}).some((f) => f.startsWith(field)), JSON.stringify(created.body)).toBe(true);
      const updated = await api('PUT', `/urls/${link.id}`, body);
      expect(updated.status, JSON.stringify(body)).toBe(400);
    }
    const unchanged = (await api('GET', `/urls/${link.id}`)).body;
    expect(unchanged).toMatchObject({ max_visits: null, valid_since: null, fallback_url: null, redirect_type: 302, tags: [] });
  });
});
