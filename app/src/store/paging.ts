// A page of a list ordered by id, with the total the X-Total-Count header reports. Lists page by
// OFFSET (?page, kept for existing clients) or by keyset (a cursor: WHERE id > the last id seen,
// the same index range scan at any depth). The total is exact up to COUNT_EXACT_UP_TO matching
// rows and the planner's estimate past it: an exact count(*) costs one index entry per row, 200+
// ms at 5M events, and grows with the table.
import type { QueryResultRow } from 'pg';
import type { Queryable } from '../db/pool.js';

export interface Page {
  limit: number;
  offset: number;
  /** Keyset paging: only rows with an id above this one (the offset then counts from there). */
  afterId?: number | undefined;
}
export interface PageOf<T> {
  items: T[];
  total: number;
  /** False when total is the planner's estimate (more than COUNT_EXACT_UP_TO rows match). */
  exact?: boolean;
  /** Whether rows follow this page (one row past the page was read to know). */
  more?: boolean;
}

export const COUNT_EXACT_UP_TO = 10_000;

/** A list: the rows of `table` matching every condition of `where`, whose `$n` refer to `args`. */
export interface ListQuery {
  table: string;
  columns: string;
  where: readonly string[];
  args: readonly unknown[];
  /**
   * An equality filter with an index on (column, id): the page is read in that index's order.
   * The store picks it (the most selective filter that has such an index).
   */
  leading?: { column: string; value: unknown } | undefined;
}

/** An equality filter of a list; `indexed` when an index on (column, id) exists. */
export interface Equality { column: string; value: unknown; indexed: boolean }

/**
 * The conditions of a list filtered by equalities (absent values skipped), given narrowest first:
 * the first indexed one leads (the page follows its index), the others are conditions. Their
 * arguments are appended to `args` (a statement of several lists passes its own).
 */
export function byEqualities(equalities: readonly Equality[], args: unknown[] = []): { where: string[]; args: unknown[]; leading: ListQuery['leading'] } {
  const present = equalities.filter((e) => e.value !== undefined);
  const lead = present.find((e) => e.indexed);
  const where = present.filter((e) => e !== lead).map((e) => `${e.column} = $${args.push(e.value)}`);
  return { where, args, leading: lead && { column: lead.column, value: lead.value } };
}

/**
 * The WHERE clause ('' when none) and ORDER BY of a list, their arguments appended to `args`.
 * With a leading filter the order is (column, id), the same rows in the same order since the
 * column is one value, written `column = ANY (array)` so that PostgreSQL does not reduce it to
 * ORDER BY id: only the filter's index then gives that order, and a page reads its own entries.
 * With `column = $n` the planner may walk the primary key and filter, its model of LIMIT
 * assuming the matches spread over the ids; when they all come late (a link that became popular
 * after a million other events) that walk steps over every earlier row (590 ms at 10M events).
 * `id` names the column the list is in the order of.
 */
export function filterOf(q: Omit<ListQuery, 'table' | 'columns'>, args: unknown[], id = 'id'): { where: string; order: string } {
  const where = [...q.where];
  if (q.leading) where.push(`${q.leading.column} = ANY ($${args.push([q.leading.value])})`);
  return { where: where.length > 0 ? `WHERE ${where.join(' AND ')}` : '', order: q.leading ? `ORDER BY ${q.leading.column}, ${id}` : `ORDER BY ${id}` };
}

/**
 * The statement of one page, its arguments appended to `args`. A page reads one row more than it
 * shows, to tell whether another follows. A deep offset finds its ids first, from the index
 * alone where the visibility map allows, and fetches only those rows: OFFSET otherwise reads
 * every skipped row from the heap.
 */
export function pageStatement(q: ListQuery, page: Page, args: unknown[]): string {
  const { table, columns } = q;
  const keyset = page.afterId === undefined ? q : { ...q, where: [...q.where, `id > $${args.push(page.afterId)}`] };
  const { where, order } = filterOf(keyset, args);
  const limit = `LIMIT $${args.push(page.limit + 1)}`;
  if (page.offset === 0) return `SELECT ${columns} FROM ${table} ${where} ${order} ${limit}`;
  // ARRAY(...): the ids are an InitPlan and the rows a lookup of them in the primary key, never a
  // join the planner could turn into a walk of the whole table.
  return `SELECT ${columns} FROM ${table} WHERE id = ANY (ARRAY(SELECT id FROM ${table} ${where} ${order} ${limit} OFFSET $${args.push(page.offset)})) ORDER BY id`;
}

/** One page of a list and its bounded total, read side by side. */
export async function listPage<T extends QueryResultRow>(db: Queryable, q: ListQuery, page: Page): Promise<PageOf<T>> {
  const args = [...q.args];
  const statement = pageStatement(q, page, args);
  const [items, count] = await Promise.all([db.query<T>(statement, args), boundedCount(db, q)]);
  const more = items.rows.length > page.limit;
  return { items: more ? items.rows.slice(0, page.limit) : items.rows, more, ...count };
}

/**
 * The rows of a list: exact up to the bound, else the estimate. With a leading filter the bound
 * is read in its index's order, for the reason filterOf gives: unordered, the planner may take
 * a bitmap of every entry of the filter's value, or a scan of the table that steps over the rows
 * before the first match.
 */
export async function boundedCount(db: Queryable, q: ListQuery): Promise<{ total: number; exact: boolean }> {
  const args = [...q.args];
  const { where, order } = filterOf(q, args);
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${q.table} ${where} ${q.leading ? order : ''} LIMIT ${COUNT_EXACT_UP_TO + 1}) x`, args);
  const n = rows[0]!.n;
  if (n <= COUNT_EXACT_UP_TO) return { total: n, exact: true };
  const plan = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${q.table} ${where}`, args);
  // Never below what was counted: the estimate may lag the table.
  return { total: Math.max(n, Math.round(plan.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'])), exact: false };
}
