// A click's details may sit in columns of their own (migration click-details-columns): the API's
// `details` is built from them, an event written with jsonb details reads as before, and
// migrating back folds the columns into `details` for the previous release.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { migrationsFrom, runMigrations, stepMigrations } from '../../src/migrate.js';
import { insertEvent, listEvents } from '../../src/store/events-store.js';
import { testPool } from '../support/test-pool.js';

const MIGRATION = '1768435200000_click-details-columns';

describe('click details in columns', () => {
  let data: DataServices;
  let pool: pg.Pool;
  let url: number;

  const typed = { referrer: 'https://ref.example/a\tb', user_agent: 'Mozilla/5.0 (X11; Linux x86_64)', bot: false, device: 'desktop', browser: 'Firefox', os: 'Linux', country: null };
  const legacy = { referrer: null, user_agent: 'curl/8.0', bot: true, device: 'bot', browser: null, os: null, country: 'DE' };

  beforeAll(async () => {
    data = await startDataServices();
    await runMigrations(data.directDatabaseUrl);
    pool = testPool(data.directDatabaseUrl, { max: 1 });
    url = Number((await pool.query<{ id: string }>(`INSERT INTO urls (short_code, original_url) VALUES ('cd1', 'https://example.com/') RETURNING id`)).rows[0]!.id);
    await pool.query(`INSERT INTO events (url_id, event_type, details) VALUES ($1, 'click', $2)`, [url, JSON.stringify(legacy)]);
    // As the click flush writes them from the release after the migration's.
    await pool.query(
      `INSERT INTO events (url_id, event_type, click_referrer, click_user_agent, click_bot, click_device, click_browser, click_os, click_country)
       VALUES ($1, 'click', $2, $3, $4, $5, $6, $7, $8)`,
      [url, typed.referrer, typed.user_agent, typed.bot, typed.device, typed.browser, typed.os, typed.country]);
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    await data?.stop();
  });

  const listed = async () => (await listEvents(pool, { urlId: url }, { limit: 10, offset: 0 })).items.map((e) => e.details);

  it('shows the columns as details, and jsonb details as they were', async () => {
    expect(await listed()).toEqual([legacy, typed]);
    const created = await insertEvent(pool, { urlId: url, userId: null, eventType: 'note', details: { text: 'hello' } });
    expect(created.details).toEqual({ text: 'hello' });
    await pool.query('DELETE FROM events WHERE id = $1', [created.id]);
  });

  it('migrating down folds the columns into details for the previous release, and up again', async () => {
    const since = migrationsFrom(MIGRATION);
    expect(await stepMigrations(data.directDatabaseUrl, 'down', since.length)).toEqual([...since].reverse());
    const rows = await pool.query<{ details: unknown }>('SELECT details FROM events WHERE url_id = $1 ORDER BY id', [url]);
    expect(rows.rows.map((r) => r.details)).toEqual([legacy, typed]);
    await expect(pool.query('SELECT click_bot FROM events')).rejects.toThrow(/does not exist/);
    expect(await stepMigrations(data.directDatabaseUrl, 'up', since.length)).toEqual(since);
    expect(await listed()).toEqual([legacy, typed]);
  });
});
