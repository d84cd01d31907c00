// The rows of an uploaded CSV, one at a time from a byte stream: the header line names the
// columns, every later line is a row numbered from 1 (the line after the header; blank lines
// are skipped but keep their number, as an editor counts), and a row that cannot be read is
// that row's error, never the file's. csv-parse does not fit: it lets a quoted field span
// lines, so one unclosed quote swallows every row after it (seen with skip_records_with_error),
// where the imports must reject that row alone (see csv-line.ts).
import { parseCsvLine } from './csv-line.js';
import { LineSplitter, type Line } from './lines.js';

export type CsvRecord = Record<string, string | undefined>;
export type CsvRow = { row: number; record: CsvRecord; error?: undefined } | { row: number; error: string; record?: undefined };

/** The header line itself cannot be read (broken quoting, or longer than the bound). */
export class CsvHeaderError extends Error {}

export interface CsvRowsOptions {
  /** A longer line is reported as that row's error, and never buffered whole. */
  maxLineChars: number;
  /** Given the header's column names (trimmed, lower-cased) before any row; throws to refuse the file. */
  onHeader(names: string[]): void;
}

export async function* readCsvRows(source: AsyncIterable<Buffer | string>, opts: CsvRowsOptions): AsyncGenerator<CsvRow> {
  const lines = new LineSplitter(opts.maxLineChars);
  const rows = new RowReader(opts);
  // One await per chunk; the rows of a chunk are yielded from a synchronous loop.
  for await (const chunk of source) for (const line of lines.push(chunk)) { const r = rows.read(line); if (r) yield r; }
  for (const line of lines.end()) { const r = rows.read(line); if (r) yield r; }
}

/** Lines into rows: the first non-blank line is the header. */
class RowReader {
  private names: string[] | undefined;
  private headerLine = 0;
  /** A header that would let a record's keys reach its prototype: records built the slow, safe way. */
  private unsafeNames = false;

  constructor(private readonly opts: CsvRowsOptions) {}

  read(line: Line): CsvRow | undefined {
    if (line.text === '' && !line.tooLong) return undefined;
    if (!this.names) {
      const parsed = line.tooLong ? undefined : parseCsvLine(line.text);
      if (!parsed?.ok) throw new CsvHeaderError(parsed?.error ?? 'header line too long');
      this.names = parsed.cells.map((h) => h.trim().toLowerCase());
      this.unsafeNames = this.names.some((n) => n in Object.prototype);
      this.opts.onHeader(this.names);
      this.headerLine = line.number;
      return undefined;
    }
    const row = line.number - this.headerLine;
    if (line.tooLong) return { row, error: `row longer than ${this.opts.maxLineChars} characters` };
    const parsed = parseCsvLine(line.text);
    if (!parsed.ok) return { row, error: parsed.error };
    const names = this.names;
    if (this.unsafeNames) return { row, record: Object.fromEntries(names.map((name, i) => [name, parsed.cells[i]])) };
    const record: CsvRecord = {};
    for (let i = 0; i < names.length; i++) record[names[i]!] = parsed.cells[i];
    return { row, record };
  }
}
