// The links' invalidation outbox (migration link-invalidations): a change to a link records its
// code in the change's own transaction; any replica's relay (cache/invalidation-relay.ts) sends
// it to Redis and then removes it.
import type pg from 'pg';
import { inTransaction, type Queryable } from '../db/pool.js';

/** Inside the transaction that changes the link. */
export async function recordInvalidation(db: Queryable, shortCode: string): Promise<void> {
  await db.query('INSERT INTO link_invalidations (short_code) VALUES ($1)', [shortCode]);
}

/**
 * Takes up to `limit` of the invalidations recorded at least `minAgeMs` ago and gives their codes
 * to `send`. They leave the outbox only when `send` resolves true; else they stay for the next
 * round. SKIP LOCKED: replicas relaying at once take different rows. Returns how many were sent.
 */
export async function relayInvalidations(pool: pg.Pool, minAgeMs: number, limit: number, send: (codes: string[]) => Promise<boolean>): Promise<number> {
  return inTransaction(pool, async (c) => {
    const { rows } = await c.query<{ short_code: string }>(
      `DELETE FROM link_invalidations WHERE id IN (
         SELECT id FROM link_invalidations WHERE created_at <= now() - make_interval(secs => $1::float8 / 1000)
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING short_code`, [minAgeMs, limit]);
    if (rows.length === 0) return 0;
    if (!(await send([...new Set(rows.map((r) => r.short_code))]))) throw new NotSent();
    return rows.length;
  }).catch((err: unknown) => {
    if (err instanceof NotSent) return 0; // rolled back: the rows stay
    throw err;
  });
}

class NotSent extends Error {}

/** What waits in the outbox: rows, and the age of the oldest in seconds (0 when none), for the metrics. */
export async function invalidationBacklog(db: Queryable): Promise<{ pending: number; oldestSeconds: number }> {
  const { rows } = await db.query<{ pending: number; oldest: number | null }>(
    `SELECT count(*)::int AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest FROM link_invalidations`);
  return { pending: rows[0]!.pending, oldestSeconds: Math.max(0, rows[0]!.oldest ?? 0) };
}
