// After rows are written with explicit ids (seed, bulk import), the id sequence must move past
// them or the next generated id collides with one of them.
import type { Queryable } from '../db/pool.js';

const TABLES = ['users', 'urls', 'events', 'api_keys'] as const;
export type SequencedTable = (typeof TABLES)[number];

export async function resyncSequence(db: Queryable, table: SequencedTable): Promise<void> {
  if (!TABLES.includes(table)) throw new Error(`unknown table ${table}`);
  // GREATEST keeps the sequence where it is when it is already ahead (never moves it back).
  await db.query(
    `SELECT setval(pg_get_serial_sequence('${table}', 'id'),
       GREATEST((SELECT COALESCE(max(id), 0) FROM ${table}), (SELECT last_value FROM ${table}_id_seq), 1))`);
}
