// The job that keeps the deep-page counts (seal.ts), one on every replica: a round every
// interval, rounds back to back while spans are waiting (a replica started on a large table
// catches up in a minute or two). Replicas take turns: a round another one holds is skipped.
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Gauge } from 'prom-client';
import { sealRound, SEAL_DEFAULTS, type SealSettings } from './seal.js';

export interface SealerOptions {
  pool: pg.Pool;
  logger: Logger;
  /** Set from each round this replica runs: shortstack_page_marks_uncounted_events. */
  uncounted: Gauge;
  intervalMs: number;
  settings?: SealSettings;
}

export class PageMarkSealer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: SealerOptions) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.kick(), this.opts.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops starting rounds and waits for the one running (one transaction). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.catchUp().catch((err: unknown) => {
      this.opts.logger.warn({ err }, 'counting spans of events for deep pages failed; trying again on the next tick');
    }).finally(() => { this.running = null; });
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const round = await sealRound(this.opts.pool, this.opts.settings ?? SEAL_DEFAULTS);
      if (!round.skipped) this.opts.uncounted.set(round.uncounted);
      if (round.sealed > 0) this.opts.logger.debug({ spans: round.sealed, behind: round.behind }, 'counted spans of events');
      if (!round.behind || this.stopped) return;
    }
  }
}
