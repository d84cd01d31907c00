// Click roll-ups kept for later (click-buffer.ts, pending-rollups.ts) against real PostgreSQL
// behind PgBouncer: a loaded replica's batches write their events at once and their counts
// later, all of them; a small batch adds its own at once; a drain leaves nothing kept; a replica
// that died leaves rows another applies once stale, and no count is ever added twice, whoever
// claims a row first.
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../infra/loopback/servers/ports.js';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { ClickBuffer, type Click } from '../../src/clicks/click-buffer.js';
import { aggregateClicks, keepRollups, mergeRollups } from '../../src/clicks/click-sql.js';
import { createEnricher } from '../../src/clicks/enricher.js';
import { noCountry } from '../../src/clicks/country.js';
import { PendingRollups, staleAfterMs } from '../../src/clicks/pending-rollups.js';
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
    await direct.query('TRUNCATE click_days, click_referrers, click_agents, click_rollups_pending');
  });

  const click = (urlId: number, i: number): Click =>
    ({ urlId, userId: null, at: new Date(), referrer: i % 3 ? `https://ref${i % 3}.example/` : null, userAgent: `ua-${i % 5}`, ip: null });

  async function books(): Promise<{ events: number; days: number; referrers: number; agents: number; pending: number }> {
    const { rows } = await direct.query<{ events: number; days: number; referrers: number; agents: number; pending: number }>(
      `SELECT (SELECT count(*)::int FROM events WHERE event_type = 'click') AS events,
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
        `SELECT (SELECT array_agg(x ORDER BY x) FROM (SELECT url_id, ("timestamp" AT TIME ZONE 'UTC')::date, count(*) FROM events GROUP BY 1, 2) x)::text
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

  it('applies the rows of a writer that died once they are stale, and never twice', async () => {
    const delayMs = 1_000;
    const clicks = Array.from({ length: 30 }, (_, i) => click(urlIds[i % 2]!, i));
    const rollups = aggregateClicks(clicks, clicks.map(enrich));
    // A writer that kept two batches' counts and died before applying them.
    const dead = new PendingRollups({ pool, logger, delayMs, statementTimeoutMs: 5_000 });
    const ids: number[] = [];
    for (const s of [keepRollups(dead.writer, rollups), keepRollups(dead.writer, rollups)]) {
      ids.push(Number((await direct.query<{ id: string }>(s.text, s.values)).rows[0]!.id));
    }
    const other = new PendingRollups({ pool, logger, delayMs, statementTimeoutMs: 5_000 });
    // Not yet stale: left to their writer.
    expect(await other.recover()).toBe(0);
    expect((await books()).pending).toBe(2);
    await new Promise((r) => setTimeout(r, staleAfterMs(delayMs) + 100));
    expect(await other.recover()).toBe(2);
    expect(await books()).toMatchObject({ days: 60, referrers: 60, agents: 60, pending: 0 });
    // The writer was only cut off: its own apply now claims nothing, and adds nothing.
    for (const id of ids) dead.add(id, rollups);
    expect(await dead.apply()).toBe(true);
    expect(dead.size).toBe(0);
    expect(await books()).toMatchObject({ days: 60, pending: 0 });
  }, 60_000);

  it('keeps the counts as json compressed with lz4 (this server has it)', async () => {
    const { rows } = await direct.query<{ type: string; compression: string }>(
      `SELECT format_type(atttypid, atttypmod) AS type, attcompression AS compression FROM pg_attribute
        WHERE attrelid = 'click_rollups_pending'::regclass AND attname = 'rollups'`);
    expect(rows[0]).toEqual({ type: 'json', compression: 'l' });
  });

  it('merges batches side by side, keys repeating (the statement adds them up)', () => {
    const a = aggregateClicks([click(1, 1)], [enrich(click(1, 1))]);
    const m = mergeRollups([a, a]);
    expect(m.days).toEqual({ url: [1, 1], day: [a.days.day[0], a.days.day[0]], n: [1, 1] });
    expect(m.agents.n).toEqual([1, 1]);
    expect(m.urls.id).toEqual([]);
  });
});
