// The rows of an uploaded CSV, one at a time from a byte stream: the header line names the
// columns, every later line is a row numbered from 1 (the line after the header; blank lines
// are skipped but keep their number, as an editor counts), and a row that cannot be read is
// that row's error, never the file's. csv-parse does not fit: it lets a quoted field span
// lines, so one unclosed quote swallows every row after it (seen with skip_records_with_error),
// where the imports must reject that row alone (see csv-line.ts).
import { parseCsvLine } from './csv-line.js';
import { readLines } from './lines.js';

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
  let names: string[] | undefined;
  let headerLine = 0;
  for await (const line of readLines(source, opts.maxLineChars)) {
    if (line.text === '' && !line.tooLong) continue;
    if (!names) {
      const parsed = line.tooLong ? undefined : parseCsvLine(line.text);
      if (!parsed?.ok) throw new CsvHeaderError(parsed?.error ?? 'header line too long');
      names = parsed.cells.map((h) => h.trim().toLowerCase());
      opts.onHeader(names);
      headerLine = line.number;
      continue;
    }
    const row = line.number - headerLine;
    if (line.tooLong) {
      yield { row, error: `row longer than ${opts.maxLineChars} characters` };
      continue;
    }
    const parsed = parseCsvLine(line.text);
    if (!parsed.ok) {
      yield { row, error: parsed.error };
      continue;
    }
    // fromEntries, not assignment: a column named __proto__ stays a plain key.
    yield { row, record: Object.fromEntries(names.map((name, i) => [name, parsed.cells[i]])) };
  }
}
