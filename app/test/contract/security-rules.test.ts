// Pure rules behind the hardening of the API: what counts as this host, how deep and large
// event details may be, CSV lines read one by one, formula cells, URL errors that never echo.
import { describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../src/csv/csv-line.js';
import { LineSplitter } from '../../src/csv/lines.js';
import { detailsProblem, MAX_DETAILS_BYTES, MAX_DETAILS_DEPTH, MAX_DETAILS_ENTRIES } from '../../src/domain/event-details.js';
import { ipv6Groups, isOwnHost } from '../../src/domain/own-host.js';
import { originalUrlProblem } from '../../src/domain/url-rules.js';
import { formulaProblem, judgeUserRow } from '../../src/domain/user-import.js';
import { textCell, unescapeFormula } from '../../src/domain/link-import.js';
import { toErrorResponse } from '../../src/http/error-handler.js';
import { hostProblem } from '../../src/http/response-headers.js';

describe('links may not point at this service', () => {
  const own = 'sho.rt';
  it.each([
    'http://localhost/x', 'http://LOCALHOST./x', 'http://localhost../x', 'http://localhost%2e/x', 'http://ｌｏｃａｌｈｏｓｔ/x',
    'http://%6c%6f%63%61%6c%68%6f%73%74/x', 'http://api.localhost/x', 'https://localhost:8443/x',
    'http://127.0.0.1/x', 'http://127.0.0.1./x', 'http://127.1.2.3:9464/metrics', 'http://127.1/x', 'http://2130706433/x',
    'http://0x7f000001/x', 'http://0x7f.1/x', 'http://0177.0.0.1/x', 'http://017700000001/x',
    'http://0.0.0.0/x', 'http://0/x', 'http://0.0.0.0./x',
    'http://[::1]/x', 'http://[0:0:0:0:0:0:0:1]:3000/x', 'http://[::]/x', 'http://[::ffff:127.0.0.1]/x', 'http://[::ffff:7f00:1]/x',
    'http://[::ffff:0.0.0.0]/x', 'http://[::127.0.0.1]/x', 'http://[::ffff:0:127.0.0.1]/x',
    'https://sho.rt/abc', 'https://SHO.RT./abc', 'http://sho.rt:8080/abc', 'https://sho.rt../abc',
  ])('%s is refused', (url) => {
    expect(originalUrlProblem(url, own)).toBe('must not point at this shortener');
  });

  it.each([
    'https://example.com/', 'http://128.0.0.1/', 'http://10.0.0.1/', 'http://1.127.0.0/', 'http://[::a00:1]/', 'http://[2001:db8::1]/',
    'http://[::ffff:10.0.0.1]/', 'https://localhost.example.com/', 'https://notlocalhost/', 'https://x.sho.rt/abc', 'https://sho.rt.evil/abc',
  ])('%s is allowed', (url) => {
    expect(originalUrlProblem(url, own)).toBeUndefined();
  });

  it('knows the public host whatever its own spelling, and the IPv6 forms', () => {
    expect(isOwnHost('sho.rt', 'SHO.RT.')).toBe(true);
    expect(isOwnHost('[::1]', 'sho.rt')).toBe(true);
    expect(isOwnHost('', 'sho.rt')).toBe(false);
    expect(ipv6Groups('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(ipv6Groups('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(ipv6Groups(':::')).toBeUndefined();
  });
});

describe('event details limits', () => {
  const nested = (depth: number) => {
    let v: Record<string, unknown> = {};
    for (let i = 1; i < depth; i++) v = { a: v };
    return v;
  };
  it('accepts what the service writes and reasonable client objects', () => {
    expect(detailsProblem({ referrer: 'https://a.example/', user_agent: 'curl/8' })).toBeUndefined();
    expect(detailsProblem(nested(MAX_DETAILS_DEPTH))).toBeUndefined();
    expect(detailsProblem(Object.fromEntries(Array.from({ length: MAX_DETAILS_ENTRIES }, (_, i) => [`k${i}`, i])))).toBeUndefined();
  });
  it('refuses deep, wide and large objects without running out of stack', () => {
    expect(detailsProblem(nested(MAX_DETAILS_DEPTH + 1))).toMatch(/nested at most/);
    expect(detailsProblem(nested(100_000))).toMatch(/nested at most/);
    expect(detailsProblem({ a: [[[[[[[[[1]]]]]]]]] })).toMatch(/nested at most/);
    expect(detailsProblem(Object.fromEntries(Array.from({ length: MAX_DETAILS_ENTRIES + 1 }, (_, i) => [`k${i}`, i])))).toMatch(/at most 256 keys/);
    expect(detailsProblem({ list: Array.from({ length: 1000 }, () => 0) })).toMatch(/at most 256 keys/);
    expect(detailsProblem({ big: 'x'.repeat(MAX_DETAILS_BYTES) })).toMatch(/bytes as JSON/);
  });
});

describe('CSV lines', () => {
  it('parses RFC 4180 cells within one line', () => {
    expect(parseCsvLine('a,b,c')).toEqual({ ok: true, cells: ['a', 'b', 'c'] });
    expect(parseCsvLine('"a,b","say ""hi""",')).toEqual({ ok: true, cells: ['a,b', 'say "hi"', ''] });
    expect(parseCsvLine('')).toEqual({ ok: true, cells: [''] });
    expect(parseCsvLine(',')).toEqual({ ok: true, cells: ['', ''] });
    expect(parseCsvLine('""')).toEqual({ ok: true, cells: [''] });
  });
  it('an unclosed or misplaced quote is an error of that line only', () => {
    expect(parseCsvLine('"bad,bad@example.com')).toMatchObject({ ok: false, error: expect.stringContaining('Unclosed Quote') });
    expect(parseCsvLine('"bad"x,z@z.zz')).toMatchObject({ ok: false, error: expect.stringContaining('Invalid Closing Quote') });
    expect(parseCsvLine('ba"d,z@z.zz')).toMatchObject({ ok: false, error: expect.stringContaining('Invalid Opening Quote') });
  });
  it('splits a stream into numbered, bounded lines, across chunk and UTF-8 boundaries', () => {
    const bytes = Buffer.from('\ufeffh1,h2\r\n\nä,b\nlong' + 'x'.repeat(50) + '\nlast', 'utf8');
    const splitter = new LineSplitter(20);
    const lines = [];
    for (let i = 0; i < bytes.length; i += 3) lines.push(...splitter.push(bytes.subarray(i, i + 3)));
    lines.push(...splitter.end());
    expect(lines).toEqual([
      { number: 1, text: 'h1,h2', tooLong: false },
      { number: 2, text: '', tooLong: false },
      { number: 3, text: 'ä,b', tooLong: false },
      { number: 4, text: '', tooLong: true },
      { number: 5, text: 'last', tooLong: false },
    ]);
  });
});

describe('formula cells in an export', () => {
  it('escapes a free-text cell a spreadsheet would run, and the import reads the escape back', () => {
    for (const text of ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)', '\tcmd', '\r=1']) {
      const cell = textCell(text);
      expect(cell.replace(/^"/, ''), JSON.stringify(text)).toMatch(/^'/);
      const parsed = parseCsvLine(cell);
      expect(parsed.ok && unescapeFormula(parsed.cells[0]!)).toBe(text);
    }
    for (const text of ['plain', "'quoted already", 'x=1', "it's"]) {
      expect(textCell(text)).not.toMatch(/^'[=+\-@]/);
      expect(unescapeFormula(text)).toBe(text);
    }
    expect(textCell(null)).toBe('');
  });
});

describe('formula cells in an import', () => {
  it('refuses a username or email a spreadsheet would run', () => {
    for (const cell of ['=1+1', '+1', '-2', '@SUM(A1)', '=HYPERLINK("http://x","y")']) expect(formulaProblem(cell), cell).toMatch(/formula/);
    for (const cell of ['alice', 'a-b', 'a@b.co', 'x=1']) expect(formulaProblem(cell), cell).toBeUndefined();
    expect(judgeUserRow({ username: '=cmd|calc', email: 'ok@example.com' })).toEqual({
      kind: 'reject', error: 'username must not start with =, +, - or @ (a spreadsheet would run it as a formula)',
    });
    expect(judgeUserRow({ username: ' \t+alice', email: '-bob@example.com' })).toMatchObject({ kind: 'reject', error: expect.stringMatching(/^username must not start.*; email must not start/) });
  });
});

describe('request edges', () => {
  it('URL errors never quote the request back', () => {
    const bad = toErrorResponse({ statusCode: 400, code: 'FST_ERR_BAD_URL', message: "'/%ff<script>' is not a valid url component" });
    expect(bad).toMatchObject({ status: 400, body: { error: 'malformed URL: invalid percent-encoding' } });
    const long = toErrorResponse({ statusCode: 414, code: 'FST_ERR_MAX_PARAM_LENGTH', message: "'/aaaa' is exceeding the max param length" });
    expect(long.body.error).toBe('request URI too long');
  });
  it('only an HTTP/1.1 request without any Host is refused', () => {
    expect(hostProblem('1.1', undefined)).toBe('missing Host header');
    expect(hostProblem('1.1', '')).toBeUndefined();
    expect(hostProblem('1.0', undefined)).toBeUndefined();
  });
});
