// Clicks from redirects are buffered in memory and written in batches, so a redirect never waits
// on a database write. One transaction per batch COPYs the 'click' events and adds the batch's
// counts to the stats roll-ups (a link's click_count is the sum of its days), or under load
// (batches of rollupDelayFrom clicks or more) keeps the counts in click_rollups_pending, added
// later with other batches' (pending-rollups.ts): the stats then trail the events by
// up to about rollupDelayMs, and agree again once they are added (by whichever replica's turn it is).
//
// Exactness and its bounds:
// - A click is counted at most once. A batch whose COMMIT failed has an unknown outcome (the
//   connection may have died after the server committed). Its transaction id was read inside
//   the transaction, and before anything else is written the batch is resolved with
//   txid_status(): committed -> done, aborted -> retried, still unknown -> asked again on the
//   next tick. A status too old to know (null) is taken as committed: never twice.
// - A graceful stop (drain) loses nothing while the database answers within the drain timeout.
// - A crash loses what is in memory: at most about one flush interval of clicks (or more while
//   the database is down), never more than maxBuffered + one batch. Kept roll-ups are in the
//   database with their events: another replica (or the next start) adds them.
// - When the database stays down the buffer is bounded: past maxBuffered clicks (the batch in
//   flight included) the oldest waiting click is dropped and counted.
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.js';
import { clicksInOrder, copyLines, prepareBatch, type PreparedBatch } from './batch-prep.js';
import {
  beginFlush, clickDeliveries, keepRollups, rollUpClicks, takeClickIds, urlsPast, type FlushStart, type Statement,
} from './click-sql.js';
import { COPY_CLICK_BATCHES, spansOf, type TakenIds } from './batch-rows.js';
import { PendingRollups } from './pending-rollups.js';
import type { Enrich } from './enricher.js';
import { ClickQueue, type ClickBatch } from './click-queue.js';

export interface Click { urlId: number; userId: number | null; at: Date; referrer: string | null; userAgent: string | null; /** The socket's address, for the country (worked out in the flush, not here). */ ip: string | null;
  /** The raw X-Forwarded-For, believed in the flush only from trusted proxies (see client-address.ts). */ forwardedFor?: string | null }

export interface ClickBufferOptions {
  pool: pg.Pool;
  metrics: Metrics;
  flushIntervalMs: number;
  batchSize: number;
  maxBuffered: number;
  logger: Logger;
  /** The traits each click's event records (bot, device, browser, OS, country): computed here, in the flush. */
  enrich: Enrich;
  /**
   * How long a batch's roll-up counts may wait to be added with later batches' (0: never, each
   * batch adds its own). Only batches of at least rollupDelayFrom clicks wait: a replica under
   * light load rolls up as it writes.
   */
  rollupDelayMs?: number;
  rollupDelayFrom?: number;
  /**
   * Bound on each statement of a flush. Through PgBouncer a stopped database does not fail a
   * query: it waits (query_wait_timeout, 120 s by default). The flusher gives up sooner and retries.
   */
  statementTimeoutMs?: number;
}

interface Batch {
  clicks: ClickBatch;
  /** Set when COMMIT failed: the outcome must be resolved before a retry. */
  uncertainXid: string | null;
  /** Its traits, COPY text and roll-ups, worked out once (a retry reuses them). */
  prepared?: PreparedBatch;
  /** The row of click_rollups_pending that keeps its roll-ups for later, once its transaction commits. */
  kept?: number;
}

type Outcome = 'committed' | 'aborted' | 'unknown';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ClickBuffer {
  private readonly queue = new ClickQueue();
  private batch: Batch | null = null;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | null = null;

  private readonly statementTimeoutMs: number;
  /** Roll-ups kept for later (undefined: every batch adds its own). */
  private readonly pending: PendingRollups | undefined;
  private readonly rollupDelayFrom: number;

  constructor(private readonly opts: ClickBufferOptions) {
    this.statementTimeoutMs = opts.statementTimeoutMs ?? 5_000;
    this.rollupDelayFrom = opts.rollupDelayFrom ?? 1_000;
    this.pending = (opts.rollupDelayMs ?? 0) > 0
      ? new PendingRollups({ pool: opts.pool, logger: opts.logger, delayMs: opts.rollupDelayMs!, statementTimeoutMs: this.statementTimeoutMs })
      : undefined;
    opts.metrics.probes.clickBuffer = () => {
      const oldestAt = this.batch && this.batch.clicks.length > 0 ? this.batch.clicks.atMs(0) : this.queue.oldestAt();
      return {
        depth: this.depth,
        oldestSeconds: oldestAt === undefined ? 0 : Math.max(0, (Date.now() - oldestAt) / 1000),
        keptOldestSeconds: (this.pending?.oldestAgeMs() ?? 0) / 1000,
      };
    };
  }

  /** Clicks not yet written (waiting, or in the batch being written). */
  get depth(): number {
    return this.queue.length + (this.batch?.clicks.length ?? 0);
  }

  /** Never blocks, never throws: the redirect has already been answered or is about to be. */
  record(click: Click): void {
    try {
      if (this.depth >= this.opts.maxBuffered) {
        this.opts.metrics.clicksDropped.inc();
        // The batch in flight is kept; the oldest waiting click makes room (or this one if none waits).
        if (!this.queue.dropOldest()) return;
      }
      this.queue.push(click);
      if (this.queue.length >= this.opts.batchSize) this.kick();
    } catch (err) {
      this.opts.logger.error({ err }, 'click not recorded');
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.opts.flushIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes everything buffered, giving up after timeoutMs. */
  async drain(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + timeoutMs;
    const untilEmpty = async () => {
      while (this.depth > 0 && Date.now() < deadline) {
        this.kick();
        await this.flushing;
        // A failed attempt (database down): pause briefly rather than spin.
        if (this.depth > 0) await sleep(Math.min(100, this.opts.flushIntervalMs));
      }
    };
    // Then its kept roll-ups, at once (others' with them): a stopped replica leaves none waiting.
    const keptApplied = async () => {
      while (this.pending && this.pending.size > 0 && Date.now() < deadline) {
        if (!(await this.pending.apply(true))) await sleep(Math.min(100, this.opts.flushIntervalMs));
      }
    };
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([untilEmpty().then(keptApplied), new Promise((r) => { timeout = setTimeout(r, timeoutMs); })]);
    clearTimeout(timeout);
    if (this.depth > 0) this.opts.logger.error({ unwritten: this.depth }, 'click buffer not drained before timeout');
    if (this.pending && this.pending.size > 0) {
      this.opts.logger.error({ batches: this.pending.size }, 'kept click roll-ups not applied before timeout: the next apply of any replica adds them');
    }
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushWhileFull().finally(() => { this.flushing = null; });
  }

  /** One batch; more at once only while a full batch is waiting (a burst), else the next tick. */
  private async flushWhileFull(): Promise<void> {
    let progressed = await this.flushOnce();
    while (progressed && this.queue.length >= this.opts.batchSize) progressed = await this.flushOnce();
    if (this.pending?.due()) await this.pending.apply();
  }

  private async flushOnce(): Promise<boolean> {
    if (this.batch?.uncertainXid) {
      const outcome = await this.resolve(this.batch.uncertainXid);
      if (outcome === 'unknown') return false;
      if (outcome === 'committed') {
        this.opts.metrics.clicksFlushed.inc(this.batch.clicks.length);
        if (this.batch.kept !== undefined) this.pending!.add(this.batch.kept);
        this.batch = null;
      } else {
        this.batch.uncertainXid = null;
      }
    }
    if (!this.batch) {
      if (this.queue.length === 0) return false;
      this.batch = { clicks: this.queue.take(this.opts.batchSize), uncertainXid: null };
    }
    return this.write(this.batch);
  }

  private async write(batch: Batch): Promise<boolean> {
    const { pool, metrics, logger } = this.opts;
    const endTimer = metrics.clickFlushDuration.startTimer();
    let client: pg.PoolClient | undefined;
    let xid: string | null = null;
    let committing = false;
    let bots = 0;
    const onClientError = () => undefined; // surfaced through the failing query instead
    batch.kept = undefined;
    try {
      batch.prepared ??= await prepareBatch(batch.clicks, this.opts.enrich);
      let prepared = batch.prepared;
      client = await pool.connect();
      client.on('error', onClientError);
      const conn = client;
      // query_timeout is pg's client-side bound: the query rejects and the connection is destroyed below.
      const run = <R extends pg.QueryResultRow>(s: Statement) =>
        conn.query<R>({ text: s.text, values: s.values, query_timeout: this.statementTimeoutMs } as pg.QueryConfig);
      await run({ text: 'BEGIN', values: [] });
      const start = (await run<FlushStart>(beginFlush)).rows[0]!;
      xid = start.xid;
      const missing = urlsPast(prepared.urlIds, start.last_url);
      // A link missing since its clicks (a restore to an older backup; rare): the rest of the batch worked out again without them.
      if (missing.length > 0) {
        const gone = new Set(missing);
        prepared = await prepareBatch(batch.clicks.filter((urlId) => !gone.has(urlId)), this.opts.enrich);
      }
      const { traits } = prepared;
      if (traits.length > 0) {
        for (const t of traits) if (t.bot) bots++;
        const spans = spansOf((await run<TakenIds>(takeClickIds(traits.length))).rows[0]!, traits.length);
        await this.copy(conn, COPY_CLICK_BATCHES, [copyLines(prepared, spans).join('')]);
        const keeper = traits.length >= this.rollupDelayFrom ? this.pending : undefined;
        const counted = await run<{ id?: number | string; webhooks: boolean }>(
          keeper ? keepRollups(keeper.writer, prepared.rollups) : rollUpClicks(prepared.rollups));
        if (keeper) batch.kept = Number(counted.rows[0]!.id);
        if (counted.rows[0]?.webhooks) await run(clickDeliveries(clicksInOrder(prepared), traits));
      }
      committing = true;
      await run({ text: 'COMMIT', values: [] });
      client.off('error', onClientError);
      client.release();
      endTimer();
      metrics.clicksFlushed.inc(batch.clicks.length);
      metrics.clicksByAgent.labels('bot').inc(bots);
      metrics.clicksByAgent.labels('human').inc(batch.clicks.length - bots);
      if (batch.kept !== undefined) this.pending!.add(batch.kept);
      this.batch = null;
      return true;
    } catch (err) {
      endTimer();
      metrics.clickFlushFailures.inc();
      if (committing) batch.uncertainXid = xid;
      if (client) {
        client.off('error', onClientError);
        // Destroy rather than reuse: the connection may be broken or mid-transaction.
        client.release(true);
      }
      logger.warn({ err, clicks: batch.clicks.length, uncertain: committing }, 'click flush failed; batch kept for retry');
      return false;
    }
  }

  /** COPY ... FROM STDIN of the text's pieces, bounded like a statement (the connection is destroyed on failure). */
  private async copy(client: pg.PoolClient, sql: string, text: readonly string[]): Promise<void> {
    const stream = client.query(copyFrom(sql));
    const timer = setTimeout(() => stream.destroy(new Error(`COPY not done in ${this.statementTimeoutMs} ms`)), this.statementTimeoutMs);
    try {
      for (const piece of text) stream.write(piece);
      stream.end();
      await finished(stream);
    } finally {
      clearTimeout(timer);
    }
  }

  private async resolve(xid: string): Promise<Outcome> {
    try {
      const res = await this.opts.pool.query<{ status: string | null }>({
        text: 'SELECT txid_status($1::bigint) AS status', values: [xid], query_timeout: this.statementTimeoutMs,
      } as pg.QueryConfig);
      const status = res.rows[0]?.status ?? null;
      if (status === 'aborted') return 'aborted';
      if (status === 'in progress') return 'unknown';
      return 'committed';
    } catch {
      return 'unknown';
    }
  }
}
