// The click flush's JS work on a batch (traits, COPY text, roll-ups), done before its transaction
// and in slices. It runs on the redirects' event loop: a 5,000-click batch in one piece blocked it
// for 12-22 ms (enrich, COPY text, aggregation), and every redirect queued behind it paid that in
// its latency. Between slices the loop serves what is waiting. Done before BEGIN, it also keeps
// the transaction (and the roll-up rows it holds) no longer than the database's own work.
// The clicks are written in link order (each link's clicks together, in the order they came), a
// row of click_batches per link and slice (batch-rows.ts): a row and its index entries per link,
// not per click. Ids never followed time across replicas (their batches interleave), and lists
// go by id.
// What lives until the transaction is off the JS heap (the order) or small (traits are shared
// objects, roll-ups one entry per key, the rows a string per link and slice): a slice's Click
// objects die young, so a collection during the flush's round trips has little to copy (click-queue.ts).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Click } from './click-buffer.js';
import type { ClickBatch } from './click-queue.js';
import { batchCopy, batchRows, breaksOf, type BatchRow, type IdSpan } from './batch-rows.js';
import { aggregateClicks, appendRollups, type ClickRollups } from './click-sql.js';
import type { ClickTraits, Enrich } from './enricher.js';

/** Clicks per slice: about a millisecond of this work on the bench machine (varied agents: two). */
export const SLICE = 500;

export interface PreparedBatch {
  /** The batch it was worked out from. */
  batch: ClickBatch;
  /** The batch's positions in link order (by url id; a link's clicks in the order they came). */
  order: Uint32Array;
  /** Each click's traits, in link order. */
  traits: readonly ClickTraits[];
  /** The rows of click_batches, in link order (a link's clicks of a slice make one), without their ids. */
  rows: BatchRow[];
  rollups: ClickRollups;
  /** The batch's distinct url ids, ascending. */
  urlIds: number[];
}

/** The batch's clicks as objects, in link order (for the rare statement that needs them all: webhooks). */
export function clicksInOrder(p: PreparedBatch): Click[] {
  return Array.from(p.order, (i) => p.batch.click(i));
}

/**
 * The positions of the clicks in link order, stable: a counting sort over the distinct url ids
 * (far fewer than the clicks under Zipf traffic, and sorted as a typed array), so a batch costs
 * one pass more, never a comparison sort of its clicks on the loop. Also where each link starts.
 */
export function linkOrder(urlIdOf: ArrayLike<number>): { order: Uint32Array; urlIds: number[]; starts: Uint32Array } {
  // A link's clicks, then (the same map) its rank among the batch's links.
  const rank = new Map<number, number>();
  for (let i = 0; i < urlIdOf.length; i++) rank.set(urlIdOf[i]!, (rank.get(urlIdOf[i]!) ?? 0) + 1);
  const ids = Float64Array.from(rank.keys()).sort();
  const starts = new Uint32Array(ids.length + 1);
  for (let r = 0; r < ids.length; r++) {
    starts[r + 1] = starts[r]! + rank.get(ids[r]!)!;
    rank.set(ids[r]!, r);
  }
  const next = starts.slice(0, ids.length);
  const order = new Uint32Array(urlIdOf.length);
  for (let i = 0; i < urlIdOf.length; i++) order[next[rank.get(urlIdOf[i]!)!]!++] = i;
  return { order, urlIds: Array.from(ids), starts };
}

/**
 * The COPY lines of the batch's rows of click_batches, their ids from the spans its transaction
 * took (takeClickIds). A row that would cross into another span (another writer took an id
 * meanwhile; rare) has the rows made again, split there: JS work in the transaction, then.
 */
export function copyLines(p: PreparedBatch, spans: readonly IdSpan[]): string[] {
  return batchCopy(p.rows, spans) ?? batchCopy(batchRows(clicksInOrder(p), p.traits, 0, breaksOf(spans)), spans)!;
}

export async function prepareBatch(batch: ClickBatch, enrich: Enrich, slice = SLICE): Promise<PreparedBatch> {
  const { order, urlIds, starts } = linkOrder(batch.urlId);
  // A click's object is made twice (its COPY slice, its roll-up part) rather than kept from one to
  // the other: kept, the batch's objects would live through the flush again (click-queue.ts).
  const clicksAt = (from: number, to: number) => Array.from(order.subarray(from, to), (i) => batch.click(i));
  const traits: ClickTraits[] = new Array<ClickTraits>(batch.length);
  const rows: BatchRow[] = [];
  for (let from = 0; from < batch.length; from += slice) {
    if (from > 0) await nextTurn();
    const to = Math.min(batch.length, from + slice);
    const clicks = clicksAt(from, to);
    for (let k = 0; k < clicks.length; k++) traits[from + k] = enrich(clicks[k]!);
    for (const row of batchRows(clicks, traits.slice(from, to), from)) rows.push(row);
  }
  // Roll-ups per part of the links (a range of them, in order): each link's clicks all in one
  // part, so the parts' entries never share a key and together are the batch's, exactly.
  const parts = Math.max(1, Math.ceil(batch.length / slice));
  let rollups: ClickRollups | undefined;
  for (let p = 0; p < parts; p++) {
    await nextTurn();
    const from = starts[Math.floor((p * urlIds.length) / parts)]!;
    const to = starts[Math.floor(((p + 1) * urlIds.length) / parts)]!;
    const r = aggregateClicks(clicksAt(from, to), traits.slice(from, to));
    if (rollups === undefined) rollups = r;
    else appendRollups(rollups, r);
  }
  return { batch, order, traits, rows, rollups: rollups!, urlIds };
}
