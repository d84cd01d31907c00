// SQL for webhooks and their deliveries (the outbox): the API's reads and writes, and the
// delivery worker's claim and outcome updates.
import type { Queryable } from '../db/pool.js';
import { byEqualities, listPage, type Page, type PageOf } from './paging.js';

export interface WebhookRow { id: number; user_id: number | null; url: string; events: string[]; created_at: Date }

export async function insertWebhook(db: Queryable, w: { userId: number | null; url: string; events: string[]; secret: string }): Promise<WebhookRow> {
  const { rows } = await db.query<WebhookRow>(
    'INSERT INTO webhooks (user_id, url, events, secret) VALUES ($1, $2, $3, $4) RETURNING id, user_id, url, events, created_at',
    [w.userId, w.url, w.events, w.secret]);
  return rows[0]!;
}

/** userId undefined: every webhook (admin). */
export async function listWebhooks(db: Queryable, userId: number | undefined, page: Page): Promise<PageOf<WebhookRow>> {
  const filters = byEqualities([{ column: 'user_id', value: userId, indexed: true }]);
  return listPage<WebhookRow>(db, { table: 'webhooks', columns: 'id, user_id, url, events, created_at', ...filters }, page);
}

export async function webhookOwner(db: Queryable, id: number): Promise<{ user_id: number | null } | undefined> {
  const { rows } = await db.query<{ user_id: number | null }>('SELECT user_id FROM webhooks WHERE id = $1', [id]);
  return rows[0];
}

/** Removes the webhook and its deliveries (a worker mid-delivery then updates nothing). */
export async function deleteWebhook(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM webhooks WHERE id = $1', [id]);
  return rowCount === 1;
}

export interface DeliveryRow {
  id: number; event: string; status: 'pending' | 'delivered' | 'dead'; attempts: number;
  last_status_code: number | null; last_error: string | null; created_at: Date; delivered_at: Date | null;
}

export async function listDeliveries(db: Queryable, webhookId: number, page: Page): Promise<PageOf<DeliveryRow>> {
  return listPage<DeliveryRow>(db, {
    table: 'webhook_deliveries',
    columns: 'id, event, status, attempts, last_status_code, last_error, created_at, delivered_at',
    ...byEqualities([{ column: 'webhook_id', value: webhookId, indexed: true }]),
  }, page);
}

/** A claimed delivery, with what sending it needs. */
export interface ClaimedDelivery {
  id: number; webhook_id: number; event: string; data: unknown; attempts: number; created_at: Date; url: string; secret: string;
}

/**
 * Claims up to `limit` due deliveries for this worker: SKIP LOCKED so concurrent workers on
 * other replicas take other rows, and a lease (locked_until) so a row stays this worker's while
 * it is sent outside any transaction (PgBouncer's transaction pooling would not let a
 * transaction wait on a receiver). A worker that dies leaves rows whose lease runs out, and
 * they are claimed again: delivery is at least once, and each delivery's id lets a receiver
 * drop a repeat. The attempt is counted when claimed, so a crash mid-send counts too.
 */
export async function claimDue(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<ClaimedDelivery>(
    `WITH due AS (
       SELECT id FROM webhook_deliveries
       WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until <= now())
       ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     UPDATE webhook_deliveries d SET locked_until = now() + make_interval(secs => $2::double precision / 1000), attempts = d.attempts + 1
     FROM due, webhooks w WHERE d.id = due.id AND w.id = d.webhook_id
     RETURNING d.id, d.webhook_id, d.event, d.data, d.attempts, d.created_at, w.url, w.secret`,
    [limit, leaseMs]);
  return rows;
}

export async function markDelivered(db: Queryable, id: number, statusCode: number): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_status_code = $2, last_error = NULL, locked_until = NULL
     WHERE id = $1`, [id, statusCode]);
}

/** A failed try: tried again at `retryAt`, or dead-lettered when null. */
export async function markFailed(db: Queryable, id: number, statusCode: number | null, error: string, retryAt: Date | null): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET last_status_code = $2, last_error = $3, locked_until = NULL,
       status = CASE WHEN $4::timestamptz IS NULL THEN 'dead' ELSE 'pending' END,
       next_attempt_at = COALESCE($4::timestamptz, next_attempt_at)
     WHERE id = $1`, [id, statusCode, error.slice(0, 500), retryAt]);
}

/** The backlog: pending deliveries and the age of the oldest, for the metrics. */
export async function backlog(db: Queryable): Promise<{ depth: number; oldestSeconds: number }> {
  const { rows } = await db.query<{ depth: number; oldest: number | null }>(
    `SELECT count(*) AS depth, extract(epoch FROM now() - min(created_at))::float8 AS oldest
     FROM webhook_deliveries WHERE status = 'pending'`);
  return { depth: rows[0]!.depth, oldestSeconds: Math.max(0, rows[0]!.oldest ?? 0) };
}
