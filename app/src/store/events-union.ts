// A page of events read from both of their tables (migration click-batches): events' rows and
// the clicks batched a row per link and flush, whose ids are first_id .. first_id + n - 1 and
// never overlap another's. Each table gives its first rows of the page in id order through its
// own index, and the page is the first of both; only then are its rows read, a batch's arrays
// sliced once for all of its clicks on the page. Pure: the statements, not their running.
import { byEqualities, COUNT_EXACT_UP_TO, filterOf, type Equality, type Page } from './paging.js';

/** The only type of event click_batches holds. */
export const BATCHED_TYPE = 'click';

/** A list's filters (GET /events). */
export interface EventFilter { urlId?: number | undefined; userId?: number | undefined; eventType?: string | undefined }

/**
 * A list's equality filters on events' rows, narrowest first: a link's events are some of its
 * owner's. Clicks are nearly every row and have no type index (migration
 * events-type-index-without-clicks): ?event_type=click alone is read in the primary key's order.
 */
export const rowEqualities = (f: EventFilter): Equality[] => [
  { column: 'url_id', value: f.urlId, indexed: true },
  { column: 'user_id', value: f.userId, indexed: true },
  { column: 'event_type', value: f.eventType, indexed: f.eventType !== BATCHED_TYPE },
];

/** The same on click_batches, which holds clicks only (asked for by listsBatches). */
export const batchEqualities = (f: EventFilter): Equality[] => [
  { column: 'url_id', value: f.urlId, indexed: true },
  { column: 'user_id', value: f.userId, indexed: true },
];

/** Whether a list may hold batched clicks. */
export const listsBatches = (f: EventFilter): boolean => f.eventType === undefined || f.eventType === BATCHED_TYPE;

type Filter = ReturnType<typeof byEqualities>;

/**
 * The columns of an event as the API shows it, from a row of events. A click's details may sit
 * in columns of their own (migration click-details-columns): `details` is built from them then.
 */
export const ROW_COLUMNS = 'id, url_id, user_id, event_type, "timestamp", event_details(events) AS details';

/** From this offset a page of both tables first finds where it starts (stepOverSql); below it the page lists the ids it steps over. */
export const STEP_OVER_FROM = 1_000;

/**
 * The page's statement, its arguments appended to `args`. The batches' first rows after the
 * page's start (batchesAfter); their ids come out in (first_id, id) order, which is id order
 * since no two overlap, so an incremental sort with the LIMIT reads no more of a large batch than
 * the page needs. From STEP_OVER_FROM on, the page first finds its start (stepOverSql).
 */
export function unionPageStatement(filter: EventFilter, page: Page, args: unknown[]): string {
  if (page.offset < STEP_OVER_FROM) {
    return pageSql(filter, page, page.afterId === undefined ? undefined : `$${args.push(page.afterId)}::bigint`, args, '');
  }
  const stepOver = stepOverSql(filter, page, args);
  return pageSql(filter, { ...page, offset: 0 }, '(SELECT after FROM start)', args, `${stepOver},
    `);
}

/**
 * The CTEs of where a page that starts `page.offset` events after `page.afterId` (or the list's
 * start) really starts: `start`, the id just before its first event (no row, and so an empty
 * page, when the list ends first). Each table's entries after afterId in id order (a row one
 * event, a batch its n), offset + 1 of each at most, counted by a running sum: a batch is stepped
 * over whole, where the page would list each of its ids (generate_series: 22 ms for a step of
 * 20,000 events in 16,000 batches).
 */
function stepOverSql(filter: EventFilter, page: Page, args: unknown[]): string {
  const f = { rows: byEqualities(rowEqualities(filter), args), batches: byEqualities(batchEqualities(filter), args) };
  const a = `$${args.push(page.afterId ?? 0)}::bigint`;
  const k = `$${args.push(page.offset + 1)}::int`;
  const rows = filterOf({ ...f.rows, where: [...f.rows.where, `id > ${a}`] }, args);
  const batches = batchesAfter(f.batches, a, k, args);
  const offset = `$${args.push(page.offset)}::bigint`;
  // Only the holding batch is clipped (its ids up to afterId stepped over already) and may be
  // left with none; every later one counts whole. Each arm keeps its index's order, so the
  // running sum is a merge with no sort, and the LIMIT of start stops it at the page's start.
  return `entries AS (
      (SELECT id AS k, id AS start, 1 AS n FROM events ${rows.where} ${rows.order} LIMIT ${k})
      UNION ALL
      SELECT * FROM (SELECT first_id, ${a} + 1, (first_id + n - ${a} - 1)::int AS n ${batches.holding}) h WHERE n > 0
      UNION ALL
      (SELECT first_id, first_id, n ${batches.later})
    ), counted AS (
      -- Ordered by each entry's own key (its id, a batch's first_id), which its index gives: no sort.
      -- n an integer: sum() of integers adds in a bigint, of bigints in a numeric (twice the time here).
      SELECT start, n, sum(n) OVER (ORDER BY k) - n AS before FROM entries
    ), start AS (
      SELECT (start + (${offset} - before) - 1)::bigint AS after FROM counted WHERE before <= ${offset} AND before + n > ${offset} LIMIT 1
    )`;
}

/**
 * A list's batches after `after` (an SQL expression), as two FROM .. LIMIT clauses: `holding`,
 * the one holding the id after it (the last whose first id is not above it; it may end before),
 * and `later`, `limit` of those after it in first_id order.
 */
function batchesAfter(f: Filter, after: string, limit: string, args: unknown[]): { holding: string; later: string } {
  const holding = filterOf({ ...f, where: [...f.where, `first_id <= ${after}`] }, args, 'first_id');
  const later = filterOf({ ...f, where: [...f.where, `first_id > ${after}`] }, args, 'first_id');
  // Backwards through the same index: the lead column is one value, so DESC on it changes nothing but the direction.
  const backwards = f.leading ? `ORDER BY ${f.leading.column} DESC, first_id DESC` : 'ORDER BY first_id DESC';
  return {
    holding: `FROM click_batches ${holding.where} ${backwards} LIMIT 1`,
    later: `FROM click_batches ${later.where} ${later.order} LIMIT ${limit}`,
  };
}

/** The page from `after` (an SQL expression; undefined: the list's start), `ctes` written first. */
function pageSql(filter: EventFilter, page: Page, after: string | undefined, args: unknown[], ctes: string): string {
  const f = { rows: byEqualities(rowEqualities(filter), args), batches: byEqualities(batchEqualities(filter), args) };
  const wanted = page.offset + page.limit + 1;
  const rowsKeyset = after === undefined ? f.rows : { ...f.rows, where: [...f.rows.where, `id > ${after}`] };
  const rows = filterOf(rowsKeyset, args);
  const rowIds = `SELECT id, NULL::bigint AS first_id FROM events ${rows.where} ${rows.order} LIMIT $${args.push(wanted)}::int`;

  let batches: string;
  if (after === undefined) {
    const b = filterOf(f.batches, args, 'first_id');
    batches = `SELECT first_id, n FROM click_batches ${b.where} ${b.order} LIMIT $${args.push(wanted)}::int`;
  } else {
    const b = batchesAfter(f.batches, after, `$${args.push(wanted)}::int`, args);
    batches = `(SELECT first_id, n ${b.holding}) UNION ALL (SELECT first_id, n ${b.later})`;
  }
  const from = after === undefined ? 'b.first_id' : `greatest(b.first_id, ${after} + 1)`;
  const batchIds = `SELECT g AS id, b.first_id FROM (SELECT * FROM (${batches}) b ORDER BY first_id) b,
      generate_series(${from}, b.first_id + b.n - 1) g
    ORDER BY b.first_id, g LIMIT $${args.push(wanted)}::int`;

  // Both tables' rows fetched by their ids, as an InitPlan's array: lookups, never a join the
  // planner could make a walk of a table.
  return `WITH ${ctes}ids AS (
      SELECT id, first_id FROM ((${rowIds}) UNION ALL (${batchIds})) u ORDER BY id OFFSET $${args.push(page.offset)}::int LIMIT $${args.push(page.limit + 1)}::int
    ), spans AS (
      SELECT first_id, min(id) AS lo, max(id) AS hi FROM ids WHERE first_id IS NOT NULL GROUP BY first_id
    )
    SELECT ${ROW_COLUMNS} FROM events WHERE id = ANY (ARRAY(SELECT id FROM ids WHERE first_id IS NULL))
    UNION ALL
    SELECT s.lo + x.o - 1, b.url_id, b.user_id, 'click', x.at, click_details(x.referrer, x.user_agent, x.bot, x.device, x.browser, x.os, x.country)
    FROM click_batches b JOIN spans s ON s.first_id = b.first_id,
      LATERAL unnest(${['at', 'referrer', 'user_agent', 'bot', 'device', 'browser', 'os', 'country']
    .map((c) => `b.${c}[s.lo - b.first_id + 1 : s.hi - b.first_id + 1]`).join(', ')})
        WITH ORDINALITY AS x(at, referrer, user_agent, bot, device, browser, os, country, o)
    WHERE b.first_id = ANY (ARRAY(SELECT first_id FROM spans))
    ORDER BY id`;
}

/**
 * The batches' clicks of a list, bounded as boundedCount bounds rows: their rows up to
 * COUNT_EXACT_UP_TO + 1 in the index's order, `rows` of them holding `clicks`.
 */
export function batchCountStatement(f: Filter, args: unknown[]): string {
  const b = filterOf(f, args, 'first_id');
  return `SELECT count(*)::int AS rows, coalesce(sum(n), 0)::bigint AS clicks
    FROM (SELECT n FROM click_batches ${b.where} ${f.leading ? b.order : ''} LIMIT ${COUNT_EXACT_UP_TO + 1}) x`;
}

/** The planner's count of the batches' rows of a list (for an estimate past the bound). */
export function batchEstimateStatement(f: Filter, args: unknown[]): string {
  return `EXPLAIN (FORMAT JSON) SELECT 1 FROM click_batches ${filterOf(f, args, 'first_id').where}`;
}
