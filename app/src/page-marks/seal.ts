// One round of the count that deep pages start from (see keys.ts and the migration
// events-page-marks): in one transaction, move the line below which ids are final, then count
// the spans of ids wholly below it, oldest first.
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import { FILTER_COLUMNS, GROUPED_NOT_NULL_SQL, GROUPING_SETS_SQL, KEY_SQL, type FilterColumn } from './keys.js';

export interface SealSettings {
  /** Ids per span. */
  spanIds: number;
  /**
   * A list is counted from the first span holding this many of its events. A list never counted
   * had fewer in every span, so OFFSET steps over at most countFrom / spanIds of all events for it.
   */
  countFrom: number;
  /** Spans per round at most: a round is one transaction. */
  maxSpans: number;
}

/**
 * 32,768 ids a span: a page found from a mark steps over at most one span's entries of its list
 * (about 3 ms at 0.1 us an entry). A list is counted from 0.5% of a span: one never counted has at
 * most 0.5% of all events (50,000 of 10M). Counting a span costs PostgreSQL about 1 us per event
 * (loadtest/FIGURES.md).
 */
export const SEAL_DEFAULTS: SealSettings = { spanIds: 32_768, countFrom: 164, maxSpans: 8 };

export interface RoundResult {
  /** Another replica's round held the job. */
  skipped: boolean;
  sealed: number;
  /** Spans wholly below the final line remain: run again at once. */
  behind: boolean;
}

interface SealState { next_below: number; final_below: number; candidate_below: number | null; candidate_at: Date | null }

/**
 * Whether every transaction of the app's role open at `at` has ended. An id is taken (nextval,
 * in the inserting transaction) before that transaction commits, so ids below the highest id
 * visible at `at` are final once those transactions are over. Events are written by the app's
 * role only (the replicas, the seed loader); a backend of another role shows no xact_start to it.
 */
async function endedSince(client: pg.PoolClient, at: Date): Promise<boolean> {
  const { rows } = await client.query<{ open: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND usename = current_user
       AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start <= $1) AS open`, [at]);
  return !rows[0]!.open;
}

/** A counted list's columns, from the GROUPING SETS row (NULL where not grouped). */
type GroupRow = { key: string; n: number } & Record<FilterColumn, number | string | null>;

/**
 * Counts the span [lo, hi): adds a mark for every list already counted that has events in it, and
 * returns the lists first counted here (their count below lo is not known yet).
 */
function countSpan(client: pg.PoolClient, lo: number, hi: number, countFrom: number) {
  return client.query<GroupRow>(
    `WITH counted AS MATERIALIZED (
       SELECT ${KEY_SQL} AS key, count(*) AS n, ${FILTER_COLUMNS.join(', ')}
       FROM events WHERE id >= $1 AND id < $2
       GROUP BY ${GROUPING_SETS_SQL}
       HAVING ${GROUPED_NOT_NULL_SQL}
     ), continued AS (
       UPDATE events_page_tracked t SET cum = t.cum + c.n FROM counted c WHERE c.key = t.key RETURNING t.key, t.cum
     ), marked AS (
       INSERT INTO events_page_marks (key, below_id, cum) SELECT key, $2, cum FROM continued
     )
     SELECT c.* FROM counted c
     WHERE c.n >= $3 AND NOT EXISTS (SELECT 1 FROM events_page_tracked t WHERE t.key = c.key)`,
    [lo, hi, countFrom]);
}

/** A list first counted at span lo: its events below lo, counted once through its own index. */
async function countBelow(client: pg.PoolClient, group: GroupRow, lo: number): Promise<number> {
  const args: unknown[] = [lo];
  const where = FILTER_COLUMNS.filter((c) => group[c] !== null).map((c) => `${c} = $${args.push(group[c])}`);
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*) AS n FROM events WHERE id < $1${where.map((w) => ` AND ${w}`).join('')}`, args);
  return rows[0]!.n;
}

async function sealSpan(client: pg.PoolClient, lo: number, hi: number, countFrom: number): Promise<void> {
  const { rows: fresh } = await countSpan(client, lo, hi, countFrom);
  if (fresh.length === 0) return;
  const keys: string[] = [];
  const below: number[] = [];
  const total: number[] = [];
  for (const g of fresh) {
    const n = lo === 0 ? 0 : await countBelow(client, g, lo);
    keys.push(g.key);
    below.push(n);
    total.push(n + g.n);
  }
  await client.query(
    `WITH fresh AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS f(key, below, total)),
     tracked AS (INSERT INTO events_page_tracked (key, cum) SELECT key, total FROM fresh)
     INSERT INTO events_page_marks (key, below_id, cum)
     SELECT key, $4::bigint, below FROM fresh UNION ALL SELECT key, $5::bigint, total FROM fresh`,
    [keys, below, total, lo, hi]);
}

export async function sealRound(pool: pg.Pool, s: SealSettings = SEAL_DEFAULTS): Promise<RoundResult> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<SealState>(
      'SELECT next_below, final_below, candidate_below, candidate_at FROM events_page_seal FOR UPDATE SKIP LOCKED');
    const state = rows[0];
    if (!state) return { skipped: true, sealed: 0, behind: false };
    let finalBelow = state.final_below;
    // A candidate is replaced only once confirmed: a long transaction delays the line, never
    // moves it past an id that is not final.
    if (state.candidate_at === null || await endedSince(client, state.candidate_at)) {
      finalBelow = Math.max(finalBelow, state.candidate_below ?? 0);
      await client.query(
        `UPDATE events_page_seal SET final_below = $1,
           candidate_below = (SELECT coalesce(max(id), 0) + 1 FROM events), candidate_at = clock_timestamp()`, [finalBelow]);
    }
    let next = state.next_below;
    let sealed = 0;
    for (; sealed < s.maxSpans && next + s.spanIds <= finalBelow; sealed++, next += s.spanIds) {
      await sealSpan(client, next, next + s.spanIds, s.countFrom);
    }
    if (sealed > 0) await client.query('UPDATE events_page_seal SET next_below = $1', [next]);
    return { skipped: false, sealed, behind: next + s.spanIds <= finalBelow };
  });
}

/**
 * Forgets every count and starts over from the first span: for a writer that gave events ids of
 * its own (the seed loader), which may fall in spans already counted. The job's row is taken
 * first, so a round in progress ends before the counts go and none starts until they are gone.
 */
export async function resetMarks(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('UPDATE events_page_seal SET next_below = 0, final_below = 0, candidate_below = NULL, candidate_at = NULL');
    await client.query('DELETE FROM events_page_tracked');
    await client.query('DELETE FROM events_page_marks');
  });
}
