// Every list query of users, links, webhooks and deliveries reads an index, and a deep cursor page
// is an index range scan that starts at the cursor (as events-indexes.test.ts checks for events):
// the stores' own statements, recorded as sent and EXPLAINed on analyzed tables of 20,000 rows.
// Then a user whose links were all written after everyone else's (a sixth of the table): the
// planner's statistics expect their rows from the first id on, and the list must still read
// only its own.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import type { Queryable } from '../../src/db/pool.js';
import { runMigrations } from '../../src/migrate.js';
import type { Page } from '../../src/store/paging.js';
import { listUrls } from '../../src/store/urls-store.js';
import { listUsers } from '../../src/store/users-store.js';
import { listDeliveries, listWebhooks } from '../../src/store/webhooks-store.js';
import { byIdsFromPrimaryKey, expectReadThroughFilter, plansOf, rangeFromCursor, readsIndex } from '../support/plans.js';
import { testPool } from '../support/test-pool.js';

const ROWS = 20_000;
/** A user with no link among the first ROWS, then LATE_LINKS of them. */
const LATE_USER = 201;
const LATE_LINKS = 4_000;

let data: DataServices;
let pool: pg.Pool;

beforeAll(async () => {
  data = await startDataServices();
  await runMigrations(data.directDatabaseUrl);
  pool = testPool(data.directDatabaseUrl, { max: 2 });
  await pool.query(`INSERT INTO users (username, email) SELECT 'u' || g, 'u' || g || '@example.com' FROM generate_series(1, ${ROWS}) g`);
  // Links of 200 users, one in ten inactive, one in twenty tagged 'promo'.
  await pool.query(`INSERT INTO urls (user_id, short_code, original_url, is_active, tags)
    SELECT 1 + g % 200, 'c' || g, 'https://example.com/' || g, g % 10 <> 0, CASE WHEN g % 20 = 0 THEN ARRAY['promo'] ELSE '{}' END
    FROM generate_series(1, ${ROWS}) g`);
  await pool.query(`INSERT INTO urls (user_id, short_code, original_url)
    SELECT ${LATE_USER}, 'late' || g, 'https://example.com/late/' || g FROM generate_series(1, ${LATE_LINKS}) g`);
  await pool.query(`INSERT INTO webhooks (user_id, url, events, secret)
    SELECT 1 + g % 200, 'https://hooks.example/' || g, ARRAY['link.created'], 'secret' FROM generate_series(1, ${ROWS}) g`);
  await pool.query(`INSERT INTO webhook_deliveries (webhook_id, event, data)
    SELECT 1 + g % 20, 'link.created', '{}' FROM generate_series(1, ${ROWS}) g`);
  await pool.query('ANALYZE');
}, 180_000);

afterAll(async () => {
  await pool?.end();
  await data?.stop();
});

const DEEP = Math.round(ROWS * 0.75);
const PAGES: Record<string, Page> = {
  'first page': { limit: 100, offset: 0 },
  'deep offset page': { limit: 100, offset: DEEP / 20 },
  'deep cursor page': { limit: 100, offset: 0, afterId: DEEP },
};

const LISTS: Record<string, { table: string; list: (db: Queryable, page: Page) => Promise<unknown> }> = {
  users: { table: 'users', list: (db, page) => listUsers(db, page) },
  links: { table: 'urls', list: (db, page) => listUrls(db, {}, page) },
  "a user's links": { table: 'urls', list: (db, page) => listUrls(db, { userId: 7 }, page) },
  'active links': { table: 'urls', list: (db, page) => listUrls(db, { isActive: true }, page) },
  'inactive links': { table: 'urls', list: (db, page) => listUrls(db, { isActive: false }, page) },
  "a user's active links": { table: 'urls', list: (db, page) => listUrls(db, { userId: 7, isActive: true }, page) },
  'links by tag': { table: 'urls', list: (db, page) => listUrls(db, { tag: 'promo' }, page) },
  webhooks: { table: 'webhooks', list: (db, page) => listWebhooks(db, undefined, page) },
  "a user's webhooks": { table: 'webhooks', list: (db, page) => listWebhooks(db, 7, page) },
  "a webhook's deliveries": { table: 'webhook_deliveries', list: (db, page) => listDeliveries(db, 3, page) },
};

describe('list queries', () => {
  for (const [listName, { table, list }] of Object.entries(LISTS)) {
    for (const [pageName, page] of Object.entries(PAGES)) {
      it(`${listName}, ${pageName}: the page and its bounded count read indexes`, async () => {
        const [items, count, ...rest] = await plansOf(pool, table, (db) => list(db, page));
        expect(rest).toEqual([]);
        expect(items!.scans.length, items!.sql).toBeGreaterThan(0);
        if (page.offset > 0) {
          // The ids before the offset are stepped over (by an index, or for a tag the table: GIN
          // keeps no order), the cost the contract notes give ?page; the rows are read by id.
          expect(items!.scans.some(byIdsFromPrimaryKey), `${items!.sql}: ${JSON.stringify(items!.scans)}`).toBe(true);
        } else {
          for (const scan of items!.scans) expect(readsIndex(scan), `${items!.sql}: ${JSON.stringify(scan)}`).toBe(true);
        }
        if (page.afterId !== undefined) for (const scan of items!.scans) expect(rangeFromCursor(scan), `${items!.sql}: ${JSON.stringify(scan)}`).toBe(true);
        expect(count!.scans.length, count!.sql).toBeGreaterThan(0);
        // No filter: the count may read the table itself, bounded by its Limit.
        for (const scan of count!.scans) expect(readsIndex(scan) || (scan.node === 'Seq Scan' && scan.underLimit), `${count!.sql}: ${JSON.stringify(scan)}`).toBe(true);
      });
    }
  }
});

const LATE: Record<string, { filter: Parameters<typeof listUrls>[1]; column: string }> = {
  "the late user's links": { filter: { userId: LATE_USER }, column: 'user_id' },
  "the late user's active links": { filter: { userId: LATE_USER, isActive: true }, column: 'user_id' },
};
const LATE_PAGES: Record<string, Page> = {
  'first page': { limit: 100, offset: 0 },
  'cursor page before their first link': { limit: 100, offset: 0, afterId: DEEP },
  'offset page': { limit: 100, offset: LATE_LINKS / 2 },
};

describe('a list whose rows all come after the rest of the table', () => {
  for (const [listName, { filter, column }] of Object.entries(LATE)) {
    for (const [pageName, page] of Object.entries(LATE_PAGES)) {
      it(`${listName}, ${pageName}: read through the index of ${column}, never a walk of the ids before them`, async () => {
        await expectReadThroughFilter(pool, 'urls', (db) => listUrls(db, filter, page), { column, page, listRows: LATE_LINKS });
      });
    }
  }
});
