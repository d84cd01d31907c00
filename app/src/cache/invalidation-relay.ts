// Relays the links' invalidation outbox to Redis, on every replica. A replica that changes a link
// still invalidates it at once (well inside the contract's 100 ms); the outbox row written in the
// same transaction makes the invalidation outlive that replica, and the relay sends it again a
// moment later, from whichever replica takes it:
// - if the changing replica died, or Redis was down, before the invalidation reached Redis, it is
//   sent within about RELAY_AFTER_MS + RELAY_EVERY_MS once a replica and Redis are up;
// - a value that another replica loaded before the change and wrote to Redis just after the
//   invalidation (its SET racing the announcement) is dropped by the second send.
// So a link's cached entry is never stale for longer than that, whatever its TTL.
import type pg from 'pg';
import type { Logger } from 'pino';
import { PeriodicJob } from '../jobs/periodic.js';
import type { Metrics } from '../metrics/metrics.js';
import { invalidationBacklog, relayInvalidations } from '../store/link-invalidations-store.js';

/** How often each replica looks in the outbox. */
export const RELAY_EVERY_MS = 1_000;
/**
 * How old a recorded invalidation is before it is relayed: the changing replica's own send comes
 * first, and the relayed one after any read that was racing it.
 */
export const RELAY_AFTER_MS = 2_000;
/** Codes in one round trip to Redis, at most. */
export const RELAY_BATCH = 500;

export interface InvalidationRelayOptions {
  pool: pg.Pool;
  /** Drops the codes in Redis and on every replica; false when Redis did not take them. */
  announce: (codes: string[]) => Promise<boolean>;
  logger: Logger;
  /** Where each round leaves what still waits: a relay that stopped relaying is otherwise invisible. */
  metrics: Pick<Metrics, 'linkInvalidationsPending' | 'linkInvalidationsOldest'>;
  everyMs?: number;
  afterMs?: number;
}

/**
 * The relay as a replica's periodic job: start() with the replica, stop() waits for its round.
 * Each round then reads what still waits into the metrics (LinkInvalidationsStuck), also after a
 * round that could not send; NaN when that read fails.
 */
export function invalidationRelay(opts: InvalidationRelayOptions): PeriodicJob {
  const { pool, announce, logger, metrics } = opts;
  const afterMs = opts.afterMs ?? RELAY_AFTER_MS;
  const job: PeriodicJob = new PeriodicJob(opts.everyMs ?? RELAY_EVERY_MS, async () => {
    try {
      // Rounds while each takes a full batch (a backlog after Redis was down).
      while (!job.isStopped && (await relayInvalidations(pool, afterMs, RELAY_BATCH, announce)) === RELAY_BATCH);
    } finally {
      const backlog = await invalidationBacklog(pool).catch((err: unknown) => {
        // Unknown, not this replica's last reading: PromQL's max() passes over NaN while another
        // replica reads a number, and a stale figure could hold the alert up or down.
        metrics.linkInvalidationsPending.set(Number.NaN);
        metrics.linkInvalidationsOldest.set(Number.NaN);
        throw err;
      });
      metrics.linkInvalidationsPending.set(backlog.pending);
      metrics.linkInvalidationsOldest.set(backlog.oldestSeconds);
    }
  }, (err) => {
    logger.warn({ err }, 'link invalidation relay round failed; trying again on the next tick');
  });
  return job;
}
