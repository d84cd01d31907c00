// Links' counts per span for deep ?page pages (migration urls-page-counts, page-marks/lookup.ts),
// on real PostgreSQL: the migration counts the links already there; every later write (one link,
// a batch with ids of its own, a deactivation and back, a row deleted, a capped link's visits)
// keeps each list's count per span equal to its links; a deep page of all, active and inactive
// links holds the same rows as OFFSET from the start, started from the counts.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { migrationNames, migrationsFrom, stepMigrations } from '../../src/migrate.js';
import { fromNearestMark, MARKS_FROM_OFFSET, URL_COUNTS } from '../../src/page-marks/lookup.js';
import { listUrls } from '../../src/store/urls-store.js';
import { appTestPool } from '../support/test-pool.js';

const MIGRATION = '1768780800000_urls-page-counts';

describe('links counted per span', () => {
  let ds: DataServices;
  let pool: pg.Pool;

  /** Each list's counts per span that differ from its links (both sides as "key below n"). */
  async function mismatches(): Promise<{ kept: string[]; true: string[] }> {
    const kept = await pool.query<{ r: string }>(`SELECT key || ' ' || below_id || ' ' || sum(n) AS r FROM urls_page_counts
      GROUP BY key, below_id HAVING sum(n) <> 0 ORDER BY 1`);
    const truth = await pool.query<{ r: string }>(`SELECT key || ' ' || urls_page_below(id) || ' ' || count(*) AS r
      FROM urls, unnest(ARRAY['', 'is_active=' || is_active]) AS k(key) GROUP BY key, urls_page_below(id) ORDER BY 1`);
    const k = kept.rows.map((x) => x.r);
    const t = truth.rows.map((x) => x.r);
    return { kept: k.filter((r) => !t.includes(r)), true: t.filter((r) => !k.includes(r)) };
  }

  async function plainPage(isActive: boolean | undefined, offset: number, limit: number): Promise<number[]> {
    const where = isActive === undefined ? '' : `WHERE is_active = ${isActive}`;
    return (await pool.query<{ id: number }>(`SELECT id FROM urls ${where} ORDER BY id OFFSET ${offset} LIMIT ${limit}`)).rows.map((r) => r.id);
  }

  beforeAll(async () => {
    ds = await startDataServices();
    pool = appTestPool(ds.directDatabaseUrl, 3);
    const before = migrationNames().length - migrationsFrom(MIGRATION).length;
    await stepMigrations(ds.directDatabaseUrl, 'up', before);
    // Links there before the migration: every third inactive.
    await pool.query(`INSERT INTO urls (short_code, original_url, is_active) SELECT 'pc' || g, 'https://example.com/' || g, g % 3 <> 0 FROM generate_series(1, 40000) g`);
    await stepMigrations(ds.directDatabaseUrl, 'up', migrationsFrom(MIGRATION).length);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await ds?.stop();
  });

  it('counts the links there when it is added', async () => {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*) AS n FROM urls_page_counts');
    expect(rows[0]!.n).toBeGreaterThan(0);
    expect(await mismatches()).toEqual({ kept: [], true: [] });
  });

  it('keeps the counts through every kind of write', async () => {
    await pool.query(`INSERT INTO urls (short_code, original_url) VALUES ('pc-one', 'https://example.com/one')`);
    // A batch with ids of its own, some in a span already counted (as the seed loader writes).
    await pool.query(`INSERT INTO urls (id, short_code, original_url, is_active) SELECT 100000 + g, 'pc-own' || g, 'https://example.com/', g % 2 = 0 FROM generate_series(1, 5000) g`);
    await pool.query(`INSERT INTO urls (id, short_code, original_url) VALUES (5, 'pc-taken', 'https://example.com/') ON CONFLICT DO NOTHING`);
    await pool.query('UPDATE urls SET is_active = false WHERE id % 7 = 0');
    await pool.query('UPDATE urls SET is_active = true WHERE id % 14 = 0');
    await pool.query('UPDATE urls SET is_active = is_active, title = $1 WHERE id % 11 = 0', ['unchanged activity']);
    await pool.query('UPDATE urls SET visits = visits + 1 WHERE id = 2');
    await pool.query('DELETE FROM urls WHERE id % 1000 = 0');
    expect(await mismatches()).toEqual({ kept: [], true: [] });
  });

  it('finds the same rows as OFFSET from the start, started from the counts', async () => {
    let fromCounts = 0;
    for (const isActive of [undefined, true, false]) {
      const where = isActive === undefined ? 'WHERE true' : `WHERE is_active = ${isActive}`;
      const size = (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM urls ${where}`)).rows[0]!.n;
      // The links of the list in the first span: a page that deep or deeper starts from a count.
      const first = (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM urls ${where} AND id < urls_page_below(1)`)).rows[0]!.n;
      for (const offset of [MARKS_FROM_OFFSET, 17_001, Math.floor(size / 2), size - 30, size + 3]) {
        const page = { limit: 50, offset };
        const key = isActive === undefined ? '' : `is_active=${isActive}`;
        const start = await fromNearestMark(pool, URL_COUNTS, key, page);
        expect(start.afterId !== undefined, `${key} at ${offset}`).toBe(offset >= first);
        if (start.afterId !== undefined) fromCounts++;
        const got = await listUrls(pool, { isActive }, page);
        expect(got.items.map((u) => u.id), `${key} at ${offset}`).toEqual(await plainPage(isActive, offset, 50));
      }
    }
    // Not vacuous: the last pages of each list lie past its first span.
    expect(fromCounts).toBeGreaterThanOrEqual(6);
  });

  it('forgets the counts when the table is emptied', async () => {
    await pool.query('TRUNCATE urls CASCADE');
    expect((await pool.query('SELECT * FROM urls_page_counts')).rows).toEqual([]);
  });
});
