// A link's click_count is the sum of its click_days (migration link-clicks-from-click-days):
// every writer's clicks count, the click flush's and POST /events' alike, and migrating back
// hands the previous release a urls.click_count that says the same.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { migrationsFrom, runMigrations, stepMigrations } from '../../src/migrate.js';
import { testPool } from '../support/test-pool.js';

describe('link_clicks', () => {
  let data: DataServices;
  let pool: pg.Pool;
  let ids: number[];

  beforeAll(async () => {
    data = await startDataServices();
    await runMigrations(data.directDatabaseUrl);
    pool = testPool(data.directDatabaseUrl, { max: 1 });
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO urls (short_code, original_url) SELECT 'lc' || g, 'https://example.com/' || g FROM generate_series(1, 3) g RETURNING id`);
    ids = rows.map((r) => Number(r.id));
    // Clicks over two days by a writer the trigger rolls up (POST /events, the seed loader).
    await pool.query(
      `INSERT INTO events (url_id, event_type, "timestamp", details)
       SELECT ($1::bigint[])[1 + g % 2], 'click', timestamptz '2026-11-29 23:00Z' + g * interval '1 minute', '{"referrer": null}'
       FROM generate_series(1, 121) g`, [ids]);
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    await data?.stop();
  });

  const clicks = async (sql: string) => (await pool.query<{ n: number }>(sql, [ids])).rows.map((r) => r.n);

  it('is the sum of the link\'s days: 0 for a link never clicked', async () => {
    const counted = await clicks("SELECT count(*) FILTER (WHERE e.event_type = 'click')::int AS n FROM unnest($1::bigint[]) WITH ORDINALITY u(id, o) LEFT JOIN all_events e ON e.url_id = u.id GROUP BY o ORDER BY o");
    expect(counted).toEqual([60, 61, 0]);
    expect(await clicks('SELECT link_clicks(id)::int AS n FROM unnest($1::bigint[]) WITH ORDINALITY u(id, o) ORDER BY o')).toEqual(counted);
    const days = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM click_days WHERE url_id = $1', [ids[0]]);
    expect(days.rows[0]!.n).toBe(2);
  });

  it('migrating down writes the sums into urls.click_count for the previous release, and up again', async () => {
    const since = migrationsFrom('1768262400000_link-clicks-from-click-days');
    expect(await stepMigrations(data.directDatabaseUrl, 'down', since.length)).toEqual([...since].reverse());
    expect(await clicks('SELECT click_count::int AS n FROM unnest($1::bigint[]) WITH ORDINALITY u(id, o) JOIN urls ON urls.id = u.id ORDER BY o')).toEqual([60, 61, 0]);
    await expect(pool.query('SELECT link_clicks(1)')).rejects.toThrow(/does not exist/);
    expect(await stepMigrations(data.directDatabaseUrl, 'up', since.length)).toEqual(since);
    expect(await clicks('SELECT link_clicks(id)::int AS n FROM unnest($1::bigint[]) WITH ORDINALITY u(id, o) ORDER BY o')).toEqual([60, 61, 0]);
  });
});
