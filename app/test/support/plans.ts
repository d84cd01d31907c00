// The plans of the statements a store function sends: each recorded as sent (text and arguments)
// and EXPLAINed with its own arguments, flattened to the scans of one table.
import type pg from 'pg';
import { expect } from 'vitest';
import type { Queryable } from '../../src/db/pool.js';
import { COUNT_EXACT_UP_TO, type Page } from '../../src/store/paging.js';

interface PlanNode {
  'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Index Cond'?: string; 'Recheck Cond'?: string; Plans?: PlanNode[];
  'Actual Rows'?: number; 'Actual Loops'?: number; 'Rows Removed by Filter'?: number;
}

/** One read of the table; indexCond is the index condition (a bitmap scan's: what it rechecks, its indexes' conditions). */
export interface Scan { node: string; index: string | undefined; indexCond: string | undefined; underLimit: boolean }

/** Every node reading `table`, flattened, with whether a Limit above it stops it early. */
export function scansOf(node: PlanNode, table: string, underLimit = false): Scan[] {
  const own = node['Relation Name'] === table
    ? [{ node: node['Node Type'], index: node['Index Name'], indexCond: node['Index Cond'] ?? node['Recheck Cond'], underLimit }]
    : [];
  return [...own, ...(node.Plans ?? []).flatMap((p) => scansOf(p, table, underLimit || node['Node Type'] === 'Limit'))];
}

/** A scan that reads an index (in its order, or through a bitmap). */
export const readsIndex = (s: Scan) => /^(Index Scan|Index Only Scan|Bitmap Heap Scan)$/.test(s.node);

/**
 * An index range scan that starts after `id > $n`: a keyset page, as cheap at any depth. In the
 * index's order, or through a bitmap when the planner expects few matches past the cursor.
 */
export const rangeFromCursor = (s: Scan) => readsIndex(s) && /\bid > /.test(s.indexCond ?? '');

/** The rows of an offset page fetched by their ids from the primary key (pageStatement's ARRAY). */
export const byIdsFromPrimaryKey = (s: Scan) => /_pkey$/.test(s.index ?? '') && /\bid = ANY\b/.test(s.indexCond ?? '');

/** Runs `send` against a Queryable that records what it sends, then EXPLAINs each statement. */
export async function plansOf(pool: pg.Pool, table: string, send: (db: Queryable) => Promise<unknown>): Promise<{ sql: string; scans: Scan[] }[]> {
  const out = [];
  for (const s of await recorded(pool, table, send)) {
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${s.text}`, s.values);
    out.push({ sql: s.text, scans: scansOf(rows[0]!['QUERY PLAN'][0].Plan, table) });
  }
  return out;
}

/**
 * The statements `send` sends that name `table`, as sent, but the planner-estimate ones (EXPLAIN
 * itself: it reads no rows). Others (a deep page's lookup of its mark) read none of its rows.
 */
async function recorded(pool: pg.Pool, table: string, send: (db: Queryable) => Promise<unknown>): Promise<{ text: string; values: unknown[] }[]> {
  const sent: { text: string; values: unknown[] }[] = [];
  const recording: Queryable = {
    query: ((text: string, values: unknown[]) => {
      sent.push({ text, values });
      return pool.query(text, values);
    }) as Queryable['query'],
  };
  await send(recording);
  return sent.filter((q) => !q.text.startsWith('EXPLAIN') && new RegExp(`\\b${table}\\b`).test(q.text));
}

/**
 * The rows and index entries the scans of `table` went through, kept or filtered out (a bitmap's
 * index scans count every entry they put in the bitmap), from EXPLAIN ANALYZE: what a plan cost,
 * whatever its shape, without timing anything.
 */
export function entriesReadOf(node: PlanNode, table: string, inBitmap = false): number {
  const reads = node['Relation Name'] === table || (inBitmap && node['Node Type'] === 'Bitmap Index Scan');
  const own = reads ? ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1) : 0;
  const bitmap = inBitmap || (node['Node Type'] === 'Bitmap Heap Scan' && node['Relation Name'] === table);
  return own + (node.Plans ?? []).reduce((sum, p) => sum + entriesReadOf(p, table, bitmap), 0);
}

/** Like plansOf, but each statement run under EXPLAIN ANALYZE: how many entries of `table` it read. */
export async function entriesRead(pool: pg.Pool, table: string, send: (db: Queryable) => Promise<unknown>): Promise<{ sql: string; entries: number }[]> {
  const out = [];
  for (const s of await recorded(pool, table, send)) {
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${s.text}`, s.values);
    out.push({ sql: s.text, entries: entriesReadOf(rows[0]!['QUERY PLAN'][0].Plan, table) });
  }
  return out;
}

/**
 * A list whose `listRows` rows all come after the rest of `table` is read through the index of
 * `column`: a first or cursor page reads its own entries and rows, and a few rows another filter
 * drops; an offset page steps over the entries before it, in order or through a bitmap of the
 * list's entries and rows sorted (each at most twice); the bounded count stops near its bound.
 * Never a walk of the ids before the list's first row.
 */
export async function expectReadThroughFilter(pool: pg.Pool, table: string, send: (db: Queryable) => Promise<unknown>, o: { column: string; page: Page; listRows: number }): Promise<void> {
  const [items, count, ...rest] = await entriesRead(pool, table, send);
  expect(rest).toEqual([]);
  const bound = o.page.offset === 0 ? 4 * (o.page.limit + 1) : 2 * o.listRows + 2 * (o.page.limit + 1);
  expect(items!.entries, items!.sql).toBeLessThanOrEqual(bound);
  expect(count!.entries, count!.sql).toBeLessThanOrEqual(2 * (COUNT_EXACT_UP_TO + 1));
  const [plan] = await plansOf(pool, table, send);
  const throughFilter = (s: Scan) => readsIndex(s) && new RegExp(`\\b${o.column} = `).test(s.indexCond ?? '');
  expect(plan!.scans.some(throughFilter), `${plan!.sql}: ${JSON.stringify(plan!.scans)}`).toBe(true);
}
