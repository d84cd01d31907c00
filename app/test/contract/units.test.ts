// Pure rules of the API, without servers.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { decideRedirect, unavailableAnswer, type CachedLink } from '../../src/domain/link.js';
import { linkFeatureProblems, tagsProblem } from '../../src/domain/link-rules.js';
import { aliasProblem, BASE62, CODE_LENGTH, couldBeCode, generateCode } from '../../src/domain/short-code.js';
import { judgeUserRow } from '../../src/domain/user-import.js';
import { locationHeader, originalUrlProblem } from '../../src/domain/url-rules.js';
import { emailProblem, usernameProblem } from '../../src/domain/user-rules.js';
import { fieldsFromValidation, toErrorResponse } from '../../src/http/error-handler.js';
import { HttpError, unavailable } from '../../src/http/errors.js';
import { RouteTable, templatePattern } from '../../src/http/method-not-allowed.js';
import { decodeCursor, encodeCursor, START } from '../../src/http/cursor.js';
import { keysetLinkHeader, linkHeader, toPage } from '../../src/http/paging.js';
import { codeForId } from '../../src/seed/generator.js';
import { parseBool, parseDetails, parseId, parseTimestamp } from '../../src/seed/csv-values.js';
import { presentedKey, hashApiKey, generateApiKey } from '../../src/auth/keys.js';
import { scopeToUser, assertOwns } from '../../src/auth/principal.js';
import { createLogger } from '../../src/service.js';
import { lazyChildLogger } from '../../src/http/lazy-logger.js';

const REQUIRED = { DATABASE_URL: 'postgres://u:p@127.0.0.1:6432/db', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('config', () => {
  it('applies the contract defaults', () => {
    const c = loadConfig(REQUIRED);
    expect(c).toMatchObject({ host: '0.0.0.0', port: 3000, metricsPort: 9464, dbPoolMax: 10, rateLimitMax: 600, rateLimitWindowMs: 60_000,
      rateLimitExemptAdmin: true, cacheLruEnabled: true, cacheLruMax: 100_000, cacheLruTtlMs: 60_000, cacheNegativeTtlMs: 5_000,
      clickFlushIntervalMs: 1_000, clickFlushBatch: 20_000, clickBufferMax: 100_000, shutdownTimeoutMs: 10_000, logLevel: 'info',
      adminApiKeys: [], trustProxy: [] });
    expect(c.migrateDatabaseUrl).toBe(c.databaseUrl);
  });

  it('lists every bad variable at once', () => {
    try {
      loadConfig({ REDIS_URL: 'http://nope', PORT: 'x', RATE_LIMIT_EXEMPT_ADMIN: 'maybe', ADMIN_API_KEYS: 'short', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(Object.keys((err as ConfigError).problems).sort()).toEqual(['ADMIN_API_KEYS', 'DATABASE_URL', 'LOG_LEVEL', 'PORT', 'RATE_LIMIT_EXEMPT_ADMIN', 'REDIS_URL']);
    }
  });

  it('parses lists and booleans', () => {
    const c = loadConfig({ ...REQUIRED, ADMIN_API_KEYS: ' aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb ', TRUST_PROXY: '10.0.0.0/8,127.0.0.1', CACHE_LRU_ENABLED: 'false' });
    expect(c.adminApiKeys).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(c.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(c.cacheLruEnabled).toBe(false);
  });
});

describe('original_url rules', () => {
  const host = 'sho.rt';
  it.each([
    ['https://example.com/a?b=c#d', undefined],
    ['http://example.com', undefined],
    ['HTTPS://EXAMPLE.COM/Path', undefined],
    ['https://例え.jp/パス', undefined],
    ['', 'must not be blank'],
    ['javascript:alert(1)', 'scheme "javascript:" is not allowed (http or https only)'],
    ['data:text/html,hi', 'scheme "data:" is not allowed (http or https only)'],
    ['file:///etc/passwd', 'scheme "file:" is not allowed (http or https only)'],
    ['ftp://example.com/x', 'scheme "ftp:" is not allowed (http or https only)'],
    ['example.com/path', 'must be an absolute http(s) URL'],
    ['/relative', 'must be an absolute http(s) URL'],
    ['https://user:pw@example.com/', 'must not contain credentials'],
    ['https://user@example.com/', 'must not contain credentials'],
    ['https://sho.rt/abc', 'must not point at this shortener'],
    ['https://SHO.RT./abc', 'must not point at this shortener'],
    ['https:///nohost', 'must have a host'],
    ['http:example.com', 'must have a host'],
    ['https://exa mple.com', 'must not contain spaces or control characters'],
    ['https://example.com/\u0000', 'must not contain spaces or control characters'],
    [`https://example.com/${'a'.repeat(2048)}`, 'must be at most 2048 characters'],
  ])('%s', (url, problem) => {
    expect(originalUrlProblem(url, host)).toBe(problem);
  });

  it('keeps the Location byte for byte but percent-encodes non-ASCII', () => {
    expect(locationHeader('https://example.com/a%20b?x=1')).toBe('https://example.com/a%20b?x=1');
    expect(locationHeader('https://example.com/café')).toBe('https://example.com/caf%C3%A9');
  });
});

describe('short codes and aliases', () => {
  it('generates base62 codes of the chosen length, all distinct in a sample', () => {
    const codes = new Set(Array.from({ length: 10_000 }, () => generateCode()));
    expect(codes.size).toBe(10_000);
    for (const c of codes) expect(c).toMatch(new RegExp(`^[${BASE62}]{${CODE_LENGTH}}$`));
  });

  it('refuses bad and reserved aliases', () => {
    const reserved = new Set(['users', 'urls', 'openapi']);
    expect(aliasProblem('my-link', reserved)).toBe('must be base62 (letters and digits only)');
    expect(aliasProblem('ab', reserved)).toBe('must be 3 to 32 characters');
    expect(aliasProblem('Users', reserved)).toBe('is a reserved word');
    expect(aliasProblem('promo2026', reserved)).toBeUndefined();
    expect(couldBeCode('abc')).toBe(true);
    expect(couldBeCode('a.b')).toBe(false);
    expect(couldBeCode('x'.repeat(33))).toBe(false);
  });

  it('the generator maps ids to distinct codes', () => {
    const codes = new Set(Array.from({ length: 50_000 }, (_, i) => codeForId(i + 1)));
    expect(codes.size).toBe(50_000);
  });
});

describe('users', () => {
  it('checks email format and blank usernames', () => {
    expect(emailProblem('a@b.co')).toBeUndefined();
    expect(emailProblem('not-an-email')).toBe('is not a valid email address');
    expect(emailProblem('a@b')).toBe('is not a valid email address');
    expect(usernameProblem('  ')).toBe('must not be blank');
    expect(usernameProblem('ok name')).toBeUndefined();
  });

  it('import rules: rejects bad rows with the reasons', () => {
    expect(judgeUserRow({ username: 'a', email: 'a@x.io' })).toEqual({ kind: 'insert', user: { id: null, username: 'a', email: 'a@x.io', createdAt: null } });
    expect(judgeUserRow({ username: 'c', email: 'bad' })).toEqual({ kind: 'reject', error: 'email is not a valid email address' });
    expect(judgeUserRow({ username: ' ', email: 'bad' })).toEqual({ kind: 'reject', error: 'username must not be blank; email is not a valid email address' });
    expect(judgeUserRow({ id: '-3', username: 'd', email: 'd@x.io' })).toEqual({ kind: 'reject', error: 'id must be a positive integer' });
    expect(judgeUserRow({ id: '7', username: 'e', email: 'e@x.io', created_at: '2025-01-02 03:04:05' })).toEqual({
      kind: 'insert', user: { id: 7, username: 'e', email: 'e@x.io', createdAt: new Date('2025-01-02T03:04:05Z') } });
  });
});

describe('csv values', () => {
  it('parses the seed formats', () => {
    expect(parseTimestamp('2025-04-23 19:47:27')?.toISOString()).toBe('2025-04-23T19:47:27.000Z');
    expect(parseTimestamp('2025-04-23T19:47:27+02:00')?.toISOString()).toBe('2025-04-23T17:47:27.000Z');
    expect(parseTimestamp('')).toBeNull();
    expect(parseTimestamp('yesterday')).toBeUndefined();
    expect(parseBool('True')).toBe(true);
    expect(parseBool('False')).toBe(false);
    expect(parseBool('nah')).toBeUndefined();
    expect(parseId('12')).toBe(12);
    expect(parseId('')).toBeNull();
    expect(parseId('1e3')).toBeUndefined();
    expect(parseDetails('{"a":1}')).toEqual({ a: 1 });
    expect(parseDetails('[1]')).toBeUndefined();
  });
});

describe('paging', () => {
  it('computes offsets and Link headers that keep the filters', () => {
    expect(toPage({})).toEqual({ page: 1, perPage: 100, limit: 100, offset: 0 });
    expect(toPage({ page: 3, per_page: 10 })).toMatchObject({ limit: 10, offset: 20 });
    const link = linkHeader('/urls?user_id=4&page=2&per_page=10', 2, 10, 35);
    expect(link).toBe([
      '</urls?user_id=4&page=1&per_page=10>; rel="first"',
      '</urls?user_id=4&page=1&per_page=10>; rel="prev"',
      '</urls?user_id=4&page=3&per_page=10>; rel="next"',
      '</urls?user_id=4&page=4&per_page=10>; rel="last"',
    ].join(', '));
    expect(linkHeader('/users', 1, 100, 0)).toBe('</users?page=1&per_page=100>; rel="first", </users?page=1&per_page=100>; rel="last"');
  });

  it('cursors: opaque, round-trip, and only the canonical form of a position decodes', () => {
    for (const afterId of [0, 1, 150_000, Number.MAX_SAFE_INTEGER]) {
      const c = encodeCursor({ afterId });
      expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(c).not.toBe(String(afterId));
      expect(decodeCursor(c)).toEqual({ afterId });
    }
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    const valid = encodeCursor({ afterId: 42 });
    for (const bad of ['', 'abc', '!!!', `${valid}=`, `${valid}.`, ` ${valid}`, valid.slice(0, -1), 'x'.repeat(65),
      b64('{"id":-1}'), b64('{"id":1.5}'), b64('{"id":"1"}'), b64('{"id":9007199254740992}'), b64('{"id":1,"x":2}'), b64('[1]'), b64('null'), b64('{ "id":1}')]) {
      expect(decodeCursor(bad), bad).toBeUndefined();
    }
  });

  it('keyset pages: cursor or after give the position, combinations are 400, links carry cursors', () => {
    const at = encodeCursor({ afterId: 250 });
    expect(toPage({ cursor: at, per_page: 10 })).toMatchObject({ afterId: 250, limit: 10, offset: 0 });
    expect(toPage({ after: 250 })).toMatchObject({ afterId: 250 });
    expect(toPage({}).afterId).toBeUndefined();
    const refused = (q: Parameters<typeof toPage>[0]) => {
      try {
        toPage(q);
      } catch (err) {
        return err instanceof HttpError ? { status: err.statusCode, fields: err.fields } : err;
      }
      return undefined;
    };
    expect(refused({ cursor: at, page: 2 })).toEqual({ status: 400, fields: { cursor: 'not combined with page' } });
    expect(refused({ cursor: at, after: 3 })).toEqual({ status: 400, fields: { cursor: 'not combined with after' } });
    expect(refused({ after: 3, page: 2 })).toEqual({ status: 400, fields: { after: 'not combined with page' } });
    expect(refused({ cursor: 'nope' })).toMatchObject({ status: 400, fields: { cursor: expect.stringContaining('not a cursor') } });
    expect(keysetLinkHeader(`/events?url_id=3&cursor=${at}&per_page=10`, 10, 260)).toBe([
      `</events?url_id=3&per_page=10&cursor=${encodeCursor(START)}>; rel="first"`,
      `</events?url_id=3&per_page=10&cursor=${encodeCursor({ afterId: 260 })}>; rel="next"`,
    ].join(', '));
    // The last page: no next; a walk started by after continues by cursor.
    expect(keysetLinkHeader('/users?after=7&per_page=5', 5, null)).toBe(`</users?per_page=5&cursor=${encodeCursor(START)}>; rel="first"`);
  });
});

describe('error mapping', () => {
  it('maps validation issues to fields', () => {
    expect(fieldsFromValidation([
      { keyword: 'required', instancePath: '', params: { requiredProperties: ['username', 'email'] } },
      { keyword: 'type', instancePath: '/title', message: 'must be string' },
      { keyword: 'anyOf', instancePath: '/title', message: 'must match a schema in anyOf' },
    ], 'body')).toEqual({ username: 'is required', email: 'is required', title: 'must be string' });
    expect(fieldsFromValidation([{ keyword: 'type', instancePath: '', message: 'must be object' }], 'body')).toEqual({ body: 'must be object' });
  });

  it('maps every kind of error to a JSON status', () => {
    expect(toErrorResponse(new HttpError(409, 'dup', { short_code: 'taken' }))).toEqual({ status: 409, body: { error: 'dup', fields: { short_code: 'taken' } }, headers: {} });
    expect(toErrorResponse(unavailable('db down')).headers).toEqual({ 'retry-after': '5' });
    expect(toErrorResponse({ code: '23505', constraint: 'users_email_key' })).toMatchObject({ status: 409, body: { fields: { email: 'already exists' } } });
    expect(toErrorResponse({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    expect(toErrorResponse({ code: '57P01' }).status).toBe(503);
    expect(toErrorResponse({ code: '22021' }).status).toBe(400);
    expect(toErrorResponse({ code: '22008' }).status).toBe(400);
    expect(toErrorResponse(new Error('timeout exceeded when trying to connect')).status).toBe(503);
    expect(toErrorResponse({ statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })).toMatchObject({ status: 415 });
    expect(toErrorResponse({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }).body.error).toBe('request body too large');
    expect(toErrorResponse(new TypeError('secret internals at /app/x.js:1'))).toEqual({ status: 500, body: { error: 'internal error' }, headers: {} });
  });
});

describe('routes table (405 vs 404)', () => {
  it('knows the methods of a concrete path and the top-level names', () => {
    const t = new RouteTable();
    t.add('/users/:id', ['GET', 'PUT']);
    t.add('/users/:id/keys', 'POST');
    t.add('/openapi.json', 'GET');
    expect(t.allowed('/users/12')).toEqual(['GET', 'PUT']);
    expect(t.allowed('/users/12/keys')).toEqual(['POST']);
    expect(t.allowed('/users/12/nope')).toEqual([]);
    expect([...t.topLevelNames].sort()).toEqual(['openapi', 'openapi.json', 'users']);
    expect(templatePattern('/a.b/:x').test('/a.b/1')).toBe(true);
    expect(templatePattern('/a.b/:x').test('/aXb/1')).toBe(false);
  });
});

describe('redirect decisions', () => {
  const link: CachedLink = { id: 1, userId: null, originalUrl: 'https://e.com', isActive: true, expiresAt: null };
  it('found, deactivated, expired, unknown', () => {
    expect(decideRedirect(link, 0).kind).toBe('found');
    expect(decideRedirect({ ...link, isActive: false }, 0)).toEqual({ kind: 'gone', reason: 'deactivated' });
    expect(decideRedirect({ ...link, expiresAt: 1000 }, 1000)).toEqual({ kind: 'gone', reason: 'expired' });
    expect(decideRedirect({ ...link, expiresAt: 1001 }, 1000).kind).toBe('found');
    expect(decideRedirect(null, 0)).toEqual({ kind: 'not_found' });
  });

  it('valid_since inclusive, expires_at exclusive, max_visits, fallback, redirect type', () => {
    // valid from valid_since itself; not a millisecond before
    expect(decideRedirect({ ...link, validSince: 1000 }, 999)).toEqual({ kind: 'gone', reason: 'not_yet' });
    expect(decideRedirect({ ...link, validSince: 1000 }, 1000).kind).toBe('found');
    expect(decideRedirect({ ...link, expiresAt: 1000 }, 999).kind).toBe('found');
    expect(unavailableAnswer('not_yet')).toEqual({ status: 404, message: 'short link not active yet' });
    expect(unavailableAnswer('used_up').status).toBe(410);
    expect(unavailableAnswer('expired')).toEqual({ status: 410, message: 'short link expired' });
    // an entry cached by an older build has no second-wave fields: a plain 302
    expect(decideRedirect(link, 0)).toEqual({ kind: 'found', link, status: 302, limited: false });
    expect(decideRedirect({ ...link, maxVisits: 3, redirectType: 308 }, 0)).toMatchObject({ kind: 'found', status: 308, limited: true });
    expect(decideRedirect({ ...link, maxVisits: 3 }, 0, true)).toEqual({ kind: 'gone', reason: 'used_up' });
    const fb = { ...link, fallbackUrl: 'https://fallback.example/' };
    for (const [l, now, usedUp, reason] of [
      [{ ...fb, isActive: false }, 0, false, 'deactivated'], [{ ...fb, expiresAt: 5 }, 5, false, 'expired'],
      [{ ...fb, validSince: 5 }, 4, false, 'not_yet'], [{ ...fb, maxVisits: 1 }, 0, true, 'used_up'],
    ] as const) {
      expect(decideRedirect(l, now, usedUp)).toMatchObject({ kind: 'fallback', location: 'https://fallback.example/', reason });
    }
    expect(decideRedirect(fb, 0).kind).toBe('found');
  });
});

describe('link feature rules', () => {
  const own = 'sho.rt.test';
  it('accepts the valid, names each invalid field', () => {
    expect(linkFeatureProblems({ max_visits: 1, valid_since: '2026-01-01T00:00:00Z', expires_at: '2026-02-01T00:00:00Z',
      fallback_url: 'https://f.example/', redirect_type: 307, tags: ['a', 'b-1', 'c_2'] }, own)).toEqual({});
    expect(linkFeatureProblems({ max_visits: null, valid_since: null, fallback_url: null, redirect_type: null, tags: null }, own)).toEqual({});
    expect(linkFeatureProblems({ max_visits: 0, valid_since: 'soon', fallback_url: 'ftp://x', redirect_type: 303, tags: ['A'] }, own))
      .toEqual({
        max_visits: 'must be an integer of at least 1', valid_since: 'is not a valid date-time',
        fallback_url: 'scheme "ftp:" is not allowed (http or https only)', redirect_type: 'must be one of 301, 302, 307, 308',
        tags: 'tag "A" must be 1-32 characters of a-z, 0-9, _ and -',
      });
    expect(linkFeatureProblems({ valid_since: '2026-02-01T00:00:00Z', expires_at: '2026-01-01T00:00:00Z' }, own)).toEqual({ valid_since: 'must be before expires_at' });
    // a fallback may never lead back into this shortener, in any spelling
    for (const u of ['http://sho.rt.test/abc', 'http://127.0.0.1/x', 'http://localhost./']) {
      expect(linkFeatureProblems({ fallback_url: u }, own)).toEqual({ fallback_url: 'must not point at this shortener' });
    }
    expect(tagsProblem(Array.from({ length: 11 }, (_, i) => `t${i}`))).toBe('must hold at most 10 tags');
    expect(tagsProblem(['a', 'a'])).toBe('must not repeat a tag');
    expect(tagsProblem(['x'.repeat(33)])).toMatch(/must be 1-32/);
    expect(tagsProblem([''])).toMatch(/must be 1-32/);
  });
});

describe('keys and principals', () => {
  it('reads a key from either header and hashes it', () => {
    expect(presentedKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedKey({ authorization: 'bearer  abc ' })).toBe('abc');
    expect(presentedKey({ 'x-api-key': 'k' })).toBe('k');
    expect(presentedKey({ authorization: 'Basic Zm9v' })).toBeUndefined();
    const key = generateApiKey();
    expect(key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('scopes users to themselves', () => {
    const user = { kind: 'user' as const, userId: 5, keyId: 1 };
    expect(scopeToUser({ kind: 'admin' }, undefined)).toBeUndefined();
    expect(scopeToUser(user, undefined)).toBe(5);
    expect(() => scopeToUser(user, 6)).toThrow(HttpError);
    expect(() => assertOwns(user, null)).toThrow(HttpError);
    expect(() => assertOwns(user, 5)).not.toThrow();
  });
});

describe('logs', () => {
  it('never carry API keys or the Authorization header', () => {
    const lines: string[] = [];
    const logger = createLogger({ logLevel: 'info', buildVersion: 't' }, { write: (s: string) => { lines.push(s); } });
    logger.info({ req: { headers: { authorization: 'Bearer sk_secret1', 'x-api-key': 'sk_secret2', host: 'h' } } }, 'request');
    logger.info({ headers: { authorization: 'Bearer sk_secret3' }, apiKey: 'sk_secret4', key: 'sk_secret5' }, 'other');
    const out = lines.join('');
    expect(out).not.toMatch(/sk_secret/);
    expect(out).toContain('[redacted]');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, service: 'shortstack-app', msg: 'request', req: { headers: { host: 'h' } } });
  });

  it('a request logger is made only when used, and carries the request id', () => {
    const lines: string[] = [];
    const root = createLogger({ logLevel: 'info', buildVersion: 't' }, { write: (s: string) => { lines.push(s); } });
    let children = 0;
    const counting = Object.assign(Object.create(root) as typeof root, { child: (...a: Parameters<typeof root.child>) => { children++; return root.child(...a); } });
    const log = lazyChildLogger(counting, { reqId: 'r-1' }, {});
    expect(log.level).toBe('info');
    expect(children).toBe(0);
    log.error({ code: 7 }, 'boom');
    log.warn('again');
    expect(children).toBe(1);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ reqId: 'r-1', code: 7, msg: 'boom', level: 50 }),
      expect.objectContaining({ reqId: 'r-1', msg: 'again', level: 40 }),
    ]);
  });
});
