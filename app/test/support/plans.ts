// The plans of the statements a store function sends: each recorded as sent (text and arguments)
// and EXPLAINed with its own arguments, flattened to the scans of one table.
import type pg from 'pg';
import type { Queryable } from '../../src/db/pool.js';

interface PlanNode {
  'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Index Cond'?: string; 'Recheck Cond'?: string; Plans?: PlanNode[];
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

/**
 * Runs `send` against a Queryable that records what it sends, then EXPLAINs each statement but
 * the planner-estimate ones (EXPLAIN itself: it reads no rows).
 */
export async function plansOf(pool: pg.Pool, table: string, send: (db: Queryable) => Promise<unknown>): Promise<{ sql: string; scans: Scan[] }[]> {
  const sent: { text: string; values: unknown[] }[] = [];
  const recording: Queryable = {
    query: ((text: string, values: unknown[]) => {
      sent.push({ text, values });
      return pool.query(text, values);
    }) as Queryable['query'],
  };
  await send(recording);
  const out = [];
  for (const s of sent.filter((q) => !q.text.startsWith('EXPLAIN'))) {
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${s.text}`, s.values);
    out.push({ sql: s.text, scans: scansOf(rows[0]!['QUERY PLAN'][0].Plan, table) });
  }
  return out;
}
