// The job that keeps the deep-page counts (seal.ts), one on every replica: a round every
// interval, rounds back to back while spans are waiting (a replica started on a large table
// catches up in a minute or two). Replicas take turns: a round another one holds is skipped.
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Gauge } from 'prom-client';
import { PeriodicJob } from '../jobs/periodic.js';
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
  private readonly job: PeriodicJob;

  constructor(private readonly opts: SealerOptions) {
    this.job = new PeriodicJob(opts.intervalMs, () => this.catchUp(), (err) => {
      opts.logger.warn({ err }, 'counting spans of events for deep pages failed; trying again on the next tick');
    });
  }

  start(): void {
    this.job.start();
  }

  /** Stops starting rounds and waits for the one running (one transaction). */
  stop(): Promise<void> {
    return this.job.stop();
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const round = await sealRound(this.opts.pool, this.opts.settings ?? SEAL_DEFAULTS);
      if (!round.skipped) this.opts.uncounted.set(round.uncounted);
      if (round.sealed > 0) this.opts.logger.debug({ spans: round.sealed, behind: round.behind }, 'counted spans of events');
      if (!round.behind || this.job.isStopped) return;
    }
  }
}
