// A rollback past a contract migration: `npm run migrate -- --down-to <name>` reverts what came
// after <name> on a database it reaches, and `--down-sql <name>` prints the same steps for psql
// where it does not (a container, a task). Both must leave what the older release reads: here
// urls.click_count (dropped by drop-urls-click-count), holding each link's clicks.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { countAfter, downSection, MIGRATIONS_TABLE, migrationNames, runMigrations } from '../../src/migrate.js';
import { testPool } from '../support/test-pool.js';

const MIGRATE = fileURLToPath(new URL('../../src/migrate.ts', import.meta.url));
const DROP = '1768521600000_drop-urls-click-count';
const KEEP = migrationNames()[migrationNames().indexOf(DROP) - 1]!;

/** The migrate command, as `npm run migrate -- ...args` runs it. */
function migrate(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/DATABASE_URL/.test(k)));
  return spawnSync(process.execPath, ['--import', 'tsx', MIGRATE, ...args], { env: { ...base, ...env }, encoding: 'utf8', timeout: 90_000 });
}

describe('migrate down to a release', () => {
  it('counts what was applied after a migration, and refuses one that is not applied', () => {
    expect(countAfter(['a', 'b', 'c'], 'a')).toBe(2);
    expect(countAfter(['a', 'b', 'c'], 'c')).toBe(0);
    expect(() => countAfter(['a', 'b'], 'x')).toThrow(/x is not applied here \(applied: a \.\. b\)/);
  });

  it('reads a file\'s Down section, and refuses a file without one', () => {
    expect(downSection('-- Up Migration\nCREATE TABLE t ();\n\n-- Down Migration\nDROP TABLE t;\n')).toBe('DROP TABLE t;');
    expect(() => downSection('CREATE TABLE t ();')).toThrow(/Down Migration/);
  });

  describe('on a database with clicks', () => {
    let data: DataServices;
    let pool: pg.Pool;

    beforeAll(async () => {
      data = await startDataServices();
      await runMigrations(data.directDatabaseUrl);
      pool = testPool(data.directDatabaseUrl, { max: 1 });
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO urls (short_code, original_url) SELECT 'md' || g, 'https://example.com/' || g FROM generate_series(1, 3) g RETURNING id`);
      // 3 clicks on the first link, 1 on the second (rolled up by the trigger, as POST /events is).
      await pool.query(`INSERT INTO events (url_id, event_type) SELECT ($1::bigint[])[x], 'click' FROM unnest('{1,1,1,2}'::int[]) x`, [rows.map((r) => r.id)]);
    }, 120_000);

    afterAll(async () => {
      await pool?.end();
      await data?.stop();
    });

    const counts = async () => (await pool.query<{ n: number }>('SELECT click_count::int AS n FROM urls ORDER BY id')).rows.map((r) => r.n);
    const applied = async () => (await pool.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)).rows.map((r) => r.name);

    it('--down-to gives the older release its column back, filled; up again drops it', async () => {
      await expect(pool.query('SELECT click_count FROM urls')).rejects.toThrow(/does not exist/);
      const r = migrate(['--down-to', KEEP], { MIGRATE_DATABASE_URL: data.directDatabaseUrl });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('migrations reverted');
      expect(await counts()).toEqual([3, 1, 0]);
      expect((await applied()).at(-1)).toBe(KEEP);
      // Nothing after it now: a second run reverts nothing.
      const again = migrate(['--down-to', KEEP], { MIGRATE_DATABASE_URL: data.directDatabaseUrl });
      expect(again.status).toBe(0);
      expect(again.stdout).toContain(`nothing applied after ${KEEP}`);
      expect(await runMigrations(data.directDatabaseUrl)).toEqual(migrationNames().slice(migrationNames().indexOf(KEEP) + 1));
      await expect(pool.query('SELECT click_count FROM urls')).rejects.toThrow(/does not exist/);
    }, 180_000);

    it('--down-to a migration that is not applied fails and changes nothing', async () => {
      const r = migrate(['--down-to', '1999999999999_nothing'], { MIGRATE_DATABASE_URL: data.directDatabaseUrl });
      expect(r.status).toBe(1);
      expect(r.stdout + r.stderr).toContain('1999999999999_nothing is not applied here');
      expect((await applied()).at(-1)).toBe(migrationNames().at(-1));
    }, 120_000);

    it('--down-sql prints what psql runs to the same end, connecting nowhere', async () => {
      const printed = migrate(['--down-sql', KEEP]);
      expect(printed.status, printed.stderr).toBe(0);
      const psql = spawnSync('psql', [data.directDatabaseUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction'], {
        input: printed.stdout, encoding: 'utf8', timeout: 60_000,
      });
      expect(psql.status, psql.stderr).toBe(0);
      expect(await counts()).toEqual([3, 1, 0]);
      expect((await applied()).at(-1)).toBe(KEEP);
      // node-pg-migrate sees the reverted migrations as not applied, and applies them again.
      expect(await runMigrations(data.directDatabaseUrl)).toEqual(migrationNames().slice(migrationNames().indexOf(KEEP) + 1));
    }, 180_000);
  });
});
