// Click roll-ups kept for later, and added for the whole cluster at once. Under load the flush
// writes a batch's events at once and its counts to click_rollups_pending, in the same
// transaction, so nothing is only in memory. Once the oldest kept row has waited `delayMs`, one
// replica adds every kept row's counts, whoever wrote them, summed key by key first: a hot link's
// roll-up rows are updated once per delayMs for the whole cluster, not once per batch nor once
// per replica. (When each replica added its own, with 10,000 links each one upserted nearly every
// link's rows every delayMs: 4.4-5.8 us per click in `npm run bench:pg`, 1.9-2.5 since; FIGURES.md.)
// - One applier at a time: it holds a transaction-level advisory lock; the others skip their turn.
// - The rows are claimed (DELETE ... RETURNING) in the transaction that adds their counts: no
//   count is added twice, and a COMMIT of unknown outcome is settled by the next claim.
// - A replica that died leaves rows the next apply takes with the rest.
// - A replica remembers only its own rows' ids and times: to drain, and for the kept-oldest metric.
// The stats and click_count trail the events by up to about delayMs more while this is in use.
import type pg from 'pg';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { setImmediate as turn } from 'node:timers/promises';
import { applierTurn, claimKeptRollups, rollUpClicks, RollupSums, stillKept, type PendingCounts, type Statement } from './click-sql.js';

export interface PendingRollupsOptions {
  pool: pg.Pool;
  logger: Logger;
  /** How long the oldest kept row waits before the kept counts are added. */
  delayMs: number;
  statementTimeoutMs: number;
  /** Most kept rows one apply claims (each about a second of one replica's clicks); 100 when omitted. */
  rowsPerApply?: number;
}

/** Kept rows claimed per apply: a few seconds of every replica's batches; a backlog takes several. */
const ROWS_PER_APPLY = 100;

/**
 * How long kept counts may wait, whatever replica wrote them, while any replica runs: the delay,
 * then up to one more for a replica's next try.
 */
export const appliedWithinMs = (delayMs: number): number => 2 * delayMs;

interface Own { id: number; at: number }

export class PendingRollups {
  /** This process's name on its rows. */
  readonly writer = randomUUID();
  /** Its rows not yet known to be applied, oldest first. */
  private own: Own[] = [];
  private lastTry = Date.now();
  private readonly maxRows: number;
  /**
   * Rows the next apply claims: halved after a failed try, doubled back after one that worked,
   * so a backlog too big for one statement's time bound is taken in parts instead of retried whole.
   */
  private rows: number;

  constructor(private readonly opts: PendingRollupsOptions) {
    this.maxRows = opts.rowsPerApply ?? ROWS_PER_APPLY;
    this.rows = this.maxRows;
  }

  /** This replica's rows not yet known to be applied. */
  get size(): number {
    return this.own.length;
  }

  /** A batch whose events and kept row (`id`) committed. */
  add(id: number, at = Date.now()): void {
    this.own.push({ id, at });
  }

  /** How long this replica's oldest row has been kept (0: none). */
  oldestAgeMs(now = Date.now()): number {
    return this.own.length > 0 ? Math.max(0, now - this.own[0]!.at) : 0;
  }

  /**
   * Whether to try: one of its rows has waited the delay, or a delay has passed since its last
   * try (rows of a replica that died; its own rows another applied).
   */
  due(now = Date.now()): boolean {
    return (this.own.length > 0 && now - this.own[0]!.at >= this.opts.delayMs) || now - this.lastTry >= this.opts.delayMs;
  }

  /**
   * One try: when it is this replica's turn and the oldest kept row has waited the delay (at
   * once with `now`), claims the kept rows and adds their counts in one statement. Then forgets
   * its own rows that are no longer kept. False when it failed: they stay for the next try.
   */
  async apply(now = false): Promise<boolean> {
    this.lastTry = Date.now();
    const mine = this.own.map((o) => o.id);
    try {
      const left = await this.inTransaction(async (run) => {
        const { turn: ours, due } = (await run<{ turn: boolean; due: boolean }>(applierTurn(this.opts.delayMs))).rows[0]!;
        if (ours && (due || now)) {
          const { rows } = await run<{ rollups: string }>(claimKeptRollups(this.rows));
          const sums = new RollupSums();
          for (const r of rows) {
            sums.add(JSON.parse(r.rollups) as PendingCounts);
            await turn(); // a row is about a second of one replica's clicks: the loop serves between rows
          }
          if (rows.length > 0) await run(rollUpClicks(sums.rollups));
        }
        if (mine.length === 0) return new Set<number>();
        return new Set((await run<{ id: string | number }>(stillKept(mine))).rows.map((r) => Number(r.id)));
      });
      const done = new Set(mine.filter((id) => !left.has(id)));
      this.own = this.own.filter((o) => !done.has(o.id));
      this.rows = Math.min(this.maxRows, this.rows * 2);
      return true;
    } catch (err) {
      this.rows = Math.max(1, Math.floor(this.rows / 2));
      this.opts.logger.warn({ err, batches: mine.length, nextClaim: this.rows }, 'kept click roll-ups not applied; kept for the next try');
      return false;
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
