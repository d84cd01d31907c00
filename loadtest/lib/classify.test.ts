import { describe, expect, it } from 'vitest';
import { classify, errorKind, expectedLocation } from './classify.js';

describe('classify', () => {
  const redirect = { kind: 'redirect', location: 'https://example.com/a' } as const;

  it('counts a redirect only with status 302 and the right Location', () => {
    expect(classify(redirect, { status: 302, location: 'https://example.com/a' })).toBe('ok');
    expect(classify(redirect, { status: 302, location: 'https://example.com/b' })).toBe('wrong_location');
    expect(classify(redirect, { status: 302 })).toBe('wrong_location');
    expect(classify(redirect, { status: 301, location: 'https://example.com/a' })).toBe('unexpected_status');
    expect(classify(redirect, { status: 200 })).toBe('unexpected_status');
  });

  it('keeps 429 apart from success and from other 4xx', () => {
    expect(classify(redirect, { status: 429 })).toBe('rate_limited');
    expect(classify({ kind: 'status', status: 201 }, { status: 429 })).toBe('rate_limited');
    expect(classify({ kind: 'status', status: 201 }, { status: 400 })).toBe('unexpected_4xx');
    expect(classify({ kind: 'status', status: 404 }, { status: 404 })).toBe('ok');
    expect(classify(redirect, { status: 404 })).toBe('unexpected_4xx');
  });

  it('tells a declared 503 (with Retry-After) from other 5xx', () => {
    const create = { kind: 'status', status: 201 } as const;
    expect(classify(create, { status: 503, retryAfter: '1' })).toBe('unavailable');
    expect(classify(create, { status: 503 })).toBe('server_error');
    expect(classify(create, { status: 502, retryAfter: '1' })).toBe('server_error');
  });
});

describe('expectedLocation', () => {
  it('percent-encodes non-ASCII only', () => {
    expect(expectedLocation('https://example.com/a%20b?q=1&r=ü')).toBe('https://example.com/a%20b?q=1&r=%C3%BC');
    expect(expectedLocation('https://例え.jp/')).toBe('https://%E4%BE%8B%E3%81%88.jp/');
  });
});

describe('errorKind', () => {
  it('sorts transport errors', () => {
    expect(errorKind(new Error('request timed out'))).toBe('timeout');
    expect(errorKind(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('reset');
    expect(errorKind(Object.assign(new Error('x'), { code: 'EPIPE' }))).toBe('reset');
    expect(errorKind(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('refused');
    expect(errorKind(new Error('weird'))).toBe('other');
    expect(errorKind(null)).toBe('other');
  });
});
