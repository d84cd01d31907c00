// Keyset paging on every list, end to end on real PostgreSQL (via PgBouncer): a walk by the
// Link rel="next" cursors gives exactly the list, with its filters and a user key's scope; rows
// written during a walk neither repeat nor push others out; a cursor this API did not make is a
// 400 in the error contract; the last page links to no next one; the OpenAPI document says all of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor, START } from '../../src/http/cursor.js';
import { ADMIN_KEY, call, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(h.service, method, path, opts);
const ids = (body: { id: number }[]) => body.map((r) => r.id);

const PER_PAGE = 3;
let alice: { id: number; key: string };
let bob: { id: number; key: string };
let aliceLink: number;
const walkers: number[] = [];

async function newUser(name: string): Promise<{ id: number; key: string }> {
  const user = await api('POST', '/users', { body: { username: name, email: `${name}@example.com` } });
  expect(user.status).toBe(201);
  const key = await api('POST', `/users/${user.body.id}/keys`);
  expect(key.status).toBe(201);
  return { id: user.body.id, key: key.body.key };
}

/** Every page of a list from the start, by the cursors of the Link headers. */
async function walk(list: string, key = ADMIN_KEY, between?: (lastId: number) => Promise<void>) {
  const sep = list.includes('?') ? '&' : '?';
  let next: string | undefined = `${list}${sep}cursor=${encodeCursor(START)}&per_page=${PER_PAGE}`;
  const pages: { ids: number[]; total: number; link: string }[] = [];
  while (next !== undefined) {
    const res = await api('GET', next, { key });
    expect(res.status, next).toBe(200);
    const link = res.headers.get('link') ?? '';
    pages.push({ ids: ids(res.body), total: Number(res.headers.get('x-total-count')), link });
    expect(link, next).toMatch(/rel="first"/);
    next = /<([^>]+)>; rel="next"/.exec(link)?.[1];
    if (next !== undefined) expect(new URL(next, 'http://x').searchParams.get('cursor')).toBe(encodeCursor({ afterId: res.body.at(-1).id }));
    if (res.body.length > 0) await between?.(res.body.at(-1).id);
  }
  return pages;
}

beforeAll(async () => {
  h = await startHarness({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  alice = await newUser('alice');
  bob = await newUser('bob');
  for (let i = 0; i < 6; i++) walkers.push((await newUser(`walker${i}`)).id);
  for (let i = 0; i < 11; i++) {
    const owner = i % 3 === 0 ? bob : alice;
    const link = await api('POST', '/urls', { key: owner.key, body: { original_url: `https://example.com/${i}`, tags: i % 2 === 0 ? ['walk'] : [] } });
    expect(link.status).toBe(201);
    if (i === 1) aliceLink = link.body.id;
    if (i % 3 === 1) expect((await api('PUT', `/urls/${link.body.id}`, { key: owner.key, body: { is_active: false } })).status).toBe(200);
  }
  for (let i = 0; i < 7; i++) {
    expect((await api('POST', '/events', { key: alice.key, body: { url_id: aliceLink, event_type: 'shared', details: { i } } })).status).toBe(201);
  }
  for (let i = 0; i < 4; i++) {
    expect((await api('POST', '/webhooks', { key: alice.key, body: { url: `http://127.0.0.1:9/hook${i}`, events: ['link.created'] } })).status).toBe(201);
  }
});
afterAll(async () => { await h?.stop(); });

describe('keyset paging', () => {
  it('a walk by the next cursors gives every list exactly, in order, each page full but the last, which links to no next', async () => {
    const lists: [string, string][] = [
      ['/users', ADMIN_KEY], ['/urls', ADMIN_KEY], [`/urls?user_id=${alice.id}`, ADMIN_KEY], ['/urls?is_active=false', ADMIN_KEY],
      ['/urls?tag=walk&is_active=true', ADMIN_KEY], ['/urls', alice.key], ['/events', ADMIN_KEY], ['/events?event_type=created', ADMIN_KEY],
      [`/events?url_id=${aliceLink}`, ADMIN_KEY], ['/events?event_type=shared', alice.key], ['/events', bob.key], ['/webhooks', alice.key],
    ];
    for (const [list, key] of lists) {
      const all = await api('GET', `${list}${list.includes('?') ? '&' : '?'}per_page=1000`, { key });
      expect(all.status, list).toBe(200);
      const expected = ids(all.body);
      expect(expected.length, `${list} holds several pages`).toBeGreaterThan(PER_PAGE);
      const pages = await walk(list, key);
      expect(pages.flatMap((p) => p.ids), list).toEqual(expected);
      expect(pages.length, list).toBe(Math.ceil(expected.length / PER_PAGE));
      for (const p of pages.slice(0, -1)) expect(p.ids, list).toHaveLength(PER_PAGE);
      for (const p of pages) expect(p.total, list).toBe(expected.length);
      expect(pages.at(-1)!.link, list).not.toContain('rel="next"');
    }
  });

  it('a user key walks its own rows only', async () => {
    const bobs = (await walk('/urls', bob.key)).flatMap((p) => p.ids);
    const owners = await Promise.all(bobs.map(async (id) => (await api('GET', `/urls/${id}`)).body.user_id));
    expect(owners.length).toBeGreaterThan(0);
    expect(new Set(owners)).toEqual(new Set([bob.id]));
  });

  it('rows written during a walk: none repeats, none is skipped, a new one at the end shows once; an offset walk skips one', async () => {
    // A free id: a user deleted before the walk, imported again (with its id) once the walk is past it.
    const gone = await newUser('gone-for-now');
    expect((await api('DELETE', `/users/${gone.id}`)).status).toBe(204);
    for (let i = 0; i < 5; i++) await newUser(`late${i}`);
    const before = ids((await api('GET', '/users?per_page=1000')).body);
    const upload = async (csv: string) => {
      const form = new FormData();
      form.set('file', new Blob([csv], { type: 'text/csv' }), 'users.csv');
      const res = await fetch(`${h.service.url}/users/bulk`, { method: 'POST', headers: { 'x-api-key': ADMIN_KEY }, body: form });
      expect(await res.json()).toMatchObject({ imported: 1 });
    };
    let added: number | undefined;
    const pages = await walk('/users', ADMIN_KEY, async (lastId) => {
      if (added !== undefined || lastId < gone.id) return;
      // Behind the cursor: a row back under a lower id, a row deleted; ahead of it: a new row.
      await upload(`id,username,email\n${gone.id},back-again,back-again@example.com\n`);
      expect((await api('DELETE', `/users/${walkers[1]}`)).status).toBe(204);
      added = (await newUser('during-walk')).id;
    });
    expect(added).toBeDefined();
    const walked = pages.flatMap((p) => p.ids);
    expect(walked).toEqual([...before, added]);
    // The same kind of write during a walk by ?page moves every later row back by one: one is never read.
    const offsetWalk: number[] = [];
    const present = ids((await api('GET', '/users?per_page=1000')).body);
    for (let page = 1; ; page++) {
      const res = await api('GET', `/users?page=${page}&per_page=${PER_PAGE}`);
      if (res.body.length === 0) break;
      offsetWalk.push(...ids(res.body));
      if (page === 2) expect((await api('DELETE', `/users/${walkers[2]}`)).status).toBe(204);
    }
    const missed = present.filter((id) => id !== walkers[2] && !offsetWalk.includes(id));
    expect(missed).toHaveLength(1);
  });

  it('a cursor this API did not make, or one beside page or after, is a 400 with fields', async () => {
    const good = encodeCursor({ afterId: 1 });
    const bad = ['x', 'eyJpZCI6LTF9', `${good}=`, '%00', 'a'.repeat(65), Buffer.from('{"id":1,"more":true}').toString('base64url')];
    for (const list of ['/users', '/urls', '/events', '/webhooks']) {
      for (const cursor of bad) {
        const res = await api('GET', `${list}?cursor=${cursor}`);
        expect(res.status, `${list} ${cursor}`).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(res.body, `${list} ${cursor}`).toMatchObject({ error: expect.any(String), fields: { cursor: expect.any(String) } });
      }
      for (const q of [`cursor=${good}&page=2`, `cursor=${good}&after=3`, `cursor=${good}&cursor=${good}`, 'cursor=']) {
        const res = await api('GET', `${list}?${q}`);
        expect(res.status, `${list}?${q}`).toBe(400);
        expect(res.body.fields, `${list}?${q}`).toHaveProperty('cursor');
      }
    }
  });

  it('a cursor past the end is an empty last page; ?after starts the same walk', async () => {
    const all = ids((await api('GET', '/events?per_page=1000')).body);
    const end = await api('GET', `/events?cursor=${encodeCursor({ afterId: all.at(-1)! })}`);
    expect(end).toMatchObject({ status: 200, body: [] });
    expect(end.headers.get('link')).not.toContain('rel="next"');
    const byAfter = await api('GET', `/events?after=0&per_page=${PER_PAGE}`);
    const byCursor = await api('GET', `/events?cursor=${encodeCursor(START)}&per_page=${PER_PAGE}`);
    expect(byAfter.body).toEqual(byCursor.body);
    expect(byAfter.headers.get('link')).toBe(byCursor.headers.get('link'));
  });

  it('the OpenAPI document has the cursor parameter and the paging headers of every list', async () => {
    const doc = (await api('GET', '/openapi.json', { key: null })).body;
    for (const [path, op] of [['/users', 'get'], ['/urls', 'get'], ['/events', 'get'], ['/webhooks', 'get'], ['/webhooks/{id}/deliveries', 'get']] as const) {
      const operation = doc.paths[path][op];
      const params = operation.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name);
      expect(params, path).toEqual(expect.arrayContaining(['page', 'per_page', 'cursor', 'after']));
      expect(Object.keys(operation.responses['200'].headers), path).toEqual(['X-Total-Count', 'X-Total-Count-Exact', 'Link']);
    }
  });
});
