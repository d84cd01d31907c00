// Hardening of the HTTP contract on the real stack (PostgreSQL via PgBouncer, Redis): malformed
// URLs, Host headers and multipart bodies, oversized event details, links to this service in
// any spelling, CSV rows that must not swallow the rows after them, and the headers every
// response carries.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, call, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
const api = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(h.service, method, path, opts);

beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

/** One request written on a raw socket (no client fixing it up); the answer as text. */
function rawRequest(request: string): Promise<string> {
  const { hostname, port } = new URL(h.service.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(request));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { out += d; });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
  });
}

function parseRaw(text: string): { status: number; headers: [string, string][]; body: string } {
  const split = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  return {
    status: Number(statusLine!.split(' ')[1]),
    headers: lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    body: text.slice(split + 4),
  };
}

function upload(csv: string): Promise<Response> {
  const form = new FormData();
  form.set('file', new Blob([csv], { type: 'text/csv' }), 'users.csv');
  return fetch(`${h.service.url}/users/bulk`, { method: 'POST', headers: { 'x-api-key': ADMIN_KEY }, body: form });
}

describe('malformed requests never give a 5xx', () => {
  it('bad percent-encodings are a 400 whose message does not echo the URL', async () => {
    for (const path of ['/%ff', '/%ff%fe', '/users/%ff', '/%E0%A4%A', '/%', '/%c0%af', '/%ff%3Cscript%3E']) {
      const res = await api('GET', path, { key: null });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type'), path).toContain('application/json');
      expect(res.body, path).toEqual({ error: 'malformed URL: invalid percent-encoding' });
      expect(res.text, path).not.toContain('%');
    }
    const long = await api('GET', `/${'q'.repeat(5000)}`, { key: null });
    expect(long.status).toBe(414);
    expect(long.text).not.toContain('qqqq');
  });

  it('an empty or missing Host header is answered, in JSON', async () => {
    const asks = [
      'GET /health HTTP/1.0\r\n\r\n',
      `GET /users HTTP/1.0\r\nX-API-Key: ${ADMIN_KEY}\r\n\r\n`,
      'GET /abc HTTP/1.0\r\n\r\n',
      'GET /%ff HTTP/1.0\r\n\r\n',
      'GET /health HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n',
      `POST /urls HTTP/1.1\r\nHost: \r\nX-API-Key: ${ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    ];
    for (const ask of asks) {
      const res = parseRaw(await rawRequest(ask));
      expect(res.status, ask).toBeLessThan(500);
      expect(new Map(res.headers).get('content-type'), ask).toContain('application/json');
    }
    // HTTP/1.1 requires a Host: its absence is the client's error, answered in the contract.
    const missing = parseRaw(await rawRequest('GET /health HTTP/1.1\r\nConnection: close\r\n\r\n'));
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body)).toEqual({ error: 'missing Host header' });
  });

  it('event details nested 5,000 deep, or too large, are a 400 with a field error', async () => {
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/details' } })).body;
    const deep = `${'{"a":'.repeat(5000)}{}${'}'.repeat(5000)}`;
    const res = await api('POST', '/events', { raw: `{"url_id":${link.id},"event_type":"x","details":${deep}}`, headers: { 'content-type': 'application/json' } });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid event', fields: { details: expect.stringContaining('nested') } } });
    const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    expect(await api('POST', '/events', { body: { url_id: link.id, event_type: 'x', details: wide } }))
      .toMatchObject({ status: 400, body: { fields: { details: expect.stringContaining('keys') } } });
    expect(await api('POST', '/events', { body: { url_id: link.id, event_type: 'x', details: { big: 'x'.repeat(40_000) } } }))
      .toMatchObject({ status: 400, body: { fields: { details: expect.stringContaining('bytes') } } });
    expect((await api('POST', '/events', { body: { url_id: link.id, event_type: 'x', details: { a: { b: { c: [1, 2] } } } } })).status).toBe(201);
  });

  it('multipart without a boundary, or cut short, is a 400 on the upload and a 415 on JSON routes', async () => {
    for (const contentType of ['multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; charset=utf-8']) {
      const bulk = await api('POST', '/users/bulk', { raw: '--x\r\nContent-Disposition: form-data; name="file"\r\n\r\na\r\n--x--\r\n', headers: { 'content-type': contentType } });
      expect(bulk.status, contentType).toBe(400);
      expect(bulk.body.error, contentType).toBeTypeOf('string');
      for (const path of ['/urls', '/events', '/users']) {
        const json = await api('POST', path, { raw: 'x', headers: { 'content-type': contentType } });
        expect(json.status, `${path} ${contentType}`).toBe(415);
      }
    }
    const garbage = await api('POST', '/users/bulk', { raw: 'garbage', headers: { 'content-type': 'multipart/form-data; boundary=abc' } });
    expect(garbage.status).toBe(400);
    const cut = await api('POST', '/users/bulk', {
      raw: '--abc\r\nContent-Disposition: form-data; name="file"; filename="u.csv"\r\n\r\nusername,email\ncut1,cut1@example.com\n',
      headers: { 'content-type': 'multipart/form-data; boundary=abc' },
    });
    expect(cut.status).toBe(400);
    expect(cut.body.error).toBeTypeOf('string');
  });
});

describe('links may not point at this service', () => {
  it('refuses every spelling of this host and of the public base URL', async () => {
    for (const url of ['http://localhost/x', 'http://127.0.0.1:3000/x', 'http://127.9.9.9/x', 'http://2130706433/x', 'http://0x7f.1/x',
      'http://0177.0.0.1/x', 'http://[::1]/x', 'http://[::ffff:127.0.0.1]/x', 'http://0.0.0.0/x', 'http://[::]/x', 'http://LocalHost./x',
      'http://sho.rt.test/abc', 'http://SHO.RT.TEST.:8080/abc', 'https://sho.rt.test:443/abc']) {
      const res = await api('POST', '/urls', { body: { original_url: url } });
      expect(res.status, url).toBe(400);
      expect(res.body.fields, url).toEqual({ original_url: 'must not point at this shortener' });
    }
  });

  it('a link can never lead to another short link of this service, so two cannot point at each other', async () => {
    const a = (await api('POST', '/urls', { body: { original_url: 'https://example.com/a' } })).body;
    const b = (await api('POST', '/urls', { body: { original_url: 'https://example.com/b' } })).body;
    expect(a.short_url).toMatch(/^http:\/\/sho\.rt\.test\//);
    expect((await api('POST', '/urls', { body: { original_url: a.short_url } })).status).toBe(400);
    expect((await api('PUT', `/urls/${a.id}`, { body: { original_url: b.short_url } })).status).toBe(400);
    expect((await api('PUT', `/urls/${b.id}`, { body: { original_url: `http://127.0.0.1/${a.short_code}` } })).status).toBe(400);
    expect((await api('GET', `/urls/${a.id}`)).body.original_url).toBe('https://example.com/a');
  });
});

describe('CSV import', () => {
  it('an unclosed quote is that row\'s error; the rows after it are still imported', async () => {
    const csv = [
      'username,email',
      'quote1,quote1@example.com',
      '"quote2,quote2@example.com',
      'quote3,quote3@example.com',
      'quote4,"quote4@example.com"',
      '"quote5,quote5@example.com',
      'quote6,quote6@example.com',
    ].join('\n');
    const res = await upload(csv);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { rejected: { row: number; error: string }[] };
    expect(body).toMatchObject({ imported: 4, skipped: 0, rejected_count: 2 });
    expect(body.rejected).toEqual([
      { row: 2, error: expect.stringContaining('Unclosed Quote') },
      { row: 5, error: expect.stringContaining('Unclosed Quote') },
    ]);
    const names = (await api('GET', '/users?per_page=1000')).body.map((u: { username: string }) => u.username);
    expect(names).toEqual(expect.arrayContaining(['quote1', 'quote3', 'quote4', 'quote6']));
    expect(names).not.toContain('quote2');
  });

  it('refuses cells a spreadsheet would run as a formula, row by row', async () => {
    const res = await upload(['username,email', '"=HYPERLINK(""http://x"",""y"")",f1@example.com', 'formula2,+f2@example.com',
      '-formula3,f3@example.com', '@SUM(1),f4@example.com', 'formula5,formula5@example.com'].join('\n'));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { rejected: { row: number; error: string }[] };
    expect(body).toMatchObject({ imported: 1, rejected_count: 4 });
    expect(body.rejected.map((r: { row: number }) => r.row)).toEqual([1, 2, 3, 4]);
    for (const r of body.rejected) expect(r.error).toMatch(/must not start with =, \+, - or @/);
  });
});

describe('response headers', () => {
  it('nosniff on every response, the request id exactly once', async () => {
    const link = (await api('POST', '/urls', { body: { original_url: 'https://example.com/headers' } })).body;
    const asks = [
      'GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
      `GET /${link.short_code} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`, // redirect
      'GET /zzzzzz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', // unknown code
      'GET /no/such/route HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
      'PATCH /users/1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', // 405 wrong method
      'GET /users HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', // 401
      `GET /users HTTP/1.1\r\nHost: t\r\nX-API-Key: ${ADMIN_KEY}\r\nX-Request-Id: given-id-1\r\nConnection: close\r\n\r\n`,
      `POST /urls HTTP/1.1\r\nHost: t\r\nX-API-Key: ${ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: 1\r\nConnection: close\r\n\r\n{`,
      'GET /%ff HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', // framework error: no hooks ran
      'GET /health HTTP/1.1\r\nConnection: close\r\n\r\n', // no Host
    ];
    for (const ask of asks) {
      const res = parseRaw(await rawRequest(ask));
      const label = `${ask.split('\r\n')[0]} -> ${res.status}`;
      const named = (name: string) => res.headers.filter(([k]) => k === name).map(([, v]) => v);
      expect(named('x-content-type-options'), label).toEqual(['nosniff']);
      expect(named('x-request-id'), label).toHaveLength(1);
    }
    const given = parseRaw(await rawRequest(asks[6]!));
    expect(given.headers.filter(([k]) => k === 'x-request-id')).toEqual([['x-request-id', 'given-id-1']]);
  });

  it('Cache-Control: no-store on the answer that shows an API key', async () => {
    const user = (await api('POST', '/users', { body: { username: 'nostore', email: 'nostore@example.com' } })).body;
    const created = await api('POST', `/users/${user.id}/keys`);
    expect(created.status).toBe(201);
    expect(created.body.key).toBeTypeOf('string');
    expect(created.headers.get('cache-control')).toBe('no-store');
    // Not on the list (no secret in it).
    expect((await api('GET', `/users/${user.id}/keys`)).headers.get('cache-control')).toBeNull();
  });
});
