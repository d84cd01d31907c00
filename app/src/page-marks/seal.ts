// One round of the count that deep pages start from (see keys.ts and the migration
// events-page-marks): in one transaction, move the line below which ids are final, then count
// the spans of ids wholly below it, oldest first.
import type pg from 'pg';
import { inTransaction } from '../db/pool.js';
import { BATCHED_TYPE } from '../store/events-union.js';
import { columnsSql, FILTER_COLUMNS, groupedNotNullSql, groupingSetsSql, keySql, LIST_SETS, WHOLE_SETS, type FilterColumn } from './keys.js';

export interface SealSettings {
  /** Ids per span. */
  spanIds: number;
  /**
   * A link's or user's list is counted from the first span whose sample holds half the share of
   * this many events (so a list this large is nearly always found, and some smaller ones too). One
   * never counted had fewer in every span, so OFFSET steps over about countFrom / spanIds of all
   * events for it at most. All events and each type are counted from their first event.
   */
  countFrom: number;
  /** Links' and users' large lists are found from every sampleEvery-th id of a span. */
  sampleEvery: number;
  /** Spans per round at most: a round is one transaction. */
  maxSpans: number;
}

/**
 * 32,768 ids a span: a page found from a mark steps over at most one span's entries of its list
 * (about 3 ms at 0.1 us an entry). A link's or user's list is found once its sample shows about
 * 0.25% of a span: one never found has about 0.5% of all events at most (50,000 of 10M). What
 * counting costs PostgreSQL per event is printed by `npm run bench:reads`.
 */
export const SEAL_DEFAULTS: SealSettings = { spanIds: 32_768, countFrom: 164, sampleEvery: 16, maxSpans: 8 };

export interface RoundResult {
  /** Another replica's round held the job. */
  skipped: boolean;
  sealed: number;
  /** Spans wholly below the final line remain: run again at once. */
  behind: boolean;
  /** Events above the spans counted, which a deep page among the newest steps over (0 when skipped). */
  uncounted: number;
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

/** A list's columns, from a GROUPING SETS row (NULL where not grouped). */
type GroupRow = { key: string; n: number } & Record<FilterColumn, number | string | null>;

/**
 * The events of the span [$1, $2) as (event_type, url_id, user_id, n): a row of events is one
 * (n = 1); a batch of clicks (migration click-batches) is its ids in the span. Batches never
 * overlap: those in the span start at or after the last one starting at or below $1.
 * `sample`, an argument's number: only ids that are multiples of it.
 */
function spanEvents(sample?: string): string {
  const inSpan = { from: 'greatest(first_id, $1)', to: 'least(first_id + n, $2)' };
  const batchN = sample
    ? `(floor((${inSpan.to} - 1) / ${sample}) - floor((${inSpan.from} - 1) / ${sample}))`
    : `(${inSpan.to} - ${inSpan.from})`;
  // A batch with no sampled id (most of those under sampleEvery clicks) is left out before
  // grouping, as the events' rows not sampled are: it would add 0 to its groups.
  const batchSampled = sample ? ` AND ${batchN} > 0` : '';
  return `(SELECT event_type, url_id, user_id, 1::bigint AS n FROM events WHERE id >= $1 AND id < $2${sample ? ` AND id % ${sample} = 0` : ''}
    UNION ALL
    SELECT '${BATCHED_TYPE}', url_id, user_id, ${batchN}::bigint FROM click_batches
    WHERE first_id < $2 AND first_id + n > $1
      AND first_id >= (SELECT coalesce(max(first_id), $1) FROM click_batches WHERE first_id <= $1)${batchSampled})`;
}

/** Above the highest id written, in either table. */
const TOP_SQL = `greatest((SELECT coalesce(max(id), 0) + 1 FROM events),
  (SELECT coalesce(max(first_id + n), 0) FROM (SELECT first_id, n FROM click_batches ORDER BY first_id DESC LIMIT 1) b))`;

/**
 * Counts the span [lo, hi) for the lists already counted and adds a mark for each that has events
 * in it; returns the lists of all events or of a type that first appear here. Each of those is
 * counted from its first event, so none has events below lo: no count of them has to read the
 * events before the span (clicks, with no type index, would be a walk of the whole table). A
 * link's or user's list is counted from the events of counted links and users only: grouping
 * every event by link and by user would cost a group per link and user in the span, nearly all
 * of them of one event.
 *
 * The span is read once into its finest groups (type, counted link, counted user: a few hundred
 * rows), and every list's count is a sum over those. Per event that is two lookups of the counted
 * lists and one group, where grouping the events themselves by each list's columns read the span
 * twice and updated up to six groups (`npm run bench:reads` prints the counting's CPU per event).
 */
function countSpan(client: pg.PoolClient, lo: number, hi: number) {
  return client.query<GroupRow>(
    `WITH fine AS MATERIALIZED (
       -- A link or user not counted is NULL here, so its events make no group of their own (a
       -- counted user's links would otherwise each make one). IN (subquery) is a hashed
       -- subplan; = ANY (ARRAY(subquery)) searched the array per event.
       SELECT event_type,
         CASE WHEN url_id IN (SELECT url_id FROM events_page_tracked WHERE url_id IS NOT NULL) THEN url_id END AS url_id,
         CASE WHEN user_id IN (SELECT user_id FROM events_page_tracked WHERE user_id IS NOT NULL) THEN user_id END AS user_id,
         sum(n)::bigint AS n
       FROM ${spanEvents()} e
       GROUP BY 1, 2, 3
     ), counted AS MATERIALIZED (
       SELECT ${keySql(WHOLE_SETS)} AS key, sum(n)::bigint AS n, ${columnsSql(WHOLE_SETS)}
       FROM fine
       GROUP BY ${groupingSetsSql(WHOLE_SETS)}
       UNION ALL
       SELECT ${keySql(LIST_SETS)}, sum(n)::bigint, ${columnsSql(LIST_SETS)}
       FROM fine
       WHERE url_id IS NOT NULL OR user_id IS NOT NULL
       GROUP BY ${groupingSetsSql(LIST_SETS)}
       HAVING ${groupedNotNullSql(LIST_SETS)}
     ), continued AS (
       UPDATE events_page_tracked t SET cum = t.cum + c.n FROM counted c WHERE c.key = t.key RETURNING t.key, t.cum
     ), marked AS (
       INSERT INTO events_page_marks (key, below_id, cum) SELECT key, $2, cum FROM continued
     )
     SELECT c.* FROM counted c
     WHERE c.url_id IS NULL AND c.user_id IS NULL
       AND NOT EXISTS (SELECT 1 FROM events_page_tracked t WHERE t.key = c.key)`,
    [lo, hi]);
}

/** Links' and users' lists not yet counted that a sample of the span finds large. */
function sampleSpan(client: pg.PoolClient, lo: number, hi: number, s: SealSettings) {
  // Half the share a list of countFrom events would have in the sample: one that large is missed
  // rarely, and only until a later span finds it.
  const least = Math.max(2, Math.floor(s.countFrom / s.sampleEvery / 2));
  return client.query<GroupRow>(
    `SELECT * FROM (
       SELECT ${keySql(LIST_SETS)} AS key, sum(n)::bigint AS n, ${columnsSql(LIST_SETS)}
       FROM ${spanEvents('$3')} e
       GROUP BY ${groupingSetsSql(LIST_SETS)}
       HAVING ${groupedNotNullSql(LIST_SETS)} AND sum(n) >= $4
     ) g WHERE NOT EXISTS (SELECT 1 FROM events_page_tracked t WHERE t.key = g.key)`,
    [lo, hi, s.sampleEvery, least]);
}

/** A list's events below lo and in [lo, hi), counted through its own index in each table. */
async function countList(client: pg.PoolClient, group: GroupRow, lo: number, hi: number): Promise<{ below: number; n: number }> {
  const args: unknown[] = [lo, hi];
  const where = FILTER_COLUMNS.filter((c) => group[c] !== null).map((c) => `${c} = $${args.push(group[c])}`);
  const and = where.map((w) => ` AND ${w}`).join('');
  const batched = group.event_type === null || group.event_type === BATCHED_TYPE;
  const batchWhere = FILTER_COLUMNS.filter((c) => c !== 'event_type' && group[c] !== null).map((c) => ` AND ${c} = $${args.push(group[c])}`).join('');
  const { rows } = await client.query<{ below: number; n: number }>(
    `SELECT sum(below)::bigint AS below, sum(n)::bigint AS n FROM (
       SELECT count(*) FILTER (WHERE id < $1) AS below, count(*) FILTER (WHERE id >= $1) AS n
       FROM events WHERE id < $2${and}
       UNION ALL
       SELECT coalesce(sum(greatest(0, least(first_id + n, $1) - first_id)), 0), coalesce(sum(greatest(0, least(first_id + n, $2) - greatest(first_id, $1))), 0)
       FROM click_batches WHERE ${batched ? 'true' : 'false'} AND first_id < $2${batchWhere}) c`, args);
  return rows[0]!;
}

async function sealSpan(client: pg.PoolClient, lo: number, hi: number, s: SealSettings): Promise<void> {
  const { rows: whole } = await countSpan(client, lo, hi);
  const { rows: sampled } = await sampleSpan(client, lo, hi, s);
  type Fresh = { key: string; url_id: unknown; user_id: unknown; below: number; total: number };
  const fresh: Fresh[] = whole.map((g) => ({ key: g.key, url_id: null, user_id: null, below: 0, total: g.n }));
  // Each list the sample finds is counted from here on, even one that proves smaller than
  // countFrom: checked again in every span instead, the many just under it (a Zipf workload's
  // next hundred links) cost their index walk below lo each time.
  for (const g of sampled) {
    const { below, n } = await countList(client, g, lo, hi);
    fresh.push({ key: g.key, url_id: g.url_id, user_id: g.user_id, below, total: below + n });
  }
  if (fresh.length === 0) return;
  const col = <K extends keyof Fresh>(k: K) => fresh.map((f) => f[k]);
  await client.query(
    `WITH fresh AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS f(key, url_id, user_id, below, total)),
     tracked AS (INSERT INTO events_page_tracked (key, url_id, user_id, cum) SELECT key, url_id, user_id, total FROM fresh)
     INSERT INTO events_page_marks (key, below_id, cum)
     SELECT key, $6::bigint, below FROM fresh UNION ALL SELECT key, $7::bigint, total FROM fresh`,
    [col('key'), col('url_id'), col('user_id'), col('below'), col('total'), lo, hi]);
}

export async function sealRound(pool: pg.Pool, s: SealSettings = SEAL_DEFAULTS): Promise<RoundResult> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<SealState>(
      'SELECT next_below, final_below, candidate_below, candidate_at FROM events_page_seal FOR UPDATE SKIP LOCKED');
    const state = rows[0];
    if (!state) return { skipped: true, sealed: 0, behind: false, uncounted: 0 };
    let finalBelow = state.final_below;
    /** Above the highest id written, as this round read it. */
    let top: number | undefined;
    // A candidate is replaced only once confirmed: a long transaction delays the line, never
    // moves it past an id that is not final.
    if (state.candidate_at === null || await endedSince(client, state.candidate_at)) {
      finalBelow = Math.max(finalBelow, state.candidate_below ?? 0);
      const { rows: [taken] } = await client.query<{ candidate_below: number }>(
        `UPDATE events_page_seal SET final_below = $1,
           candidate_below = ${TOP_SQL}, candidate_at = clock_timestamp()
         RETURNING candidate_below`, [finalBelow]);
      top = taken!.candidate_below;
    }
    let next = state.next_below;
    let sealed = 0;
    for (; sealed < s.maxSpans && next + s.spanIds <= finalBelow; sealed++, next += s.spanIds) {
      await sealSpan(client, next, next + s.spanIds, s);
    }
    if (sealed > 0) await client.query('UPDATE events_page_seal SET next_below = $1', [next]);
    top ??= (await client.query<{ below: number }>(`SELECT ${TOP_SQL} AS below`)).rows[0]!.below;
    return { skipped: false, sealed, behind: next + s.spanIds <= finalBelow, uncounted: Math.max(0, top - next) };
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
