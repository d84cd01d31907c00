// ClickBuffer against real PostgreSQL behind PgBouncer (transaction mode): exact counts after a
// burst and a drain, bounded buffering while the database is stopped, recovery after its restart,
// and a COMMIT whose reply is lost never counted twice.
import { createEnricher } from '../../src/clicks/enricher.js';
import { noCountry } from '../../src/clicks/country.js';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../infra/loopback/servers/ports.js';
import { startDataServices, type DataServices } from '../../../infra/loopback/data-services.js';
import { ClickBuffer, type Click } from '../../src/clicks/click-buffer.js';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { instrumentPool } from '../../src/metrics/pool.js';
import { runMigrations } from '../../src/migrate.js';
import { testPool } from '../support/test-pool.js';

const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });

async function value(metrics: Metrics, name: keyof Metrics): Promise<number> {
  const metric = metrics[name] as { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> };
  const got = await metric.get();
  return got.values.filter((v) => v.labels.le === undefined).reduce((sum, v) => sum + v.value, 0);
}

describe('ClickBuffer on real PostgreSQL via PgBouncer', () => {
  let ds: DataServices;
  let direct: pg.Pool;
  let urlIds: number[];

  beforeAll(async () => {
    ds = await startDataServices({ config: { pools: { pgbouncerPoolSize: 4 } } });
    await runMigrations(ds.directDatabaseUrl);
    direct = testPool(ds.directDatabaseUrl, { max: 2 });
    const rows = await direct.query<{ id: string }>(
      `INSERT INTO urls (short_code, original_url, is_active) SELECT 'c' || g, 'https://example.com/' || g, true
       FROM generate_series(1, 5) g RETURNING id`);
    urlIds = rows.rows.map((r) => Number(r.id));
  });
  afterAll(async () => {
    await direct?.end();
    await ds?.stop();
  });
  beforeEach(async () => {
    await direct.query('DELETE FROM events');
    await direct.query('DELETE FROM click_batches');
    await direct.query('TRUNCATE click_days, click_referrers, click_agents');
  });

  const click = (urlId: number, i: number): Click =>
    ({ urlId, userId: null, at: new Date(), referrer: i % 2 ? 'https://ref.example/' : null, userAgent: `ua-${i}`, ip: null });

  async function counts(): Promise<{ events: number; clickCount: number }> {
    const e = await direct.query<{ n: number }>("SELECT count(*)::int AS n FROM all_events WHERE event_type = 'click'");
    const c = await direct.query<{ n: number }>('SELECT coalesce(sum(link_clicks(id)), 0)::int AS n FROM urls');
    return { events: e.rows[0]!.n, clickCount: c.rows[0]!.n };
  }

  // Statement timeout and drains sized for a busy machine: a flush of 100 took over 300 ms at load 13.
  function setup(opts: { batchSize?: number; maxBuffered?: number; flushIntervalMs?: number; pool?: pg.Pool } = {}) {
    const metrics = createMetrics({ version: 't', commit: 't' });
    const pool = opts.pool ?? testPool(ds.databaseUrl, { max: 3, connectionTimeoutMillis: 1000 });
    instrumentPool(pool, metrics);
    const buffer = new ClickBuffer({
      pool, metrics, logger, flushIntervalMs: opts.flushIntervalMs ?? 50, statementTimeoutMs: 5_000, enrich: createEnricher(noCountry),
      batchSize: opts.batchSize ?? 100, maxBuffered: opts.maxBuffered ?? 10_000,
    });
    return { metrics, pool, buffer };
  }

  it('counts a burst exactly, in batches, with events and click_count agreeing after a drain', async () => {
    const { metrics, pool, buffer } = setup({ batchSize: 100, flushIntervalMs: 10_000 });
    buffer.start();
    const n = 2_345;
    for (let i = 0; i < n; i++) buffer.record(click(urlIds[i % urlIds.length]!, i));
    await buffer.drain(30_000);
    expect(await counts()).toEqual({ events: n, clickCount: n });
    const perUrl = await direct.query<{ click_count: string }>('SELECT link_clicks(id) AS click_count FROM urls ORDER BY id');
    expect(perUrl.rows.map((r) => Number(r.click_count))).toEqual([469, 469, 469, 469, 469]);
    const details = await direct.query("SELECT details FROM all_events WHERE details->>'user_agent' = 'ua-1'");
    expect(details.rows[0].details).toEqual({ referrer: 'https://ref.example/', user_agent: 'ua-1', bot: true, device: 'bot', browser: null, os: null, country: null });
    expect(await value(metrics, 'clicksFlushed')).toBe(n);
    expect(await value(metrics, 'clickFlushFailures')).toBe(0);
    const flushes = (await metrics.clickFlushDuration.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value;
    expect(flushes).toBe(24); // 23 full batches of 100 on the way, the last 45 by the drain
    expect(buffer.depth).toBe(0);
    // Pool instrumentation saw the acquisitions.
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/shortstack_db_pool_wait_seconds_count [1-9]/);
    expect(text).toContain('shortstack_db_pool_connections{state="total"}');
    await pool.end();
  });

  it('counts every click once when two replicas flush batches of the same links at once, with no failed flush', async () => {
    // No row of urls is locked any more: two flushes sharing keys wait for each other on the
    // roll-up rows, taken in key order. A deadlock or a lost update would show here.
    const sides = [setup({ batchSize: 1000, maxBuffered: 50_000, flushIntervalMs: 10_000 }), setup({ batchSize: 1000, maxBuffered: 50_000, flushIntervalMs: 10_000 })];
    const n = 20_000;
    for (const [s, { buffer }] of sides.entries()) {
      for (let i = 0; i < n; i++) {
        // The two sides walk the links in opposite orders, with the same referrers and agents.
        const url = urlIds[s === 0 ? i % urlIds.length : urlIds.length - 1 - (i % urlIds.length)]!;
        buffer.record({ ...click(url, i), referrer: `https://r${i % 7}.example/`, userAgent: `ua-${i % 50}` });
      }
    }
    await Promise.all(sides.map(({ buffer }) => buffer.drain(60_000)));
    expect(await counts()).toEqual({ events: 2 * n, clickCount: 2 * n });
    for (const { metrics } of sides) {
      expect(await value(metrics, 'clickFlushFailures')).toBe(0);
      expect(await value(metrics, 'clicksFlushed')).toBe(n);
    }
    const referrers = await direct.query<{ n: number }>('SELECT sum(clicks)::int AS n FROM click_referrers');
    const agents = await direct.query<{ n: number }>('SELECT sum(clicks)::int AS n FROM click_agents');
    expect([referrers.rows[0]!.n, agents.rows[0]!.n]).toEqual([2 * n, 2 * n]);
    await Promise.all(sides.map(({ pool }) => pool.end()));
  });

  it('writes referrers and agents holding tabs, newlines, backslashes and quotes byte for byte, rolled up once', async () => {
    const { pool, buffer } = setup({ batchSize: 10, flushIntervalMs: 10_000 });
    await direct.query('DELETE FROM click_referrers WHERE url_id = $1', [urlIds[4]]);
    const odd = ['tab\there', 'line\nbreak\r', 'back\\slash \\N "quoted" \u00e9\u{1F600}', '\\.'];
    for (const [i, s] of odd.entries()) buffer.record({ ...click(urlIds[4]!, i), referrer: `https://ref.example/${s}`, userAgent: s });
    await buffer.drain(30_000);
    const rows = await direct.query<{ details: { referrer: string; user_agent: string } }>(
      "SELECT details FROM all_events WHERE event_type = 'click' ORDER BY id");
    expect(rows.rows.map((r) => [r.details.referrer, r.details.user_agent])).toEqual(odd.map((s) => [`https://ref.example/${s}`, s]));
    const referrers = await direct.query<{ referrer: string; clicks: number }>(
      'SELECT referrer, clicks::int FROM click_referrers WHERE url_id = $1 ORDER BY referrer', [urlIds[4]]);
    expect(referrers.rows).toEqual(odd.map((s) => ({ referrer: `https://ref.example/${s}`, clicks: 1 })).sort((a, b) => (a.referrer < b.referrer ? -1 : 1)));
    await pool.end();
  });

  it('flushes on the interval when fewer than a batch arrive', async () => {
    const { pool, buffer } = setup({ batchSize: 1000, flushIntervalMs: 50 });
    buffer.start();
    const at = new Date('2026-03-04T05:06:07.089Z');
    for (let i = 0; i < 7; i++) buffer.record({ ...click(urlIds[0]!, i), at });
    // Polled, not read after a fixed pause: a busy machine delays the interval's flush.
    await waitFor('the interval flush', async () => (await counts()).events === 7, 30_000);
    expect(await counts()).toEqual({ events: 7, clickCount: 7 });
    const times = await direct.query<{ timestamp: Date }>('SELECT DISTINCT "timestamp" FROM all_events');
    expect(times.rows.map((r) => r.timestamp.toISOString())).toEqual([at.toISOString()]);
    await buffer.drain(30_000);
    await pool.end();
  });

  it('keeps clicks while the database is stopped, drops the oldest past the bound, and recovers by itself', async () => {
    const { metrics, pool, buffer } = setup({ batchSize: 50, maxBuffered: 200, flushIntervalMs: 50 });
    buffer.start();
    await ds.postgres.stop();
    try {
      const started = Date.now();
      for (let i = 0; i < 300; i++) buffer.record(click(urlIds[1]!, i));
      // record never waits for the database: a blocked one would take the pool's 2 s connect timeout.
      expect(Date.now() - started).toBeLessThan(1_000);
      await waitFor('a failed flush', async () => (await value(metrics, 'clickFlushFailures')) > 0, 30_000);
      expect(buffer.depth).toBe(200);
      expect(await value(metrics, 'clicksDropped')).toBe(100);
      expect(await value(metrics, 'clickBufferOldest')).toBeGreaterThan(0.2);
    } catch (err) {
      await buffer.drain(0); // stop its timer: nothing of this test may leak into the next
      throw err;
    } finally {
      await ds.postgres.start();
    }
    await buffer.drain(30_000);
    expect(await counts()).toEqual({ events: 200, clickCount: 200 });
    // Kept: the first batch (ua-0..49, in flight when the database went) and the newest 150;
    // the oldest waiting clicks (ua-50..149) made room.
    const kept = await direct.query<{ n: number }>("SELECT (substr(details->>'user_agent', 4))::int AS n FROM all_events ORDER BY 1");
    const expected = [...Array.from({ length: 50 }, (_, i) => i), ...Array.from({ length: 150 }, (_, i) => 150 + i)];
    expect(kept.rows.map((r) => r.n)).toEqual(expected);
    await pool.end();
  });

  it('never counts twice when a COMMIT succeeds but its reply is lost, and retries one that never ran', async () => {
    // Fault injection on a real connection: the first COMMIT reaches PostgreSQL and commits, then the
    // client reports the connection lost; the second batch's COMMIT fails before it is sent.
    const pool = testPool(ds.databaseUrl, { max: 3 });
    let commits = 0;
    const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
    const faulty = async () => {
      const client = await connect();
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: typeof query }).query = (...args) => {
        if ((args[0] as { text?: string }).text !== 'COMMIT') return query(...args);
        commits += 1;
        if (commits === 1) {
          return (query(...args) as Promise<unknown>).then(() => { throw new Error('Connection terminated unexpectedly'); });
        }
        if (commits === 2) return Promise.reject(new Error('Connection terminated unexpectedly'));
        return query(...args);
      };
      return client;
    };
    type Callback = (err: unknown, client?: pg.PoolClient, done?: () => void) => void;
    // pool.query calls connect with a callback; the flusher awaits it.
    (pool as unknown as { connect: (cb?: Callback) => unknown }).connect = (cb?: Callback) => {
      if (!cb) return faulty();
      faulty().then((c) => cb(undefined, c, () => c.release()), (err: unknown) => cb(err));
      return undefined;
    };
    const { metrics, buffer } = setup({ batchSize: 10, flushIntervalMs: 10_000, pool });
    for (let i = 0; i < 10; i++) buffer.record(click(urlIds[2]!, i));
    await buffer.drain(30_000);
    expect(await counts()).toEqual({ events: 10, clickCount: 10 });
    for (let i = 0; i < 10; i++) buffer.record(click(urlIds[2]!, i));
    await buffer.drain(30_000);
    expect(await counts()).toEqual({ events: 20, clickCount: 20 });
    expect(await value(metrics, 'clickFlushFailures')).toBe(2);
    expect(await value(metrics, 'clicksFlushed')).toBe(20);
    await pool.end();
  });

  it('skips clicks of urls that no longer exist instead of failing the batch forever', async () => {
    const { pool, buffer } = setup({ batchSize: 10 });
    buffer.record(click(urlIds[3]!, 0));
    buffer.record(click(999_999, 1));
    buffer.record(click(urlIds[3]!, 2));
    await buffer.drain(30_000);
    expect(await counts()).toEqual({ events: 2, clickCount: 2 });
    expect(buffer.depth).toBe(0);
    // A batch none of whose links exists.
    buffer.record(click(999_998, 3));
    buffer.record(click(999_999, 4));
    await buffer.drain(30_000);
    expect(await counts()).toEqual({ events: 2, clickCount: 2 });
    expect(buffer.depth).toBe(0);
    await pool.end();
  });
});
