// The click flush's rows of click_batches (app/src/clicks/batch-rows.ts): where rows start, the
// ids they take from the transaction's spans, and their COPY text. That PostgreSQL reads the
// text back as written is checked by click-buffer.test.ts (odd referrers and agents, byte for byte).
import { describe, expect, it } from 'vitest';
import { batchCopy, batchRows, breaksOf, spansOf } from '../../src/clicks/batch-rows.js';
import type { Click } from '../../src/clicks/click-buffer.js';
import type { ClickTraits } from '../../src/clicks/enricher.js';

const traits: ClickTraits = { bot: false, device: 'desktop', browser: 'Firefox', os: null, country: 'DE' };
const click = (urlId: number, userId: number | null, referrer: string | null = null): Click =>
  ({ urlId, userId, at: new Date('2026-12-03T10:00:00.000Z'), referrer, userAgent: null, ip: null });

describe('batch rows', () => {
  it('starts a row where the link, its owner, or a span of ids changes', () => {
    const clicks = [click(1, 5), click(1, 5), click(1, 5), click(1, null), click(2, 5), click(2, 5)];
    const starts = (rows: { start: number; n: number }[]) => rows.map((r) => [r.start, r.n]);
    expect(starts(batchRows(clicks, clicks.map(() => traits)))).toEqual([[0, 3], [3, 1], [4, 2]]);
    expect(starts(batchRows(clicks, clicks.map(() => traits), 10, (p) => p === 11 || p === 15))).toEqual([[10, 1], [11, 2], [13, 1], [14, 1], [15, 1]]);
    expect(batchRows([], [])).toEqual([]);
  });

  it('writes a row as COPY text of array literals, escaping for both', () => {
    const nasty = 'a"b\\c\td\ne,{f}';
    const [row] = batchRows([click(7, null, nasty), click(7, null)], [traits, { ...traits, bot: true, browser: null }]);
    const fields = row!.text.replace(/\n$/, '').split('\t');
    expect(fields.slice(0, 3)).toEqual(['7', '\\N', '2']);
    expect(fields[3]).toBe('{"2026-12-03T10:00:00.000Z","2026-12-03T10:00:00.000Z"}');
    // The array literal escapes " and \ with \, then COPY escapes \, tab and newline once more.
    expect(fields[4]).toBe('{"a\\\\"b\\\\\\\\c\\td\\ne,{f}",NULL}');
    expect(fields[6]).toBe('{false,true}');
    expect(fields[8]).toBe('{"Firefox",NULL}');
    expect(row!.text.endsWith('\n')).toBe(true);
  });

  it('gives each row its first id from the spans, or nothing when one would cross into the next', () => {
    const rows = [{ start: 0, n: 3, text: 'a\n' }, { start: 3, n: 2, text: 'b\n' }, { start: 5, n: 1, text: 'c\n' }];
    expect(batchCopy(rows, [{ first: 100, n: 6 }])).toEqual(['100\ta\n', '103\tb\n', '105\tc\n']);
    expect(batchCopy(rows, [{ first: 100, n: 5 }, { first: 200, n: 1 }])).toEqual(['100\ta\n', '103\tb\n', '200\tc\n']);
    expect(batchCopy(rows, [{ first: 100, n: 4 }, { first: 200, n: 2 }])).toBeUndefined();
    const breaks = breaksOf([{ first: 100, n: 4 }, { first: 200, n: 2 }]);
    expect([0, 1, 3, 4, 5].filter(breaks)).toEqual([0, 4]);
  });
});

describe('spansOf', () => {
  it('reads the ids a transaction took as spans of consecutive ones', () => {
    expect(spansOf({ first: '41', ids: null }, 5)).toEqual([{ first: 41, n: 5 }]);
    expect(spansOf({ first: 1, ids: ['7', '1', '2', '3', '5', '6'] }, 6)).toEqual([{ first: 1, n: 3 }, { first: 5, n: 3 }]);
  });
});
