// The CSV row reader on byte streams cut at awkward places: row numbers, broken rows, the header.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvHeaderError, readCsvRows, type CsvRow } from './rows.js';

/** The text as a stream of byte chunks of `size` (cutting through lines and UTF-8 sequences). */
const chunked = (text: string, size: number) => {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
};

async function readAll(text: string, size = 7, maxLineChars = 40): Promise<{ header: string[] | undefined; rows: CsvRow[] }> {
  let header: string[] | undefined;
  const rows: CsvRow[] = [];
  for await (const r of readCsvRows(chunked(text, size), { maxLineChars, onHeader: (names) => { header = names; } })) rows.push(r);
  return { header, rows };
}

describe('readCsvRows', () => {
  it('numbers rows from the line after the header, blank lines counted but not yielded', async () => {
    const text = '\uFEFF\r\n Username ,EMAIL\r\nanna,anna@example.com\r\n\r\n"b, ""quoted""",bé@example.com\nlast,\n';
    for (const size of [1, 3, 7, 1000]) {
      const { header, rows } = await readAll(text, size);
      expect(header, `chunks of ${size}`).toEqual(['username', 'email']);
      expect(rows, `chunks of ${size}`).toEqual([
        { row: 1, record: { username: 'anna', email: 'anna@example.com' } },
        { row: 3, record: { username: 'b, "quoted"', email: 'bé@example.com' } },
        { row: 4, record: { username: 'last', email: '' } },
      ]);
    }
  });

  it('a broken or too long row is that row\'s error; the rows after it are still read', async () => {
    const text = ['a,b', '"open,1', `${'x'.repeat(100)},2`, 'ok,3', 'x"y,4', '"z"w,5', 'short', 'end,6'].join('\n');
    const { rows } = await readAll(text);
    expect(rows.map((r) => [r.row, r.error?.split(':')[0] ?? r.record])).toEqual([
      [1, 'Unclosed Quote'],
      [2, 'row longer than 40 characters'],
      [3, { a: 'ok', b: '3' }],
      [4, 'Invalid Opening Quote'],
      [5, 'Invalid Closing Quote'],
      [6, { a: 'short', b: undefined }],
      [7, { a: 'end', b: '6' }],
    ]);
  });

  it('an unreadable header refuses the file; onHeader may refuse it too; an empty file yields nothing', async () => {
    await expect(readAll('"a,b\n1,2\n')).rejects.toThrow(new CsvHeaderError('Unclosed Quote: the quoted field 1 does not end on its line'));
    await expect(readAll(`${'h'.repeat(50)}\n1\n`)).rejects.toThrow(CsvHeaderError);
    const refuse = readCsvRows(chunked('a,b\n1,2\n', 3), { maxLineChars: 40, onHeader: () => { throw new Error('no column c'); } });
    await expect(refuse.next()).rejects.toThrow('no column c');
    expect(await readAll('\n\r\n')).toEqual({ header: undefined, rows: [] });
  });

  it('a column named __proto__ is a plain key of the record', async () => {
    const { rows } = await readAll('__proto__,b\nx,y\n');
    expect(Object.getPrototypeOf(rows[0]!.record)).toBe(Object.prototype);
    expect(Object.entries(rows[0]!.record!)).toEqual([['__proto__', 'x'], ['b', 'y']]);
  });
});
