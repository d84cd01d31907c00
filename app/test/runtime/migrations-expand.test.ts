// Migrations are expand-only: the previous release runs on the schema the next one migrates to,
// which is what makes a rollback (and the replicas of two releases side by side during a
// rollout) safe. Each migration is applied in turn to a real PostgreSQL and the schema before
// and after compared: nothing the previous release reads or writes may go away or tighten.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE, migrationNames, stepMigrations } from '../../src/migrate.js';
import { testPool } from '../support/test-pool.js';

interface Column { table: string; column: string; type: string; nullable: boolean; hasDefault: boolean }

/** A contract migration (removing what an earlier release stopped using) says so, with why. */
const isContract = (name: string) => /^-- contract: \S/m.test(readFileSync(join(MIGRATIONS_DIR, `${name}.sql`), 'utf8'));

/** What a release's queries can meet: every column of every table, with its type and nullability. */
async function schema(pool: pg.Pool): Promise<Map<string, Column>> {
  const { rows } = await pool.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> '${MIGRATIONS_TABLE}'`);
  return new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, {
    table: r.table_name, column: r.column_name, type: r.data_type, nullable: r.is_nullable === 'YES', hasDefault: r.column_default !== null,
  }]));
}

/** What would break the previous release's queries on the new schema. */
function breakingChanges(before: Map<string, Column>, after: Map<string, Column>): string[] {
  const problems: string[] = [];
  for (const [key, b] of before) {
    const a = after.get(key);
    if (!a) problems.push(`${key} is gone (dropped or renamed)`);
    else if (a.type !== b.type) problems.push(`${key} changed type ${b.type} -> ${a.type}`);
    else if (b.nullable && !a.nullable) problems.push(`${key} became NOT NULL`);
  }
  for (const [key, a] of after) {
    const existingTable = [...before.values()].some((b) => b.table === a.table);
    // The previous release's INSERTs into an existing table do not name the new column.
    if (!before.has(key) && existingTable && !a.nullable && !a.hasDefault) problems.push(`${key} added NOT NULL without a default`);
  }
  return problems;
}

describe('migrations are expand-only', () => {
  let data: DataServices;
  let pool: pg.Pool;

  beforeAll(async () => {
    data = await startDataServices();
    pool = testPool(data.directDatabaseUrl, { max: 1 });
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    await data?.stop();
  });

  it('each one keeps every column the release before it uses, unless it says it is a contract', async () => {
    const names = migrationNames();
    expect(names.length).toBeGreaterThan(5);
    const found: Record<string, string[]> = {};
    let before = await schema(pool);
    for (const name of names) {
      expect(await stepMigrations(data.directDatabaseUrl, 'up', 1)).toEqual([name]);
      const after = await schema(pool);
      const problems = breakingChanges(before, after);
      if (problems.length > 0 && !isContract(name)) found[name] = problems;
      before = after;
    }
    expect(found).toEqual({});
  }, 120_000);

  it('would catch a drop, a rename, a retype, a tightening and a NOT NULL without default', () => {
    const col = (table: string, column: string, type = 'text', nullable = true, hasDefault = false): [string, Column] =>
      [`${table}.${column}`, { table, column, type, nullable, hasDefault }];
    const before = new Map([col('urls', 'a'), col('urls', 'b'), col('urls', 'c'), col('urls', 'd')]);
    const after = new Map([col('urls', 'b', 'integer'), col('urls', 'c', 'text', false), col('urls', 'd'), col('urls', 'e', 'text', false),
      col('urls', 'f', 'text', false, true), col('webhooks', 'g', 'text', false)]);
    expect(breakingChanges(before, after)).toEqual([
      'urls.a is gone (dropped or renamed)', 'urls.b changed type text -> integer', 'urls.c became NOT NULL', 'urls.e added NOT NULL without a default',
    ]);
  });
});
