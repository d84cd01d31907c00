// A replica's click roll-ups kept for later. Under load the flush writes a batch's events at once
// and its counts a few seconds later, several batches' in one statement: a hot link's roll-up
// rows are then updated once per few seconds, not once per batch (a quarter or more of
// PostgreSQL's CPU per click in `npm run bench`). Each kept batch's counts are also written to
// click_rollups_pending in its events' transaction, so nothing is only in memory:
// - this replica applies its kept batches once the oldest has waited `delayMs`, claiming their
//   rows (DELETE ... RETURNING) in the transaction that adds the counts: a row claimed by another
//   applier is not added again, and a COMMIT of unknown outcome is settled by the next claim;
// - rows of a replica that died (or cannot reach the database) are applied by any other replica,
//   or by its own next start, once they are older than staleAfterMs(delayMs).
// The stats and click_count trail the events by up to about `delayMs` more while this is in use.
import type pg from 'pg';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { claimOwnRollups, claimStaleRollups, mergeRollups, rollUpClicks, type ClickRollups, type Statement } from './click-sql.js';

export interface PendingRollupsOptions {
  pool: pg.Pool;
  logger: Logger;
  /** How long a kept batch waits before its counts are added. */
  delayMs: number;
  statementTimeoutMs: number;
}

/** Rows older than this belong to a writer that is gone (a live one applies its rows at about delayMs). */
export const staleAfterMs = (delayMs: number): number => 3 * delayMs;

/** Stale rows applied per recovery transaction. */
const RECOVER_ROWS = 100;

interface Kept { id: number; at: number; rollups: ClickRollups }

export class PendingRollups {
  /** This process's name on its rows. */
  readonly writer = randomUUID();
  private kept: Kept[] = [];
  private lastRecovery = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: PendingRollupsOptions) {}

  /** Batches kept and not yet applied. */
  get size(): number {
    return this.kept.length;
  }

  /** A batch whose events and pending row committed (row `id`). */
  add(id: number, rollups: ClickRollups, at = Date.now()): void {
    this.kept.push({ id, at, rollups });
  }

  /** How long the oldest kept batch has waited (0: none). */
  oldestAgeMs(now = Date.now()): number {
    return this.kept.length > 0 ? Math.max(0, now - this.kept[0]!.at) : 0;
  }

  /** Whether the oldest kept batch has waited its delay. */
  due(now = Date.now()): boolean {
    return this.kept.length > 0 && now - this.kept[0]!.at >= this.opts.delayMs;
  }

  /**
   * Adds the kept batches' counts in one transaction that claims their rows; those another
   * applier claimed first are left out. False when it failed: they stay kept for the next try.
   */
  async apply(): Promise<boolean> {
    const batch = this.kept.slice();
    if (batch.length === 0) return true;
    try {
      await this.inTransaction(async (run) => {
        const claimed = new Set((await run<{ id: number | string }>(claimOwnRollups(batch.map((k) => k.id)))).rows.map((r) => Number(r.id)));
        const mine = batch.filter((k) => claimed.has(k.id));
        if (mine.length > 0) await run(rollUpClicks(mergeRollups(mine.map((k) => k.rollups))));
      });
    } catch (err) {
      this.opts.logger.warn({ err, batches: batch.length }, 'kept click roll-ups not applied; kept for the next try');
      return false;
    }
    const done = new Set(batch.map((k) => k.id));
    this.kept = this.kept.filter((k) => !done.has(k.id));
    return true;
  }

  /**
   * Applies other writers' rows older than staleAfterMs, at most once per delayMs. Returns how
   * many rows it applied (0 when not yet time, or on failure: the rows stay for the next try).
   */
  async recover(now = Date.now()): Promise<number> {
    if (now - this.lastRecovery < this.opts.delayMs) return 0;
    this.lastRecovery = now;
    try {
      const applied = await this.inTransaction(async (run) => {
        const { rows } = await run<{ rollups: Omit<ClickRollups, 'urls'> }>(claimStaleRollups(this.writer, staleAfterMs(this.opts.delayMs), RECOVER_ROWS));
        if (rows.length > 0) await run(rollUpClicks(mergeRollups(rows.map((r) => r.rollups))));
        return rows.length;
      });
      if (applied > 0) this.opts.logger.info({ batches: applied }, "applied kept click roll-ups of a replica that did not (stopped, or cut off from the database)");
      return applied;
    } catch (err) {
      this.opts.logger.warn({ err }, 'stale click roll-ups not applied; retried later');
      return 0;
    }
  }

  /**
   * Not db/pool.ts's inTransaction: a statement past its bound leaves the connection busy (pg's
   * query_timeout only rejects), and a ROLLBACK queued behind it would wait as long. The client
   * is destroyed instead, as the click flush does.
   */
  private async inTransaction<T>(fn: (run: <R extends pg.QueryResultRow>(s: Statement) => Promise<pg.QueryResult<R>>) => Promise<T>): Promise<T> {
    const client = await this.opts.pool.connect();
    const run = <R extends pg.QueryResultRow>(s: Statement) =>
      client.query<R>({ text: s.text, values: s.values, query_timeout: this.opts.statementTimeoutMs } as pg.QueryConfig);
    const onError = () => undefined; // surfaced through the failing query instead
    client.on('error', onError);
    let broken = false;
    try {
      await run({ text: 'BEGIN', values: [] });
      const result = await fn(run);
      await run({ text: 'COMMIT', values: [] });
      return result;
    } catch (err) {
      // Destroyed rather than reused: it may be broken or mid-transaction.
      broken = true;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
