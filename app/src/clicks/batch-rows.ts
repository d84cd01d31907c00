// The click flush's rows of click_batches (migration click-batches): a row per run of one link's
// clicks with one owner, in link order, its clicks' columns as arrays. A row's clicks take the
// consecutive ids first_id .. first_id + n - 1 of the ids the flush's transaction took (a span
// or, when another writer took ids meanwhile, several). Pure: COPY text, no I/O.
import type { Click } from './click-buffer.js';
import type { ClickTraits } from './enricher.js';
import { arrayLiteral } from '../db/array-literal.js';
import { COPY_NULL, copyText } from '../db/copy-text.js';

/** A row's place in the batch (positions in link order) and its COPY text after first_id. */
export interface BatchRow { start: number; n: number; text: string }

/** Ids the transaction took, in order: `n` consecutive from `first`. */
export interface IdSpan { first: number; n: number }

export const COPY_CLICK_BATCHES = 'COPY click_batches (first_id, url_id, user_id, n, at, referrer, user_agent, bot, device, browser, os, country) FROM STDIN';

/** An array literal, as a COPY field. */
const arrayField = (vs: readonly (string | boolean | null)[]): string => copyText(arrayLiteral(vs));

/**
 * Each click's time as text; clicks come in bursts of one millisecond, so one formatting serves a
 * run of them (as the events' COPY text did).
 */
function isoTimes(clicks: readonly Click[]): string[] {
  let lastMs = Number.NaN;
  let lastIso = '';
  return clicks.map((c) => {
    const ms = c.at.getTime();
    if (ms !== lastMs) { lastMs = ms; lastIso = c.at.toISOString(); }
    return lastIso;
  });
}

/**
 * The rows of clicks (in link order) at positions offset .. offset + clicks.length - 1: a new row
 * where the link or its owner changes, and where `breaks` says (another span of ids).
 */
export function batchRows(clicks: readonly Click[], traits: readonly ClickTraits[], offset = 0, breaks: (position: number) => boolean = () => false): BatchRow[] {
  const rows: BatchRow[] = [];
  let from = 0;
  for (let i = 1; i <= clicks.length; i++) {
    const c = clicks[i];
    const prev = clicks[i - 1]!;
    if (c !== undefined && c.urlId === prev.urlId && c.userId === prev.userId && !breaks(offset + i)) continue;
    rows.push(rowOf(clicks.slice(from, i), traits.slice(from, i), offset + from));
    from = i;
  }
  return rows;
}

function rowOf(clicks: readonly Click[], traits: readonly ClickTraits[], start: number): BatchRow {
  const first = clicks[0]!;
  const text = [
    String(first.urlId), first.userId === null ? COPY_NULL : String(first.userId), String(clicks.length),
    arrayField(isoTimes(clicks)),
    arrayField(clicks.map((c) => c.referrer)),
    arrayField(clicks.map((c) => c.userAgent)),
    arrayField(traits.map((t) => t.bot)),
    arrayField(traits.map((t) => t.device)),
    arrayField(traits.map((t) => t.browser)),
    arrayField(traits.map((t) => t.os)),
    arrayField(traits.map((t) => t.country)),
  ].join('\t');
  return { start, n: clicks.length, text: `${text}\n` };
}

/**
 * The COPY lines of the rows, their first ids from the spans (which hold as many ids as the rows
 * clicks), or undefined when a row would cross from one span into the next: its rows are then
 * made again with a break there (breaksOf).
 */
export function batchCopy(rows: readonly BatchRow[], spans: readonly IdSpan[]): string[] | undefined {
  const lines: string[] = [];
  let s = 0;
  let spanStart = 0;
  for (const row of rows) {
    while (row.start >= spanStart + spans[s]!.n) spanStart += spans[s++]!.n;
    if (row.start + row.n > spanStart + spans[s]!.n) return undefined;
    lines.push(`${spans[s]!.first + row.start - spanStart}\t${row.text}`);
  }
  return lines;
}

/** What takeClickIds answers: the first id, and every id when they are not consecutive (bigints: strings from a client that does not parse them). */
export interface TakenIds { first: number | string; ids: (string | number)[] | null }

/** The spans of consecutive ids among those taken, in order. */
export function spansOf(taken: TakenIds, n: number): IdSpan[] {
  if (taken.ids === null) return [{ first: Number(taken.first), n }];
  const ids = taken.ids.map(Number).sort((a, b) => a - b);
  const spans: IdSpan[] = [];
  for (const id of ids) {
    const last = spans.at(-1);
    if (last !== undefined && last.first + last.n === id) last.n += 1;
    else spans.push({ first: id, n: 1 });
  }
  return spans;
}

/** Where each span after the first starts, as positions in the batch. */
export function breaksOf(spans: readonly IdSpan[]): (position: number) => boolean {
  const starts = new Set<number>();
  let at = 0;
  for (const s of spans) {
    starts.add(at);
    at += s.n;
  }
  return (position) => starts.has(position);
}
