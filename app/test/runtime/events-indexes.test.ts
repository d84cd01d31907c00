// Every list query of events reads an index, with the indexes the migrations leave (clicks have
// no type index of their own: migration events-type-index-without-clicks). The queries are the
// store's own (listEvents, recorded as it sends them), explained on a table shaped like
// production's: nearly every event a click, a few of the other types, analyzed; and a link that
// became popular after everything else was written, whose clicks (a fifth of the table) all sit
// at the end of the ids: its statistics lead the planner to expect its rows from the first id on.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { ROLLED_UP_BY_WRITER } from '../../src/clicks/click-sql.js';
import { runMigrations } from '../../src/migrate.js';
import { listEvents, type EventFilter } from '../../src/store/events-store.js';
import type { Page } from '../../src/store/paging.js';
import { byIdsFromPrimaryKey, expectReadThroughFilter, plansOf, rangeFromCursor, readsIndex, type Scan } from '../support/plans.js';
import { testPool } from '../support/test-pool.js';

/**
 * An index read, or a sequential one under a Limit: the bounded count's (COUNT_EXACT_UP_TO)
 * stops after that many matches, which for no filter or clicks (nearly every row) come at once.
 */
const bounded = (s: Scan) => readsIndex(s) || (s.node === 'Seq Scan' && s.underLimit);

/** The late link (and its owner, who has no other): 50,000 clicks after the 200,000 other events. */
const LATE_LINK = 2001;
const LATE_USER = 51;
const LATE_CLICKS = 50_000;
/** Clicks per batch (click_batches), one batch per link. */
const BATCH = 20;

let data: DataServices;
let pool: pg.Pool;

beforeAll(async () => {
  data = await startDataServices();
  await runMigrations(data.directDatabaseUrl);
  pool = testPool(data.directDatabaseUrl, { max: 2 });
  await pool.query(`INSERT INTO users (username, email) SELECT 'u' || g, 'u' || g || '@example.com' FROM generate_series(1, 50) g`);
  await pool.query(`INSERT INTO urls (user_id, short_code, original_url) SELECT 1 + g % 50, 'c' || g, 'https://example.com/' || g FROM generate_series(1, 2000) g`);
  // 200,000 events, 1 in 100 not a click; the roll-ups are not what this test is about.
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query(`SELECT set_config('${ROLLED_UP_BY_WRITER}', 'on', true)`);
    await c.query(`INSERT INTO events (url_id, user_id, event_type, details)
      SELECT 1 + g % 2000, 1 + (g % 2000) % 50, CASE WHEN g % 100 = 0 THEN (ARRAY['created', 'updated', 'deactivated'])[1 + g % 3] ELSE 'click' END, '{}'
      FROM generate_series(1, 200000) g`);
    await c.query(`INSERT INTO users (id, username, email) VALUES (${LATE_USER}, 'late', 'late@example.com')`);
    await c.query(`INSERT INTO urls (id, user_id, short_code, original_url) VALUES (${LATE_LINK}, ${LATE_USER}, 'late', 'https://example.com/late')`);
    await c.query(`INSERT INTO events (url_id, user_id, event_type, details)
      SELECT ${LATE_LINK}, ${LATE_USER}, 'click', '{}' FROM generate_series(1, ${LATE_CLICKS}) g`);
    // Every link's later clicks as the click flush writes them (migration click-batches): a batch
    // of BATCH clicks each, in consecutive ids after the events.
    await c.query(`INSERT INTO click_batches (first_id, url_id, user_id, n, at, referrer, user_agent, bot, device, browser, os, country)
      SELECT last_value + 1 + (g - 1) * ${BATCH}, g, 1 + g % 50, ${BATCH}, array_fill(now(), ARRAY[${BATCH}]), ${[1, 2].map(() => `array_fill(NULL::text, ARRAY[${BATCH}])`).join(', ')},
        array_fill(false, ARRAY[${BATCH}]), ${[1, 2, 3, 4].map(() => `array_fill(NULL::text, ARRAY[${BATCH}])`).join(', ')}
      FROM events_id_seq, generate_series(1, 2000) g`);
    await c.query(`SELECT setval('events_id_seq', (SELECT max(first_id + n - 1) FROM click_batches))`);
    await c.query('COMMIT');
  } finally {
    c.release();
  }
  await pool.query('ANALYZE events, click_batches');
}, 180_000);

afterAll(async () => {
  await pool?.end();
  await data?.stop();
});

const eventPlans = (filter: EventFilter, page: Page) => plansOf(pool, 'events', (db) => listEvents(db, filter, page));

const FILTERS: Record<string, EventFilter> = {
  'no filter': {},
  url: { urlId: 7 },
  user: { userId: 3 },
  clicks: { eventType: 'click' },
  'created': { eventType: 'created' },
  'a client\'s own type': { eventType: 'signup' },
  'url and clicks': { urlId: 7, eventType: 'click' },
  'user and created': { userId: 3, eventType: 'created' },
};
const PAGES: Record<string, Page> = {
  'first page': { limit: 100, offset: 0 },
  'deep offset page': { limit: 100, offset: 100_000 },
  'deep cursor page': { limit: 100, offset: 0, afterId: 150_000 },
};

describe('list queries of events', () => {
  for (const [filterName, filter] of Object.entries(FILTERS)) {
    for (const [pageName, page] of Object.entries(PAGES)) {
      it(`${filterName}, ${pageName}: the page reads an index, the count an index or a bounded scan`, async () => {
        const [items, count, ...rest] = await eventPlans(filter, page);
        expect(rest).toEqual([]); // the page and its bounded count (an estimate past the bound is an EXPLAIN: it reads no rows)
        expect(items!.scans.length, items!.sql).toBeGreaterThan(0);
        for (const scan of items!.scans) expect(readsIndex(scan), items!.sql).toBe(true);
        // A cursor page starts where the cursor points, in the index's order: no row before it is read.
        if (page.offset > 0) expect(items!.scans.some(byIdsFromPrimaryKey), `${items!.sql}: ${JSON.stringify(items!.scans)}`).toBe(true);
        // (The rows a page of both tables shows are then fetched by their ids, as an offset page's.)
        if (page.afterId !== undefined) {
          for (const scan of items!.scans) expect(rangeFromCursor(scan) || byIdsFromPrimaryKey(scan), `${items!.sql}: ${JSON.stringify(scan)}`).toBe(true);
          expect(items!.scans.some(rangeFromCursor), items!.sql).toBe(true);
        }
        expect(count!.scans.length, count!.sql).toBeGreaterThan(0);
        for (const scan of count!.scans) expect(bounded(scan), `${count!.sql}: ${JSON.stringify(scan)}`).toBe(true);
      });
      if (filter.eventType === undefined || filter.eventType === 'click') {
        it(`${filterName}, ${pageName}: the batched clicks are read through an index of click_batches, from the cursor on`, async () => {
          const plans = await plansOf(pool, 'click_batches', (db) => listEvents(db, filter, page));
          expect(plans.length).toBe(2); // the page and the batches' bounded count
          for (const { sql, scans } of plans) {
            expect(scans.length, sql).toBeGreaterThan(0);
            for (const scan of scans) expect(readsIndex(scan) || bounded(scan), `${sql}: ${JSON.stringify(scan)}`).toBe(true);
          }
          const [items] = plans;
          if (page.afterId !== undefined) {
            // The batch holding the cursor's next id, then those after it; and the rows fetched by their first ids.
            for (const scan of items!.scans) expect(scan.indexCond ?? '', JSON.stringify(scan)).toMatch(/first_id (<=|>|=) /);
          }
        });
      }
    }
  }

  it('a type other than click is found through the index of the other types', async () => {
    const plans = await eventPlans({ eventType: 'created' }, PAGES['first page']!);
    const indexes = plans.flatMap((p) => p.scans.map((s) => s.index ?? ''));
    expect(indexes).toContain('events_other_type_id_idx');
  });
});

const LATE: Record<string, { filter: EventFilter; column: string }> = {
  'the late link': { filter: { urlId: LATE_LINK }, column: 'url_id' },
  "the late link's clicks": { filter: { urlId: LATE_LINK, eventType: 'click' }, column: 'url_id' },
  'its owner': { filter: { userId: LATE_USER }, column: 'user_id' },
  "its owner's clicks": { filter: { userId: LATE_USER, eventType: 'click' }, column: 'user_id' },
};
const LATE_PAGES: Record<string, Page> = {
  'first page': { limit: 100, offset: 0 },
  'cursor page before its first row': { limit: 100, offset: 0, afterId: 150_000 },
  'offset page': { limit: 100, offset: LATE_CLICKS / 2 },
};

describe('lists whose rows all come after the rest of the table', () => {
  for (const [filterName, { filter, column }] of Object.entries(LATE)) {
    for (const [pageName, page] of Object.entries(LATE_PAGES)) {
      it(`${filterName}, ${pageName}: read through the index of ${column}, never a walk of the ids before its rows`, async () => {
        await expectReadThroughFilter(pool, 'events', (db) => listEvents(db, filter, page), { column, page, listRows: LATE_CLICKS });
      });
    }
  }
});
