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
  /** Keyset paging: only rows with an id above this one (offset is then 0). */
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
}

/**
 * The statement of one page, its arguments appended to `args`. A page reads one row more than it
 * shows, to tell whether another follows. A deep offset finds its ids first, from the index
 * alone where the visibility map allows, and fetches only those rows: OFFSET otherwise reads
 * every skipped row from the heap.
 */
export function pageStatement(q: ListQuery, page: Page, args: unknown[]): string {
  const { table, columns } = q;
  const where = page.afterId === undefined ? [...q.where] : [...q.where, `id > $${args.push(page.afterId)}`];
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const limit = `LIMIT $${args.push(page.limit + 1)}`;
  if (page.afterId !== undefined || page.offset === 0) return `SELECT ${columns} FROM ${table} ${filter} ORDER BY id ${limit}`;
  // ARRAY(...): the ids are an InitPlan and the rows a lookup of them in the primary key, never a
  // join the planner could turn into a walk of the whole table.
  return `SELECT ${columns} FROM ${table} WHERE id = ANY (ARRAY(SELECT id FROM ${table} ${filter} ORDER BY id ${limit} OFFSET $${args.push(page.offset)})) ORDER BY id`;
}

/** One page of a list and its bounded total, read side by side. */
export async function listPage<T extends QueryResultRow>(db: Queryable, q: ListQuery, page: Page): Promise<PageOf<T>> {
  const args = [...q.args];
  const statement = pageStatement(q, page, args);
  const [items, count] = await Promise.all([
    db.query<T>(statement, args),
    boundedCount(db, q.table, q.where.length > 0 ? `WHERE ${q.where.join(' AND ')}` : '', q.args),
  ]);
  const more = items.rows.length > page.limit;
  return { items: more ? items.rows.slice(0, page.limit) : items.rows, more, ...count };
}

/** Rows of `table` matching `where` (a WHERE clause or ''): exact up to the bound, else the estimate. */
export async function boundedCount(db: Queryable, table: string, where: string, args: readonly unknown[]): Promise<{ total: number; exact: boolean }> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table} ${where} LIMIT ${COUNT_EXACT_UP_TO + 1}) x`, [...args]);
  const n = rows[0]!.n;
  if (n <= COUNT_EXACT_UP_TO) return { total: n, exact: true };
  const plan = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${table} ${where}`, [...args]);
  // Never below what was counted: the estimate may lag the table.
  return { total: Math.max(n, Math.round(plan.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'])), exact: false };
}
