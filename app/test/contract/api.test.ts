// The HTTP contract end to end on real PostgreSQL (via PgBouncer) and real Redis: users, links,
// redirects, events, stats, keys, paging, filters and every error path.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { encodeCursor } from '../../src/http/cursor.js';
import { createService } from '../../src/service.js';
import { ADMIN_KEY, call, PUBLIC_BASE_URL, REPO_ROOT, sleep, startHarness, until, type Harness } from '../support/harness.js';

let h: Harness;
const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(h.service, method, path, opts);

async function newUser(name: string): Promise<{ id: number; username: string; email: string }> {
  const res = await api('POST', '/users', { body: { username: name, email: `${name}@example.com` } });
  expect(res.status).toBe(201);
  return res.body;
}

async function keyFor(userId: number): Promise<string> {
  const res = await api('POST', `/users/${userId}/keys`);
  expect(res.status).toBe(201);
  return res.body.key;
}

beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

describe('health', () => {
  it('answers liveness and readiness without a key', async () => {
    expect(await api('GET', '/health', { key: null })).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api('GET', '/ready', { key: null })).toMatchObject({ status: 200, body: { status: 'ok', database: 'up', redis: 'up' } });
  });

  it('echoes the request id, or makes one', async () => {
    const given = await api('GET', '/health', { headers: { 'x-request-id': 'req-123' } });
    expect(given.headers.get('x-request-id')).toBe('req-123');
    const made = await api('GET', '/health');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const junk = await api('GET', '/health', { headers: { 'x-request-id': `${'x'.repeat(300)}` } });
    expect(junk.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('users', () => {
  it('create, get, update, delete', async () => {
    const u = await newUser('ulla');
    expect(u).toMatchObject({ username: 'ulla', email: 'ulla@example.com' });
    const got = await api('GET', `/users/${u.id}`);
    expect(got.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const put = await api('PUT', `/users/${u.id}`, { body: { email: 'ulla2@example.com' } });
    expect(put).toMatchObject({ status: 200, body: { username: 'ulla', email: 'ulla2@example.com' } });
    expect((await api('PUT', `/users/${u.id}`, { body: {} })).status).toBe(400);
    expect((await api('DELETE', `/users/${u.id}`)).status).toBe(204);
    expect((await api('GET', `/users/${u.id}`)).status).toBe(404);
    expect((await api('DELETE', `/users/${u.id}`)).status).toBe(404);
  });

  it('refuses bad input with field errors, duplicates with 409', async () => {
    await newUser('dupe');
    expect(await api('POST', '/users', { body: { username: 'dupe', email: 'other@example.com' } }))
      .toMatchObject({ status: 409, body: { fields: { username: 'already exists' } } });
    expect(await api('POST', '/users', { body: { username: 'other', email: 'dupe@example.com' } }))
      .toMatchObject({ status: 409, body: { fields: { email: 'already exists' } } });
    expect(await api('POST', '/users', { body: { username: 'x', email: 'nope' } })).toMatchObject({ status: 400, body: { fields: { email: 'is not a valid email address' } } });
    expect(await api('POST', '/users', { body: { username: '  ', email: 'blank@example.com' } })).toMatchObject({ status: 400, body: { fields: { username: 'must not be blank' } } });
    expect(await api('POST', '/users', { body: { username: 5, email: 'n@example.com' } })).toMatchObject({ status: 400, body: { fields: { username: 'must be string' } } });
    expect(await api('POST', '/users', { body: { email: 'n@example.com' } })).toMatchObject({ status: 400, body: { fields: { username: 'is required' } } });
    for (const raw of ['"str"', '[1,2]', 'null', '42']) {
      expect((await api('POST', '/users', { raw, headers: { 'content-type': 'application/json' } })).status).toBe(400);
    }
  });

  it('pages by id with X-Total-Count and Link', async () => {
    for (let i = 0; i < 5; i++) await newUser(`pager${i}`);
    const all = await api('GET', '/users?per_page=1000');
    const total = Number(all.headers.get('x-total-count'));
    expect(total).toBe(all.body.length);
    const ids = all.body.map((u: { id: number }) => u.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const p1 = await api('GET', '/users?page=1&per_page=2');
    const p2 = await api('GET', '/users?page=2&per_page=2');
    expect(p1.body).toHaveLength(2);
    expect(p2.body).toHaveLength(2);
    expect(p2.body[0].id).toBeGreaterThan(p1.body[1].id);
    expect(p1.headers.get('link')).toContain('rel="next"');
    expect((await api('GET', `/users?page=${total + 1}&per_page=1`)).body).toEqual([]);
    for (const q of ['page=0', 'per_page=0', 'per_page=1001', 'page=abc', 'page=1&page=2']) {
      expect((await api('GET', `/users?${q}`)).status, q).toBe(400);
    }
  });

  it('pages by keyset too: ?after=<last id> and Link rel="next" walk the whole list, disjoint and in order', async () => {
    for (let i = 0; i < 5; i++) await newUser(`keyset${i}`);
    const all = (await api('GET', '/users?per_page=1000')).body.map((u: { id: number }) => u.id);
    const seen: number[] = [];
    let next: string | null = '/users?after=0&per_page=3';
    let pages = 0;
    while (next !== null) {
      const res = await api('GET', next);
      expect(res.status).toBe(200);
      expect(Number(res.headers.get('x-total-count'))).toBe(all.length);
      expect(res.headers.get('link')).toContain('rel="first"');
      seen.push(...res.body.map((u: { id: number }) => u.id));
      const m = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '');
      next = m ? m[1]! : null;
      // The walk goes on by cursor (opaque: cursor-paging.test.ts) from the last id seen.
      if (next) expect(next).toContain(`cursor=${encodeCursor({ afterId: res.body.at(-1).id })}`);
      pages += 1;
    }
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 3));
    // after is an id, not a position: one past the end is an empty page with no next.
    const end = await api('GET', `/users?after=${all.at(-1)}`);
    expect(end.body).toEqual([]);
    expect(end.headers.get('link')).not.toContain('rel="next"');
    for (const q of ['after=-1', 'after=abc', 'after=1&page=2', 'after=1.5']) {
      const res = await api('GET', `/users?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error).toBeTruthy();
    }
  });
});

describe('links', () => {
  it('creates through /urls and /shorten, same URL twice gives two codes', async () => {
    const a = await api('POST', '/urls', { body: { original_url: 'https://example.com/same' } });
    const b = await api('POST', '/shorten', { body: { original_url: 'https://example.com/same' } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.short_code).not.toBe(b.body.short_code);
    expect(a.body).toMatchObject({ is_active: true, user_id: null, click_count: 0, expires_at: null, short_url: `${PUBLIC_BASE_URL}/${a.body.short_code}` });
    expect(a.body.short_code).toMatch(/^[0-9A-Za-z]{8}$/);
    const events = await api('GET', `/events?url_id=${a.body.id}`);
    expect(events.body).toEqual([expect.objectContaining({ event_type: 'created', details: { short_code: a.body.short_code, original_url: 'https://example.com/same' } })]);
  });

  it('validates URLs with field errors', async () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'ftp://x.com', 'notaurl', 'https://u:p@x.com',
      `${PUBLIC_BASE_URL}/loop`, `https://example.com/${'x'.repeat(2100)}`, '']) {
      const res = await api('POST', '/urls', { body: { original_url: url } });
      expect(res.status, url).toBe(400);
      expect(res.body.fields.original_url, url).toBeTypeOf('string');
    }
    expect((await api('POST', '/urls', { body: { original_url: 'https://example.com', user_id: 999999 } }))).toMatchObject({ status: 404, body: { fields: { user_id: 'no such user' } } });
    expect((await api('POST', '/urls', { body: { original_url: 'https://example.com', expires_at: 'soon' } })).status).toBe(400);
    expect((await api('POST', '/urls', { body: { original_url: 'https://example.com', expires_at: '2000-01-01T00:00:00Z' } }))).toMatchObject({ status: 400, body: { fields: { expires_at: 'must be in the future' } } });
  });

  it('custom aliases: taken -> 409, reserved or malformed -> 400', async () => {
    expect((await api('POST', '/urls', { body: { original_url: 'https://example.com/x', short_code: 'promo2026' } })).status).toBe(201);
    expect(await api('POST', '/urls', { body: { original_url: 'https://example.com/y', short_code: 'promo2026' } })).toMatchObject({ status: 409, body: { fields: { short_code: 'already taken' } } });
    for (const alias of ['users', 'URLS', 'shorten', 'events', 'health', 'ready', 'openapi', 'metrics']) {
      expect(await api('POST', '/urls', { body: { original_url: 'https://example.com/z', short_code: alias } }), alias).toMatchObject({ status: 400, body: { fields: { short_code: 'is a reserved word' } } });
    }
    expect((await api('POST', '/urls', { body: { original_url: 'https://example.com/z', short_code: 'has space' } })).status).toBe(400);
  });

  it('redirects 302, counts exactly one click, 410 when deactivated or expired, 404 when unknown', async () => {
    const target = 'https://example.com/päth?q=1';
    const link = (await api('POST', '/urls', { body: { original_url: target, title: 'T' } })).body;
    const res = await api('GET', `/${link.short_code}`, { key: null, headers: { referer: 'https://ref.example/', 'user-agent': 'vitest' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/p%C3%A4th?q=1');
    await until('the click flushed', async () => (await api('GET', `/events?url_id=${link.id}&event_type=click`)).body.length > 0);
    await sleep(150); // a second flush interval: still exactly one
    const clicks = await api('GET', `/events?url_id=${link.id}&event_type=click`);
    expect(clicks.body).toHaveLength(1);
    expect(clicks.body[0].details).toEqual({ referrer: 'https://ref.example/', user_agent: 'vitest', bot: true, device: 'bot', browser: null, os: null, country: null });
    const stats = await api('GET', `/urls/${link.id}/stats`);
    expect(stats.body).toMatchObject({ url_id: link.id, short_code: link.short_code, clicks: 1, top_referrers: [{ referrer: 'https://ref.example/', clicks: 1 }] });
    expect(stats.body.clicks_by_day).toHaveLength(1);
    expect((await api('GET', `/urls/${link.id}`)).body.click_count).toBe(1);

    expect((await api('DELETE', `/urls/${link.id}`)).status).toBe(204);
    const gone = await api('GET', `/${link.short_code}`, { key: null });
    expect(gone).toMatchObject({ status: 410, body: { error: 'short link deactivated' } });
    expect((await api('GET', `/urls/${link.id}`)).body.is_active).toBe(false);
    const types = (await api('GET', `/events?url_id=${link.id}`)).body.map((e: { event_type: string }) => e.event_type);
    expect(types).toEqual(['created', 'click', 'updated', 'deactivated']);
    await sleep(200);
    expect((await api('GET', `/events?url_id=${link.id}&event_type=click`)).body).toHaveLength(1);

    expect((await api('GET', '/NoSuchCode1', { key: null }))).toMatchObject({ status: 404, body: { error: 'short link not found' } });
    const soon = (await api('POST', '/urls', { body: { original_url: 'https://example.com/soon', expires_at: new Date(Date.now() + 1500).toISOString() } })).body;
    expect((await api('GET', `/${soon.short_code}`, { key: null })).status).toBe(302);
    await sleep(1600);
    expect(await api('GET', `/${soon.short_code}`, { key: null })).toMatchObject({ status: 410, body: { error: 'short link expired' } });
  });

  it('updates: fields change, updated_at moves forward, the redirect follows at once, invalid input changes nothing', async () => {
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/old' } })).body;
    expect((await api('GET', `/${link.short_code}`, { key: null })).headers.get('location')).toBe('https://example.com/old');
    const put = await api('PUT', `/urls/${link.id}`, { body: { original_url: 'https://example.com/new', title: 'New' } });
    expect(put).toMatchObject({ status: 200, body: { original_url: 'https://example.com/new', title: 'New' } });
    expect(Date.parse(put.body.updated_at)).toBeGreaterThan(Date.parse(link.updated_at));
    expect((await api('GET', `/${link.short_code}`, { key: null })).headers.get('location')).toBe('https://example.com/new');
    expect((await api('PUT', `/urls/${link.id}`, { body: { original_url: 'javascript:x', title: 'Nope' } })).status).toBe(400);
    expect((await api('PUT', `/urls/${link.id}`, { body: { is_active: 'yes' } })).status).toBe(400);
    expect((await api('PUT', `/urls/${link.id}`, { body: {} })).status).toBe(400);
    expect((await api('GET', `/urls/${link.id}`)).body).toMatchObject({ original_url: 'https://example.com/new', title: 'New', is_active: true });
    expect((await api('PUT', `/urls/${link.id}`, { body: { is_active: false } })).body.is_active).toBe(false);
    expect((await api('GET', `/${link.short_code}`, { key: null })).status).toBe(410);
    expect((await api('PUT', `/urls/${link.id}`, { body: { is_active: true } })).body.is_active).toBe(true);
    expect((await api('GET', `/${link.short_code}`, { key: null })).status).toBe(302);
    expect((await api('PUT', '/urls/999999', { body: { title: 'x' } })).status).toBe(404);
  });

  it('lists with filters that combine, paged', async () => {
    const owner = await newUser('lister');
    for (let i = 0; i < 3; i++) await api('POST', '/urls', { body: { original_url: `https://example.com/l${i}`, user_id: owner.id } });
    const first = (await api('GET', `/urls?user_id=${owner.id}`)).body;
    expect(first).toHaveLength(3);
    await api('DELETE', `/urls/${first[0].id}`);
    const active = await api('GET', `/urls?user_id=${owner.id}&is_active=true`);
    expect(active.body.map((u: { id: number }) => u.id)).toEqual([first[1].id, first[2].id]);
    expect(active.headers.get('x-total-count')).toBe('2');
    expect((await api('GET', `/urls?user_id=${owner.id}&is_active=false`)).body).toHaveLength(1);
    expect((await api('GET', `/urls?user_id=${owner.id}&per_page=2&page=2`)).body).toHaveLength(1);
    expect((await api('GET', '/urls?is_active=maybe')).status).toBe(400);
    expect((await api('GET', '/urls?user_id=abc')).status).toBe(400);
  });

  it('a burst of concurrent creates yields distinct codes', async () => {
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => api('POST', '/urls', { body: { original_url: `https://example.com/burst/${i}` } })));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.short_code)).size).toBe(60);
  });
});

describe('events', () => {
  it('create echoes, filters combine, bad input refused', async () => {
    const user = await newUser('evuser');
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/ev', user_id: user.id } })).body;
    const ev = await api('POST', '/events', { body: { url_id: link.id, user_id: user.id, event_type: 'shared', details: { via: 'mail' } } });
    expect(ev).toMatchObject({ status: 201, body: { url_id: link.id, user_id: user.id, event_type: 'shared', details: { via: 'mail' } } });
    const filtered = await api('GET', `/events?url_id=${link.id}&user_id=${user.id}&event_type=shared`);
    expect(filtered.body).toEqual([ev.body]);
    expect((await api('GET', `/events?url_id=${link.id}&event_type=nothing`)).body).toEqual([]);
    expect((await api('POST', '/events', { body: { url_id: link.id, event_type: 'x', details: [1] } })).status).toBe(400);
    expect((await api('POST', '/events', { body: { url_id: link.id, event_type: 'x', details: 'str' } })).status).toBe(400);
    expect((await api('POST', '/events', { body: { url_id: 999999, event_type: 'x' } })).status).toBe(404);
    expect((await api('POST', '/events', { body: { url_id: link.id, user_id: 999999, event_type: 'x' } })).status).toBe(404);
    expect((await api('POST', '/events', { body: { url_id: link.id, event_type: ' ' } })).status).toBe(400);
    expect((await api('POST', '/events', { body: { event_type: 'x' } })).status).toBe(400);
  });

  it('keyset pages keep the filters; X-Total-Count is exact up to 10,000 matches and an estimate past it', async () => {
    const user = await newUser('evkeyset');
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/evk', user_id: user.id } })).body;
    for (let i = 0; i < 4; i++) await api('POST', '/events', { body: { url_id: link.id, event_type: 'keyset', details: { i } } });
    const first = await api('GET', `/events?url_id=${link.id}&event_type=keyset&after=0&per_page=3`);
    expect(first.body.map((e: { details: { i: number } }) => e.details.i)).toEqual([0, 1, 2]);
    expect(first.headers.get('x-total-count')).toBe('4');
    expect(first.headers.get('x-total-count-exact')).toBeNull();
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')![1]!;
    expect(next).toContain(`url_id=${link.id}`);
    expect(next).toContain('event_type=keyset');
    const second = await api('GET', next);
    expect(second.body.map((e: { details: { i: number } }) => e.details.i)).toEqual([3]);
    // Past the bound the count stops and the planner's estimate is reported (never below the bound).
    await h.direct.query(`INSERT INTO events (url_id, user_id, event_type, details) SELECT $1, $2, 'many', '{}' FROM generate_series(1, 10050)`, [link.id, user.id]);
    await h.direct.query('ANALYZE events');
    const many = await api('GET', '/events?event_type=many&per_page=1');
    expect(many.status).toBe(200);
    expect(Number(many.headers.get('x-total-count'))).toBeGreaterThan(10_000);
    expect(many.headers.get('x-total-count-exact')).toBe('false');
  });
});

describe('keys and access', () => {
  it('401 without or with a wrong key, on every protected route', async () => {
    for (const [m, p] of [['GET', '/users'], ['POST', '/users'], ['GET', '/urls'], ['POST', '/urls'], ['GET', '/events'], ['GET', '/users/1/keys']] as const) {
      const none = await api(m, p, { key: null });
      expect(none.status, `${m} ${p}`).toBe(401);
      expect(none.body.error).toBeTypeOf('string');
      expect((await api(m, p, { key: 'sk_wrong' })).status).toBe(401);
    }
    expect((await api('GET', '/users', { key: null, headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(200);
  });

  it('a key may be named when issued, and is listed with its name; without a body it has none', async () => {
    const carol = await newUser('carolk');
    const unnamed = await api('POST', `/users/${carol.id}/keys`);
    expect(unnamed.status).toBe(201);
    expect(unnamed.body).toMatchObject({ name: null });
    const named = await api('POST', `/users/${carol.id}/keys`, { body: { name: 'ci' } });
    expect(named.status).toBe(201);
    expect(named.body).toMatchObject({ name: 'ci' });
    expect(named.body.key).toEqual(expect.any(String));
    const listed = await api('GET', `/users/${carol.id}/keys`);
    expect(listed.body.map((k: { name: string | null }) => k.name)).toEqual([null, 'ci']);
    for (const body of [{ name: '' }, { name: 'n'.repeat(101) }, { name: 5 }, { label: 'x' }]) {
      const bad = await api('POST', `/users/${carol.id}/keys`, { body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.error).toEqual(expect.any(String));
    }
  });

  it('a user key manages only its own links and events; revocation is immediate', async () => {
    const alice = await newUser('alicek');
    const bob = await newUser('bobk');
    const aliceKey = await keyFor(alice.id);
    const bobKey = await keyFor(bob.id);
    const keys = await api('GET', `/users/${alice.id}/keys`, { key: aliceKey });
    expect(keys.status).toBe(200);
    expect(keys.body[0]).not.toHaveProperty('key');
    expect(keys.body[0]).toMatchObject({ user_id: alice.id, revoked_at: null });

    const mine = await api('POST', '/urls', { key: aliceKey, body: { original_url: 'https://example.com/alice' } });
    expect(mine).toMatchObject({ status: 201, body: { user_id: alice.id } });
    const bobs = (await api('POST', '/urls', { key: bobKey, body: { original_url: 'https://example.com/bob' } })).body;
    expect((await api('POST', '/urls', { key: aliceKey, body: { original_url: 'https://example.com/x', user_id: bob.id } })).status).toBe(403);
    expect((await api('GET', `/urls/${bobs.id}`, { key: aliceKey })).status).toBe(403);
    expect((await api('PUT', `/urls/${bobs.id}`, { key: aliceKey, body: { title: 'mine now' } })).status).toBe(403);
    expect((await api('DELETE', `/urls/${bobs.id}`, { key: aliceKey })).status).toBe(403);
    expect((await api('GET', `/urls/${bobs.id}/stats`, { key: aliceKey })).status).toBe(403);
    expect((await api('GET', `/urls/999999`, { key: aliceKey })).status).toBe(404);
    const list = await api('GET', '/urls', { key: aliceKey });
    expect(list.body.map((u: { user_id: number }) => u.user_id)).toEqual([alice.id]);
    expect((await api('GET', `/urls?user_id=${bob.id}`, { key: aliceKey })).status).toBe(403);
    expect((await api('GET', `/events`, { key: aliceKey })).body.every((e: { user_id: number }) => e.user_id === alice.id)).toBe(true);
    expect((await api('POST', '/events', { key: aliceKey, body: { url_id: bobs.id, event_type: 'x' } })).status).toBe(403);
    expect((await api('GET', `/users/${bob.id}`, { key: aliceKey })).status).toBe(403);
    expect((await api('GET', '/users', { key: aliceKey })).status).toBe(403);
    expect((await api('POST', '/users', { key: aliceKey, body: { username: 'z', email: 'z@example.com' } })).status).toBe(403);
    expect((await api('POST', `/users/${alice.id}/keys`, { key: aliceKey })).status).toBe(403);

    expect((await api('DELETE', `/users/${alice.id}/keys/${keys.body[0].id}`)).status).toBe(204);
    expect((await api('GET', '/urls', { key: aliceKey })).status).toBe(401);
    expect((await api('DELETE', `/users/${alice.id}/keys/${keys.body[0].id + 1000}`)).status).toBe(404);
    // Deleting a user removes its keys everywhere too.
    expect((await api('GET', '/urls', { key: bobKey })).status).toBe(200);
    expect((await api('DELETE', `/users/${bob.id}`)).status).toBe(204);
    expect((await api('GET', '/urls', { key: bobKey })).status).toBe(401);
    expect((await api('GET', `/urls/${bobs.id}`)).body.user_id).toBeNull();
  });
});

describe('two replicas', () => {
  it('a key revoked on one replica is refused by the other at once; a deactivation is 410 on both', async () => {
    const other = await createService(loadConfig({
      HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', DATABASE_URL: h.data.databaseUrl, REDIS_URL: h.data.redisUrl,
      ADMIN_API_KEYS: ADMIN_KEY, PUBLIC_BASE_URL, LOG_LEVEL: 'silent',
    }));
    await other.listen();
    try {
      const user = await newUser('tworeplicas');
      const key = await keyFor(user.id);
      const link = (await api('POST', '/urls', { key, body: { original_url: 'https://example.com/both' } })).body;
      // Both replicas now hold the key and the link in their caches.
      expect((await call(other, 'GET', '/urls', { key })).status).toBe(200);
      expect((await call(other, 'GET', `/${link.short_code}`, { key: null })).status).toBe(302);
      const keyId = (await api('GET', `/users/${user.id}/keys`)).body[0].id;
      expect((await api('DELETE', `/urls/${link.id}`, { key })).status).toBe(204);
      expect((await api('DELETE', `/users/${user.id}/keys/${keyId}`)).status).toBe(204);
      await until('the other replica to refuse the key', async () => (await call(other, 'GET', '/urls', { key })).status === 401, 100);
      expect((await call(other, 'GET', `/${link.short_code}`, { key: null })).status).toBe(410);
    } finally {
      await other.stop();
    }
  });
});

describe('error contract', () => {
  it('404 unknown route, 405 wrong method with Allow, 415 wrong type, 413 too large, 400 bad JSON', async () => {
    expect(await api('GET', '/no/such/route')).toMatchObject({ status: 404, body: { error: 'route not found' } });
    const m = await api('PATCH', '/users/1');
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('DELETE, GET, HEAD, PUT');
    expect((await api('DELETE', '/urls')).status).toBe(405);
    expect((await api('POST', '/health')).status).toBe(405);
    expect((await api('POST', '/urls', { raw: 'original_url=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    expect((await api('POST', '/urls', { raw: 'https://example.com', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    const form = new FormData();
    form.set('original_url', 'https://example.com');
    const multi = await fetch(`${h.service.url}/urls`, { method: 'POST', headers: { 'x-api-key': ADMIN_KEY }, body: form });
    expect(multi.status).toBe(415);
    expect(await multi.json()).toHaveProperty('error');
    expect((await api('POST', '/urls', { body: { original_url: `https://example.com/${'x'.repeat(70_000)}` } })).status).toBe(413);
    expect(await api('POST', '/urls', { raw: '{"original_url": ', headers: { 'content-type': 'application/json' } })).toMatchObject({ status: 400, body: { error: 'malformed JSON body' } });
    expect((await api('POST', '/urls', { raw: '', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await api('GET', '/users/abc')).status).toBe(400);
    expect((await api('GET', '/users/99999999999999999999999')).status).toBe(400);
    expect((await api('GET', '/users/-1')).status).toBe(400);
    for (const id of ['1.5', '0x10', '1e3', '%201']) expect((await api('GET', `/users/${id}`)).status, id).toBe(400);
    expect((await api('GET', '/users?page=1e1')).status).toBe(400);
    const long = await api('GET', `/${'a'.repeat(5000)}`, { key: null });
    expect(long.status).toBe(414);
    expect(long.body).toEqual({ error: 'request URI too long' });
  });

  it('values the database cannot hold are a 400, not a 500', async () => {
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/nul' } })).body;
    for (const [method, path, body] of [
      ['POST', '/urls', { original_url: 'https://example.com/a', title: 'a\u0000b' }],
      ['POST', '/users', { username: 'nul', email: 'n\u0000l@example.com' }],
      ['POST', '/events', { url_id: link.id, event_type: 'x\u0000' }],
      ['POST', '/events', { url_id: link.id, event_type: 'x', details: { a: 'b\u0000' } }],
      ['PUT', `/urls/${link.id}`, { expires_at: '275760-09-13T00:00:00.000Z' }],
    ] as const) {
      const res = await api(method, path, { body }); // JSON.stringify writes NUL as \u0000
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.error).toBeTypeOf('string');
    }
  });

  it('fuzz: random paths, methods and bodies never give a 5xx or a non-JSON error', async () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const segments = ['users', 'urls', 'events', 'shorten', 'keys', 'stats', 'bulk', '1', '0', '-5', '1e9', 'abc', '%00', '..%2F..', '%zz', '%2e%2e',
      'x'.repeat(300), '🙂', '%F0%9F%99%82', 'null', 'undefined', '__proto__', 'constructor', '?a=b', '?page=-1', '?per_page=abc&user_id=%00'];
    const bodies: (string | undefined)[] = [undefined, '', '{}', '[]', 'null', '"x"', '{"original_url":null}', '{"original_url":123}',
      '{"username":"a\\u0000b","email":"x@y.zz"}', '{"__proto__":{"admin":true}}', '{"url_id":"1","event_type":{}}', '{"details":"x"}',
      `{"original_url":"${'h'.repeat(5000)}"}`, '{"title":' + '['.repeat(500) + ']'.repeat(500) + '}', '\u0000\u0001', '{"a":1}{"b":2}'];
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
    for (let i = 0; i < 250; i++) {
      const depth = 1 + Math.floor(rand() * 3);
      const path = '/' + Array.from({ length: depth }, () => pick(segments)).join('/');
      const method = pick(methods);
      const body = method === 'GET' ? undefined : pick(bodies);
      const res = await call(h.service, method, path, { raw: body, headers: body === undefined ? {} : { 'content-type': pick(['application/json', 'text/plain', 'application/json; charset=utf-8']) } });
      const label = `${method} ${path} ${body?.slice(0, 40)}`;
      expect(res.status, label).toBeLessThan(500);
      if (res.status >= 400) {
        expect(res.headers.get('content-type'), label).toContain('application/json');
        expect(res.body?.error, label).toBeTypeOf('string');
      }
    }
  });
});

describe('fuzz of field values', () => {
  it('every JSON route, random values of every type in its fields: never a 5xx, always JSON', async () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const user = await newUser('fuzzowner');
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/fuzz', user_id: user.id } })).body;
    const values: unknown[] = [null, true, 0, -1, 1.5, 2 ** 63, Number.MAX_SAFE_INTEGER, '', ' ', '\u0000', 'x'.repeat(10_000), '🙂'.repeat(50),
      'https://example.com/ok', 'javascript:alert(1)', '2026-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'not a date', 'a@b.co', [], [1, 'a'], {}, { a: { b: [null] } },
      String(user.id), String(link.id), link.short_code, 'promo', '../../etc/passwd', '<script>alert(1)</script>', "'; DROP TABLE users; --"];
    const routes: [string, string, string[]][] = [
      ['POST', '/users', ['username', 'email']],
      ['PUT', `/users/${user.id}`, ['username', 'email']],
      ['POST', '/urls', ['original_url', 'user_id', 'title', 'short_code', 'expires_at']],
      ['POST', '/shorten', ['original_url', 'user_id', 'title', 'short_code', 'expires_at']],
      ['PUT', `/urls/${link.id}`, ['original_url', 'title', 'is_active', 'expires_at']],
      ['POST', '/events', ['url_id', 'user_id', 'event_type', 'details']],
    ];
    for (let i = 0; i < 300; i++) {
      const [method, path, fields] = pick(routes);
      const body: Record<string, unknown> = {};
      for (const f of fields) if (rand() < 0.7) body[f] = pick(values);
      const res = await api(method, path, { body });
      const label = `${method} ${path} ${JSON.stringify(body).slice(0, 120)}`;
      expect(res.status, label).toBeLessThan(500);
      expect(res.headers.get('content-type'), label).toContain('application/json');
    }
  });
});

describe('openapi', () => {
  it('documents every route, needs no key', async () => {
    const doc = await api('GET', '/openapi.json', { key: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.body.paths);
    for (const p of ['/users', '/users/{id}', '/users/bulk', '/users/{id}/keys', '/users/{id}/keys/{keyId}', '/urls', '/shorten', '/urls/{id}', '/urls/{id}/stats', '/events', '/{code}', '/health', '/ready']) {
      expect(paths, p).toContain(p);
    }
    expect(doc.body.paths['/{code}'].get.security).toEqual([]);
    expect(doc.body.paths['/urls'].post.responses).toHaveProperty('409');
    expect(doc.body.paths['/users/bulk'].post.requestBody.content).toHaveProperty('multipart/form-data');
  });

  it('passes Redocly\'s recommended lint with no error and no warning (operation ids for generated clients)', async () => {
    const doc = await api('GET', '/openapi.json', { key: null });
    const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, doc.text);
      const bin = join(REPO_ROOT, 'node_modules', '.bin', 'redocly');
      const run = spawnSync(bin, ['lint', '--extends', 'recommended', '--format', 'json', file], { encoding: 'utf8', timeout: 120_000 });
      const report = JSON.parse(run.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
      const problems = report.problems
        // No licence is granted (UNLICENSED), so there is no licence text to link to.
        .filter((p) => p.ruleId !== 'info-license-strict')
        .map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
      expect(problems).toEqual([]);
      expect(report.totals.errors).toBe(0);
      for (const op of Object.values(doc.body.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((ops) => Object.values(ops))) {
        expect(op.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
