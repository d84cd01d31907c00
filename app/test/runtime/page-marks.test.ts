// Deep ?page pages of events started from counted spans (app/src/page-marks/), on real
// PostgreSQL: every mark's count is the true count of its list's events below it; a page found
// from a mark holds the same rows as OFFSET from the start, for every counted list and for lists
// never counted, in counted spans and in the tail not yet counted; a span holding an id of a
// transaction still open is not counted until it ends; replicas take turns; a reset recounts.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { runMigrations } from '../../src/migrate.js';
import { FILTER_COLUMNS, listKey, type ListFilter } from '../../src/page-marks/keys.js';
import { EVENT_MARKS, fromNearestMark, MARKS_FROM_OFFSET } from '../../src/page-marks/lookup.js';
import { resetMarks, sealRound, type SealSettings } from '../../src/page-marks/seal.js';
import { listEvents } from '../../src/store/events-store.js';
import { entriesRead } from '../support/plans.js';
import { appTestPool } from '../support/test-pool.js';

/** Small spans, so that 60,000 events make a dozen of them. */
const SETTINGS: SealSettings = { spanIds: 4096, countFrom: 80, sampleEvery: 8, maxSpans: 5 };
const EVENTS = 60_000;
const ODD_TYPE = 'odd&event_type=click';

/** The lists checked: every counted combination, small and large, one never counted, one not countable. */
const FILTERS: ListFilter[] = [
  {}, { event_type: 'click' }, { event_type: 'created' }, { event_type: ODD_TYPE }, { event_type: 'late' },
  { user_id: 2 }, { user_id: 2, event_type: 'click' }, { user_id: 9 },
  { url_id: 1 }, { url_id: 1, event_type: 'click' }, { url_id: 7 }, { url_id: 1, user_id: 2 },
];

/**
 * The ids whose clicks are batches (migration click-batches), as the click flush writes them: a
 * link's clicks in a row of consecutive ids. In part of it the events came a thousand at a time
 * in link order, as a flush writes them, so a link's clicks make long batches; elsewhere they
 * are mostly a click each. Batches and rows interleave throughout.
 */
const BATCHED = { from: 15_001, to: 35_000 };
const FLUSHED = { from: 20_001, to: 30_000 };

/** The clicks of ids [from, to] moved from events into click_batches: a row per run of one link's consecutive ids. */
async function batchClicks(pool: pg.Pool, from: number, to: number): Promise<void> {
  const empty = (type: string) => `array_fill(NULL::${type}, ARRAY[count(*)::int])`;
  await pool.query(`WITH moved AS (
      DELETE FROM events WHERE event_type = 'click' AND id BETWEEN $1 AND $2 RETURNING id, url_id, user_id, "timestamp"
    ), runs AS (
      SELECT *, id - row_number() OVER (PARTITION BY url_id, user_id ORDER BY id) AS run FROM moved
    )
    INSERT INTO click_batches (first_id, url_id, user_id, n, at, referrer, user_agent, bot, device, browser, os, country)
    SELECT min(id), url_id, user_id, count(*), array_agg("timestamp" ORDER BY id), ${empty('text')}, ${empty('text')},
      array_fill(false, ARRAY[count(*)::int]), array_fill('desktop'::text, ARRAY[count(*)::int]), ${empty('text')}, ${empty('text')}, ${empty('text')}
    FROM runs GROUP BY url_id, user_id, run`, [from, to]);
}

const toFilter = (f: ListFilter) => ({ urlId: f.url_id as number | undefined, userId: f.user_id as number | undefined, eventType: f.event_type as string | undefined });

function whereOf(f: ListFilter, args: unknown[]): string {
  const conds = FILTER_COLUMNS.filter((c) => f[c] !== undefined).map((c) => `${c} = $${args.push(f[c])}`);
  return conds.length > 0 ? `WHERE ${conds.join(' AND ')}` : '';
}

describe('page marks', () => {
  let ds: DataServices;
  let pool: pg.Pool;

  /** Rounds until two in a row count nothing: the first round of a fresh job only takes its line. */
  async function sealAll(): Promise<void> {
    for (let idle = 0; idle < 2;) {
      const r = await sealRound(pool, SETTINGS);
      idle = r.sealed === 0 && !r.behind ? idle + 1 : 0;
    }
  }

  const state = async () => (await pool.query<{ next_below: number; final_below: number }>('SELECT next_below, final_below FROM events_page_seal')).rows[0]!;

  /**
   * Every event as the API shows it, from both tables (the view all_events), copied into a table
   * of its own: the checks read it many times over, and through the view each read unnests
   * every batch.
   */
  async function snapshot(): Promise<void> {
    await pool.query('DROP TABLE IF EXISTS events_now');
    await pool.query('CREATE TABLE events_now AS SELECT * FROM all_events');
    await pool.query('CREATE INDEX ON events_now (id)');
    await pool.query('ANALYZE events_now');
  }

  /** Every mark against a count of the events it stands for. */
  async function wrongMarks(): Promise<string[]> {
    await snapshot();
    const { rows } = await pool.query<{ key: string; below_id: number; cum: number }>('SELECT key, below_id, cum FROM events_page_marks');
    const wrong: string[] = [];
    for (const m of rows) {
      const filter = Object.fromEntries(m.key === '' ? [] : m.key.split('&').map((p) => p.split('='))) as ListFilter;
      // The odd type's own '&' and '=' make its key unparsable this way: compared whole instead.
      if (m.key.includes(ODD_TYPE)) Object.assign(filter, { event_type: ODD_TYPE });
      const args: unknown[] = [m.below_id];
      const where = whereOf(filter, args);
      const { rows: [n] } = await pool.query<{ n: number }>(`SELECT count(*) AS n FROM events_now ${where ? `${where} AND` : 'WHERE'} id < $1`, args);
      if (n!.n !== m.cum) wrong.push(`${m.key} below ${m.below_id}: ${m.cum}, counted ${n!.n}`);
    }
    return wrong;
  }

  /** The page as OFFSET from the start reads it, every column the API shows. */
  async function plainRows(f: ListFilter, offset: number, limit: number): Promise<unknown[]> {
    const args: unknown[] = [];
    const where = whereOf(f, args);
    return (await pool.query(`SELECT * FROM events_now ${where} ORDER BY id OFFSET ${offset} LIMIT ${limit}`, args)).rows;
  }

  const plainPage = async (f: ListFilter, offset: number, limit: number) => (await plainRows(f, offset, limit)).map((r) => (r as { id: number }).id);

  async function listSize(f: ListFilter): Promise<number> {
    const args: unknown[] = [];
    return (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM events_now ${whereOf(f, args)}`, args)).rows[0]!.n;
  }

  beforeAll(async () => {
    ds = await startDataServices();
    await runMigrations(ds.directDatabaseUrl);
    pool = appTestPool(ds.directDatabaseUrl, 4);
    await pool.query(`INSERT INTO users (username, email) SELECT 'pm' || g, 'pm' || g || '@example.com' FROM generate_series(1, 50) g`);
    await pool.query(`INSERT INTO urls (user_id, short_code, original_url) SELECT 1 + g % 50, 'pm' || g, 'https://example.com/' || g FROM generate_series(1, 500) g`);
    // Link 1 (user 2's) is rare in the first half (under countFrom a span) and a quarter of the
    // second; every 97th event has no user; types: click, created, a text holding '&' and '=', and
    // one first written late and rarely (a few a span).
    await pool.query(`INSERT INTO events (url_id, user_id, event_type)
      SELECT l.url, CASE WHEN g % 97 = 0 THEN NULL ELSE 1 + l.url % 50 END,
        CASE WHEN g > 50000 AND g % 500 = 0 THEN 'late' WHEN g % 10 = 0 THEN 'created' WHEN g % 33 = 0 THEN $2 ELSE 'click' END
      FROM generate_series(1, $1::int) g,
        LATERAL (SELECT CASE WHEN (g > $1 / 2 AND g % 4 = 0) OR g % 203 = 0 THEN 1 ELSE 2 + g % 499 END AS url) l
      ORDER BY CASE WHEN g BETWEEN ${FLUSHED.from} AND ${FLUSHED.to} THEN (g - 1) / 1000 * 1000 ELSE g END,
        CASE WHEN g BETWEEN ${FLUSHED.from} AND ${FLUSHED.to} THEN l.url END, g`,
    [EVENTS, ODD_TYPE]);
    await batchClicks(pool, BATCHED.from, BATCHED.to);
    await pool.query('VACUUM ANALYZE events, click_batches');
    await sealAll();
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await ds?.stop();
  });

  it('counts every finished span, and each mark is the true count of its list below it', async () => {
    const { next_below: next } = await state();
    // 60,000 ids: 14 whole spans of 4,096; the 15th holds the last ids and is not finished.
    expect(next).toBe(14 * SETTINGS.spanIds);
    expect(await wrongMarks()).toEqual([]);
    // What the gauge shows: the ids from the first not counted to the last written.
    expect((await sealRound(pool, SETTINGS)).uncounted).toBe(EVENTS + 1 - next);
    const { rows } = await pool.query<{ key: string }>('SELECT key FROM events_page_tracked ORDER BY key');
    // Every type from its first event, however rare; links and users once large.
    expect(rows.map((r) => r.key)).toEqual(expect.arrayContaining(['', 'event_type=click', 'event_type=created', `event_type=${ODD_TYPE}`, 'event_type=late',
      'url_id=1', 'url_id=1&event_type=click', 'user_id=2', 'user_id=2&event_type=click']));
    // Link 7 has at most a few events a span: never counted; nor is a list of no user.
    expect(rows.map((r) => r.key)).not.toContain('url_id=7');
    expect(rows.some((r) => /user_id=(&|$)/.test(r.key))).toBe(false);
    // Link 1 was found in the second half: its first mark counts its earlier events (read through
    // its index), not from zero.
    const { rows: [first] } = await pool.query<{ cum: number; below_id: number }>(
      "SELECT cum, below_id FROM events_page_marks WHERE key = 'url_id=1' ORDER BY below_id LIMIT 1");
    expect(first!.below_id).toBeGreaterThan(EVENTS / 4);
    expect(first!.cum).toBeGreaterThan(0);
  });

  it('finds the same rows as OFFSET from the start, at every depth of every list', async () => {
    await snapshot();
    const tracked = new Set((await pool.query<{ key: string }>('SELECT key FROM events_page_tracked')).rows.map((r) => r.key));
    let fromMarks = 0;
    for (const f of FILTERS) {
      const size = await listSize(f);
      const offsets = [MARKS_FROM_OFFSET, MARKS_FROM_OFFSET + 1, Math.floor(size / 2), size - 70, size - 1, size, size + 5, 31_337].filter((o) => o >= 0);
      for (const offset of offsets) {
        const page = { limit: 50, offset };
        const start = await fromNearestMark(pool, EVENT_MARKS, listKey(f), page);
        // Not vacuous: a counted list's deep pages start from a mark (every list here was
        // counted from below MARKS_FROM_OFFSET of its events).
        if (tracked.has(listKey(f)) && offset >= MARKS_FROM_OFFSET) {
          expect(start.afterId, `${listKey(f)} at ${offset}`).toBeDefined();
          fromMarks++;
        }
        const got = await listEvents(pool, toFilter(f), page);
        expect(got.items, `${listKey(f)} at ${offset}`).toEqual(await plainRows(f, offset, 50));
        expect(got.more, `${listKey(f)} at ${offset}`).toBe(offset + 50 < size);
      }
    }
    expect(fromMarks).toBeGreaterThan(30);
  });

  it('steps over at most a span of the list from its mark, where OFFSET steps over everything before', async () => {
    const page = { limit: 100, offset: 40_000 };
    const [items] = await entriesRead(pool, 'events', (db) => listEvents(db, {}, page));
    expect(items!.entries, items!.sql).toBeLessThanOrEqual(2 * (SETTINGS.spanIds + page.limit + 1));
    // The same page from the start reads its 40,000 entries.
    const [plain] = await entriesRead(pool, 'events', (db) => db.query('SELECT id FROM events ORDER BY id OFFSET 40000 LIMIT 101'));
    expect(plain!.entries).toBeGreaterThan(40_000);
  });

  it('does not count a span holding the id of a transaction still open, and counts it once that ends', async () => {
    const open = await pool.connect();
    try {
      await open.query('BEGIN');
      // Not a click: a click's roll-up row would hold the clicks below waiting.
      const { rows: [held] } = await open.query<{ id: number }>(`INSERT INTO events (url_id, user_id, event_type) VALUES (3, 4, 'created') RETURNING id`);
      // Later ids, committed, fill the rest of the span and several after it.
      await pool.query(`INSERT INTO events (url_id, user_id, event_type) SELECT 1, 2, 'click' FROM generate_series(1, 12000)`);
      for (let i = 0; i < 4; i++) await sealRound(pool, SETTINGS);
      const { next_below: next } = await state();
      expect(next).toBeLessThanOrEqual(held!.id);
      await open.query('COMMIT');
    } finally {
      open.release();
    }
    await sealAll();
    expect((await state()).next_below).toBe(Math.floor((EVENTS + 12_001) / SETTINGS.spanIds) * SETTINGS.spanIds);
    expect(await wrongMarks()).toEqual([]);
  });

  it('leaves the round to the replica that holds it', async () => {
    const other = await pool.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM events_page_seal FOR UPDATE');
      expect(await sealRound(pool, SETTINGS)).toEqual({ skipped: true, sealed: 0, behind: false, uncounted: 0 });
      await other.query('ROLLBACK');
    } finally {
      other.release();
    }
    expect((await sealRound(pool, SETTINGS)).skipped).toBe(false);
  });

  it('starts over after a reset and comes to the same marks', async () => {
    const marks = async () => (await pool.query('SELECT key, below_id, cum FROM events_page_marks ORDER BY key, below_id')).rows;
    const before = await marks();
    await resetMarks(pool);
    expect(await marks()).toEqual([]);
    expect(await state()).toEqual({ next_below: 0, final_below: 0 });
    // A deep page meanwhile is still right, from the start.
    expect((await listEvents(pool, {}, { limit: 10, offset: 20_000 })).items.map((e) => e.id)).toEqual(await plainPage({}, 20_000, 10));
    await sealAll();
    expect(await marks()).toEqual(before);
  });
});
