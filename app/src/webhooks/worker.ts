// The delivery worker, one on every replica: claims due deliveries from the outbox (store
// claimDue: SKIP LOCKED plus a lease), sends them, records each outcome, and keeps the backlog
// gauges. It runs beside the redirects on the same event loop but only ever waits on I/O, so a
// slow receiver holds a delivery slot, never a redirect.
import type pg from 'pg';
import type { Logger } from 'pino';
import { PeriodicJob } from '../jobs/periodic.js';
import type { Metrics } from '../metrics/metrics.js';
import { backlog, claimDue, markDelivered, markFailed, type ClaimedDelivery } from '../store/webhooks-store.js';
import { afterFailure, type BackoffPolicy } from './backoff.js';
import { deliver, DELIVERY_TIMEOUT_MS } from './deliver.js';

export interface WebhookWorkerOptions {
  pool: pg.Pool;
  metrics: Metrics;
  logger: Logger;
  allowPrivateTargets: boolean;
  pollMs: number;
  /** How long a claimed delivery stays this worker's; longer than a delivery can take. */
  leaseMs: number;
  policy: BackoffPolicy;
  /** Deliveries sent at once by this replica. */
  concurrency?: number;
}

const BACKLOG_EVERY_MS = 5_000;

export class WebhookWorker {
  private readonly job: PeriodicJob;
  private lastBacklog = 0;
  private readonly outcome;

  constructor(private readonly opts: WebhookWorkerOptions) {
    const d = opts.metrics.webhookDeliveries;
    this.outcome = { delivered: d.labels('delivered'), failed: d.labels('failed'), dead: d.labels('dead') };
    this.job = new PeriodicJob(opts.pollMs, () => this.drain(), (err) => {
      opts.logger.warn({ err }, 'webhook worker round failed; trying again on the next tick');
    });
  }

  start(): void {
    this.job.start();
  }

  /** Stops claiming and waits for the deliveries in flight (each bounded by its timeout). */
  stop(): Promise<void> {
    return this.job.stop();
  }

  /** Rounds while every claim comes back full (a backlog), else wait for the next tick. */
  private async drain(): Promise<void> {
    const limit = this.opts.concurrency ?? 10;
    for (;;) {
      await this.refreshBacklog();
      if (this.job.isStopped) return;
      const claimed = await claimDue(this.opts.pool, limit, Math.max(this.opts.leaseMs, DELIVERY_TIMEOUT_MS + 1_000));
      await Promise.all(claimed.map((d) => this.send(d)));
      if (claimed.length < limit) return;
    }
  }

  private async send(d: ClaimedDelivery): Promise<void> {
    const { pool, logger, policy } = this.opts;
    const result = await deliver({ id: d.id, event: d.event, data: d.data, createdAt: d.created_at, url: d.url, secret: d.secret }, this.opts.allowPrivateTargets);
    try {
      if (result.ok) {
        await markDelivered(pool, d.id, result.status);
        this.outcome.delivered.inc();
        return;
      }
      const next = afterFailure(d.created_at.getTime(), Date.now(), d.attempts, policy, Math.random());
      await markFailed(pool, d.id, result.status, result.error, next.kind === 'retry' ? new Date(next.at) : null);
      (next.kind === 'dead' ? this.outcome.dead : this.outcome.failed).inc();
      if (next.kind === 'dead') logger.warn({ delivery: d.id, webhook: d.webhook_id, attempts: d.attempts }, 'webhook delivery dead-lettered');
    } catch (err) {
      // The outcome could not be written: the lease runs out and the delivery is sent again.
      logger.warn({ err, delivery: d.id }, 'webhook delivery outcome not recorded');
    }
  }

  private async refreshBacklog(): Promise<void> {
    if (Date.now() - this.lastBacklog < BACKLOG_EVERY_MS) return;
    this.lastBacklog = Date.now();
    const b = await backlog(this.opts.pool);
    this.opts.metrics.webhookQueueDepth.set(b.depth);
    this.opts.metrics.webhookOldestPending.set(b.oldestSeconds);
  }
}
