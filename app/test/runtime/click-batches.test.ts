// Clicks batched a row per link and flush (migration click-batches) read as events among the
// rows of events: in id order, with their details, counted in X-Total-Count; and migrating back
// moves them into events as rows, their roll-ups untouched, for the previous release.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { migrationsFrom, runMigrations, stepMigrations } from '../../src/migrate.js';
import { listEvents, type EventFilter } from '../../src/store/events-store.js';
import { appTestPool } from '../support/test-pool.js';

const MIGRATION = '1769040000000_click-batches';

describe('clicks in batches', () => {
  let data: DataServices;
  let pool: pg.Pool;
  let url: number;
  let user: number;

  const clicks = [
    { referrer: 'https://ref.example/a\tb "c"', user_agent: 'Mozilla/5.0 (X11; Linux x86_64)', bot: false, device: 'desktop', browser: 'Firefox', os: 'Linux', country: null },
    { referrer: null, user_agent: null, bot: true, device: 'bot', browser: null, os: null, country: 'DE' },
    { referrer: 'x,{y}\\z', user_agent: 'curl/8.0', bot: false, device: 'other', browser: null, os: null, country: 'FR' },
  ];
  const at = ['2026-12-01T10:00:00.000Z', '2026-12-01T10:00:00.500Z', '2026-12-02T00:00:01.000Z'];

  beforeAll(async () => {
    data = await startDataServices();
    await runMigrations(data.directDatabaseUrl);
    pool = appTestPool(data.directDatabaseUrl, 2);
    user = Number((await pool.query<{ id: string }>(`INSERT INTO users (username, email) VALUES ('cb', 'cb@example.com') RETURNING id`)).rows[0]!.id);
    url = Number((await pool.query<{ id: string }>(`INSERT INTO urls (user_id, short_code, original_url) VALUES ($1, 'cb1', 'https://example.com/') RETURNING id`, [user])).rows[0]!.id);
    // A click as a row, three as a batch in the next ids, then another event as a row.
    await pool.query(`INSERT INTO events (url_id, user_id, event_type, "timestamp", details) VALUES ($1, $2, 'click', '2026-12-01T09:00:00Z', '{"referrer": null}')`, [url, user]);
    const column = (k: keyof (typeof clicks)[number]) => clicks.map((c) => c[k]);
    await pool.query(`INSERT INTO click_batches (first_id, url_id, user_id, n, at, referrer, user_agent, bot, device, browser, os, country)
      SELECT nextval('events_id_seq'), $1, $2, 3, $3, $4, $5, $6, $7, $8, $9, $10`,
    [url, user, at, column('referrer'), column('user_agent'), column('bot'), column('device'), column('browser'), column('os'), column('country')]);
    await pool.query(`SELECT setval('events_id_seq', (SELECT first_id + n - 1 FROM click_batches))`);
    await pool.query(`INSERT INTO events (url_id, user_id, event_type, details) VALUES ($1, $2, 'note', '{"text": "after"}')`, [url, user]);
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    await data?.stop();
  });

  const expected = () => [
    { event_type: 'click', details: { referrer: null } },
    ...clicks.map((details, i) => ({ event_type: 'click', details, timestamp: new Date(at[i]!) })),
    { event_type: 'note', details: { text: 'after' } },
  ];

  async function expectListed(filter: EventFilter): Promise<void> {
    const page = await listEvents(pool, filter, { limit: 10, offset: 0 });
    expect(page.items.map(({ event_type, details }) => ({ event_type, details }))).toEqual(expected().map(({ event_type, details }) => ({ event_type, details })));
    expect(page.items.slice(1, 4).map((e) => e.timestamp)).toEqual(at.map((t) => new Date(t)));
    const ids = page.items.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(5);
    expect(page.items.every((e) => e.url_id === url && e.user_id === user)).toBe(true);
    expect(page.total).toBe(5);
    expect(page.exact).toBe(true);
  }

  it('lists the batch among the rows, in id order, with its details, and counts it', async () => {
    for (const filter of [{ urlId: url }, { userId: user }, { urlId: url, userId: user }, {}]) await expectListed(filter);
    const onlyClicks = await listEvents(pool, { urlId: url, eventType: 'click' }, { limit: 10, offset: 0 });
    expect(onlyClicks.items.map((e) => e.details)).toEqual(expected().slice(0, 4).map((e) => e.details));
    expect(onlyClicks.total).toBe(4);
    const notes = await listEvents(pool, { userId: user, eventType: 'note' }, { limit: 10, offset: 0 });
    expect(notes.total).toBe(1);
  });

  it('pages through a batch: by offset, and by cursor from inside it', async () => {
    const all = (await listEvents(pool, { urlId: url }, { limit: 10, offset: 0 })).items;
    for (let offset = 0; offset < 5; offset++) {
      const page = await listEvents(pool, { urlId: url }, { limit: 2, offset });
      expect(page.items).toEqual(all.slice(offset, offset + 2));
      expect(page.more).toBe(offset + 2 < 5);
    }
    for (let i = 0; i < 5; i++) {
      const page = await listEvents(pool, { urlId: url }, { limit: 2, offset: 0, afterId: all[i]!.id });
      expect(page.items).toEqual(all.slice(i + 1, i + 3));
    }
  });

  it('migrating down moves the batches into events as rows, their roll-ups as they were, and up again', async () => {
    const rollups = async () => (await pool.query('SELECT url_id, day, clicks FROM click_days ORDER BY day')).rows;
    const before = { listed: (await listEvents(pool, { urlId: url }, { limit: 10, offset: 0 })).items, rollups: await rollups() };
    const since = migrationsFrom(MIGRATION);
    expect(await stepMigrations(data.directDatabaseUrl, 'down', since.length)).toEqual([...since].reverse());
    await expect(pool.query('SELECT 1 FROM click_batches')).rejects.toThrow(/does not exist/);
    const { rows } = await pool.query('SELECT id, url_id, user_id, event_type, "timestamp", event_details(events) AS details FROM events ORDER BY id');
    expect(rows).toEqual(before.listed);
    expect(await rollups()).toEqual(before.rollups);
    expect(await stepMigrations(data.directDatabaseUrl, 'up', since.length)).toEqual(since);
    expect((await listEvents(pool, { urlId: url }, { limit: 10, offset: 0 })).items).toEqual(before.listed);
  });
});
