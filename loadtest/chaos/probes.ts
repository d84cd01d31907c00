// What a chaos run watches besides the load: /ready while the fault lasts, and afterwards the
// database (clicks recorded, their roll-ups caught up, created links present) straight through PostgreSQL.
import pg from 'pg';
import { APP_DEFAULTS } from '../../app/src/config-defaults.js';
import { appliedWithinMs } from '../../app/src/clicks/pending-rollups.js';
import type { ReadySample } from './analysis.js';

export function pollReady(url: string, startMs: number, everyMs = 250): { samples: ReadySample[]; stop(): void } {
  const samples: ReadySample[] = [];
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    const t = (Date.now() - startMs) / 1000;
    try {
      const res = await fetch(new URL('/ready', url), { signal: AbortSignal.timeout(1000) });
      const body = (await res.json().catch(() => ({}))) as { status?: unknown };
      samples.push({ t, httpStatus: res.status, status: typeof body.status === 'string' ? body.status : 'error' });
    } catch {
      samples.push({ t, httpStatus: 0, status: 'error' });
    } finally {
      busy = false;
    }
  };
  // poll catches every failure (a sample of its own): nothing to await.
  const timer = setInterval(() => { void poll(); }, everyMs);
  return { samples, stop: () => clearInterval(timer) };
}

export async function withDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The links ($1) click events: what the replicas recorded. */
const CLICK_EVENTS = "SELECT count(*) FROM all_events WHERE event_type = 'click' AND url_id = ANY($1::bigint[])";

export async function clickEvents(url: string, ids: readonly number[]): Promise<number> {
  return withDb(url, async (c) => {
    const { rows } = await c.query<{ n: string }>(`SELECT (${CLICK_EVENTS})::text AS n`, [ids]);
    return Number(rows[0]!.n);
  });
}

/**
 * How long the roll-ups may trail the events after a replica died: its kept counts wait for the
 * next apply of a live replica (pending-rollups.ts), with room for a loaded machine.
 */
export const ROLLUPS_CATCH_UP_MS = appliedWithinMs(APP_DEFAULTS.clickRollupDelayMs) + 2 * APP_DEFAULTS.clickRollupDelayMs + 10_000;

/**
 * The links' click events and their counts in the roll-ups, read in one snapshot: once they are
 * equal (the roll-ups caught up), as soon as the counts exceed the events (counted twice), or as
 * they are after `maxMs`.
 */
export async function rollupBooks(url: string, ids: readonly number[], maxMs = ROLLUPS_CATCH_UP_MS): Promise<{ events: number; counted: number }> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const books = await withDb(url, async (c) => {
      const { rows } = await c.query<{ events: string; counted: string }>(
        `SELECT (${CLICK_EVENTS})::text AS events,
                (SELECT coalesce(sum(link_clicks(id)), 0) FROM urls WHERE id = ANY($1::bigint[]))::text AS counted`, [ids]);
      return { events: Number(rows[0]!.events), counted: Number(rows[0]!.counted) };
    });
    if (books.counted >= books.events || Date.now() > deadline) return books;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Clicks reach the database in batches: wait until the recorded events reach what was served or
 * stop growing for `settleMs` (what is still missing then is lost), at most `maxMs`.
 */
export async function settledClickEvents(url: string, ids: readonly number[], served: number, settleMs = 3000, maxMs = 20_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const n = await clickEvents(url, ids);
    if (n !== last) {
      last = n;
      stableSince = Date.now();
    }
    if (n >= served || Date.now() - stableSince >= settleMs || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function missingCodes(url: string, codes: readonly string[]): Promise<number> {
  if (codes.length === 0) return 0;
  return withDb(url, async (c) => {
    const { rows } = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM urls WHERE short_code = ANY($1::text[])', [codes]);
    return codes.length - Number(rows[0]!.n);
  });
}
