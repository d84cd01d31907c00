// A page of a list ordered by id, with the total the X-Total-Count header reports. Lists page by
// OFFSET (?page, kept for existing clients) or by keyset (?after=<last id seen>: WHERE id > after,
// the same index range scan at any depth). The total is exact up to COUNT_EXACT_UP_TO matching
// rows and the planner's estimate past it: an exact count(*) costs one index entry per row, 200+
// ms at 5M events, and grows with the table.
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
}

export const COUNT_EXACT_UP_TO = 10_000;

/**
 * The page's clauses, given the list's own WHERE conditions and their arguments (extended in
 * place): the keyset condition joins the filters, LIMIT and OFFSET follow ORDER BY id.
 */
export function pageClauses(page: Page, where: readonly string[], args: unknown[]): { where: string; tail: string } {
  const all = page.afterId === undefined ? [...where] : [...where, `id > $${args.push(page.afterId)}`];
  const tail = `ORDER BY id LIMIT $${args.push(page.limit)} OFFSET $${args.push(page.afterId === undefined ? page.offset : 0)}`;
  return { where: all.length > 0 ? `WHERE ${all.join(' AND ')}` : '', tail };
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
