// Click roll-ups kept for later (click-buffer.ts, pending-rollups.ts) against real PostgreSQL
// behind PgBouncer: a loaded replica's batches write their events at once and their counts
// later, all of them; a small batch adds its own at once; a drain leaves nothing kept; every
// writer's kept rows (a dead one's too) are added at once by one applier at a time, keys summed
// first, and no count is ever added twice, whoever claims a row first.
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../infra/loopback/servers/ports.js';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { ClickBuffer, type Click } from '../../src/clicks/click-buffer.js';
import { aggregateClicks, keepRollups, KEPT_ROLLUPS_APPLIER_LOCK, RollupSums } from '../../src/clicks/click-sql.js';
import { createEnricher } from '../../src/clicks/enricher.js';
import { noCountry } from '../../src/clicks/country.js';
import { PendingRollups } from '../../src/clicks/pending-rollups.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { runMigrations } from '../../src/migrate.js';
import { testPool } from '../support/test-pool.js';

const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
const enrich = createEnricher(noCountry);

describe('kept click roll-ups', () => {
  let ds: DataServices;
  let direct: pg.Pool;
  let pool: pg.Pool;
  let urlIds: number[];

  beforeAll(async () => {
    ds = await startDataServices({ config: { pools: { pgbouncerPoolSize: 4 } } });
    await runMigrations(ds.directDatabaseUrl);
    direct = testPool(ds.directDatabaseUrl, { max: 2 });
    pool = testPool(ds.databaseUrl, { max: 3, connectionTimeoutMillis: 2000 });
    const rows = await direct.query<{ id: string }>(
      `INSERT INTO urls (short_code, original_url) SELECT 'k' || g, 'https://example.com/' || g FROM generate_series(1, 4) g RETURNING id`);
    urlIds = rows.rows.map((r) => Number(r.id));
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await direct?.end();
    await ds?.stop();
  });
  beforeEach(async () => {
    await direct.query('DELETE FROM events');
    await direct.query('DELETE FROM click_batches');
    await direct.query('TRUNCATE click_days, click_referrers, click_agents, click_rollups_pending');
  });

  const click = (urlId: number, i: number): Click =>
    ({ urlId, userId: null, at: new Date(), referrer: i % 3 ? `https://ref${i % 3}.example/` : null, userAgent: `ua-${i % 5}`, ip: null });

  async function books(): Promise<{ events: number; days: number; referrers: number; agents: number; pending: number }> {
    const { rows } = await direct.query<{ events: number; days: number; referrers: number; agents: number; pending: number }>(
      `SELECT (SELECT count(*)::int FROM all_events WHERE event_type = 'click') AS events,
              (SELECT coalesce(sum(clicks), 0)::int FROM click_days) AS days,
              (SELECT coalesce(sum(clicks), 0)::int FROM click_referrers) AS referrers,
              (SELECT coalesce(sum(clicks), 0)::int FROM click_agents) AS agents,
              (SELECT count(*)::int FROM click_rollups_pending) AS pending`);
    return rows[0]!;
  }

  function buffer(opts: { rollupDelayMs: number; rollupDelayFrom: number; batchSize?: number }) {
    return new ClickBuffer({
      pool, metrics: createMetrics({ version: 't', commit: 't' }), logger, enrich, flushIntervalMs: 50, statementTimeoutMs: 5_000,
      batchSize: opts.batchSize ?? 50, maxBuffered: 100_000, rollupDelayMs: opts.rollupDelayMs, rollupDelayFrom: opts.rollupDelayFrom,
    });
  }

  it('writes a loaded batch\'s events at once and its counts after the delay, every key of them', async () => {
    const b = buffer({ rollupDelayMs: 4_000, rollupDelayFrom: 10 });
    b.start();
    try {
      for (let i = 0; i < 200; i++) b.record(click(urlIds[i % 4]!, i));
      await waitFor('the events', async () => (await books()).events === 200, 30_000);
      // Kept: the events are in, their counts wait in click_rollups_pending.
      const early = await books();
      expect(early.pending).toBeGreaterThan(0);
      expect(early.days).toBeLessThan(200);
      await waitFor('the counts', async () => (await books()).days === 200, 30_000);
      expect(await books()).toEqual({ events: 200, days: 200, referrers: 200, agents: 200, pending: 0 });
      // The same counts, key by key, as the events give.
      const perKey = await direct.query<{ same: boolean }>(
        `SELECT (SELECT array_agg(x ORDER BY x) FROM (SELECT url_id, ("timestamp" AT TIME ZONE 'UTC')::date, count(*) FROM all_events GROUP BY 1, 2) x)::text
              = (SELECT array_agg(x ORDER BY x) FROM (SELECT url_id, day, clicks FROM click_days) x)::text AS same`);
      expect(perKey.rows[0]!.same).toBe(true);
    } finally {
      await b.drain(10_000);
    }
  }, 60_000);

  it('adds a small batch\'s counts with its events, and a drain applies what is kept', async () => {
    const b = buffer({ rollupDelayMs: 60_000, rollupDelayFrom: 10 });
    for (let i = 0; i < 5; i++) b.record(click(urlIds[0]!, i));
    await b.drain(10_000);
    expect(await books()).toEqual({ events: 5, days: 5, referrers: 5, agents: 5, pending: 0 });
    // A loaded batch waits (a minute here): only the drain adds it.
    const c = buffer({ rollupDelayMs: 60_000, rollupDelayFrom: 10 });
    c.start();
    for (let i = 0; i < 40; i++) c.record(click(urlIds[1]!, i));
    await waitFor('the events', async () => (await books()).events === 45, 30_000);
    expect(await books()).toMatchObject({ days: 5, pending: 1 });
    await c.drain(10_000);
    expect(await books()).toEqual({ events: 45, days: 45, referrers: 45, agents: 45, pending: 0 });
  }, 60_000);

  /** Rows a writer kept and did not apply (it died, or was cut off): their ids. */
  async function keptBy(writer: PendingRollups, rollups: ReturnType<typeof aggregateClicks>, rows: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < rows; i++) {
      const s = keepRollups(writer.writer, rollups);
      ids.push(Number((await direct.query<{ id: string }>(s.text, s.values)).rows[0]!.id));
    }
    return ids;
  }

  it('applies every writer\'s kept rows at once when the oldest is due, a dead one\'s too, and never twice', async () => {
    const delayMs = 1_000;
    const clicks = Array.from({ length: 30 }, (_, i) => click(urlIds[i % 2]!, i));
    const rollups = aggregateClicks(clicks, clicks.map(enrich));
    const dead = new PendingRollups({ pool, logger, delayMs, statementTimeoutMs: 5_000 });
    const live = new PendingRollups({ pool, logger, delayMs, statementTimeoutMs: 5_000 });
    const deadIds = await keptBy(dead, rollups, 2);
    for (const id of await keptBy(live, rollups, 1)) live.add(id);
    // Not yet due: nothing is added, and its own row is still kept.
    expect(await live.apply()).toBe(true);
    expect(live.size).toBe(1);
    expect((await books()).pending).toBe(3);
    await new Promise((r) => setTimeout(r, delayMs + 100));
    expect(live.due()).toBe(true);
    expect(await live.apply()).toBe(true);
    expect(live.size).toBe(0);
    expect(await books()).toMatchObject({ days: 90, referrers: 90, agents: 90, pending: 0 });
    // The writer was only cut off: its apply finds its rows gone, forgets them, adds nothing.
    for (const id of deadIds) dead.add(id);
    expect(await dead.apply(true)).toBe(true);
    expect(dead.size).toBe(0);
    expect(await books()).toMatchObject({ days: 90, pending: 0 });
  }, 60_000);

  it('lets one applier at a time add the kept counts: two at once add each row once', async () => {
    const clicks = Array.from({ length: 12 }, (_, i) => click(urlIds[i % 4]!, i));
    const rollups = aggregateClicks(clicks, clicks.map(enrich));
    const a = new PendingRollups({ pool, logger, delayMs: 60_000, statementTimeoutMs: 5_000 });
    const b = new PendingRollups({ pool, logger, delayMs: 60_000, statementTimeoutMs: 5_000 });
    for (const id of await keptBy(a, rollups, 3)) a.add(id);
    for (const id of await keptBy(b, rollups, 3)) b.add(id);
    // Held for a moment by a third transaction: neither may apply while it does.
    const holder = await direct.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT pg_advisory_xact_lock(${KEPT_ROLLUPS_APPLIER_LOCK})`);
      expect(await Promise.all([a.apply(true), b.apply(true)])).toEqual([true, true]);
      expect(await books()).toMatchObject({ days: 0, pending: 6 });
      expect([a.size, b.size]).toEqual([3, 3]);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    await Promise.all([a.apply(true), b.apply(true)]);
    // One of them applied all six rows; the other, at its next try, knows its own are done.
    await Promise.all([a.apply(true), b.apply(true)]);
    expect([a.size, b.size]).toEqual([0, 0]);
    expect(await books()).toMatchObject({ days: 72, referrers: 72, agents: 72, pending: 0 });
  }, 60_000);

  it('claims half as many rows after a failed try, and as many again after one that worked', async () => {
    const clicks = Array.from({ length: 8 }, (_, i) => click(urlIds[i % 4]!, i));
    const rollups = aggregateClicks(clicks, clicks.map(enrich));
    let down = true;
    const flaky = { connect: () => (down ? Promise.reject(new Error('database down')) : pool.connect()) } as unknown as pg.Pool;
    const p = new PendingRollups({ pool: flaky, logger, delayMs: 60_000, statementTimeoutMs: 5_000, rowsPerApply: 4 });
    for (const id of await keptBy(p, rollups, 6)) p.add(id);
    expect(await p.apply(true)).toBe(false);
    down = false;
    // 2 of the 6 rows (half of 4), then 4.
    expect(await p.apply(true)).toBe(true);
    expect(await books()).toMatchObject({ days: 16, pending: 4 });
    expect(p.size).toBe(4);
    expect(await p.apply(true)).toBe(true);
    expect(await books()).toMatchObject({ days: 48, pending: 0 });
    expect(p.size).toBe(0);
  }, 60_000);

  it('keeps the counts as json compressed with lz4 (this server has it)', async () => {
    const { rows } = await direct.query<{ type: string; compression: string }>(
      `SELECT format_type(atttypid, atttypmod) AS type, attcompression AS compression FROM pg_attribute
        WHERE attrelid = 'click_rollups_pending'::regclass AND attname = 'rollups'`);
    expect(rows[0]).toEqual({ type: 'json', compression: 'l' });
  });

  it('sums batches key by key, null apart from an empty string, each key once in order of first appearance', () => {
    const at = new Date(Date.UTC(2026, 11, 2, 10));
    const desktop = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    const phone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
    const one = (urlId: number, referrer: string | null, userAgent: string): Click => ({ urlId, userId: null, at, referrer, userAgent, ip: null });
    const a = [one(1, null, desktop), one(1, '', desktop), one(2, 'https://r.example/', desktop)];
    const b = [one(2, 'https://r.example/', desktop), one(1, null, phone), one(3, null, desktop)];
    const sums = new RollupSums();
    sums.add(aggregateClicks(a, a.map(enrich)));
    sums.add(aggregateClicks(b, b.map(enrich)));
    const r = sums.rollups;
    expect(r.days).toEqual({ url: [1, 2, 3], day: ['2026-12-02', '2026-12-02', '2026-12-02'], n: [3, 2, 1] });
    expect(r.referrers).toEqual({ url: [1, 1, 2, 3], referrer: [null, '', 'https://r.example/', null], n: [2, 1, 2, 1] });
    expect(r.agents.url).toEqual([1, 2, 1, 3]);
    expect(r.agents.n).toEqual([2, 2, 1, 1]);
    expect(r.agents.device[2]).not.toEqual(r.agents.device[0]);
    expect(r.urls.id).toEqual([]);
  });
});
