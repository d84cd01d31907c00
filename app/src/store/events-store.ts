// SQL for events: the history of links (created, updated, deactivated, click, ...).
import type { Queryable } from '../db/pool.js';
import { listKey } from '../page-marks/keys.js';
import { EVENT_MARKS, fromNearestMark } from '../page-marks/lookup.js';
import { batchCountStatement, batchEqualities, batchEstimateStatement, listsBatches, ROW_COLUMNS, rowEqualities, unionPageStatement, type EventFilter } from './events-union.js';
import { boundedCount, byEqualities, COUNT_EXACT_UP_TO, listPage, type Page, type PageOf } from './paging.js';

export interface EventRow {
  id: number;
  url_id: number | null;
  user_id: number | null;
  event_type: string;
  timestamp: Date;
  details: Record<string, unknown>;
}

export type { EventFilter };

export async function listEvents(db: Queryable, filter: EventFilter, page: Page): Promise<PageOf<EventRow>> {
  const rows = { table: 'events', columns: ROW_COLUMNS, ...byEqualities(rowEqualities(filter)) };
  const start = await fromNearestMark(db, EVENT_MARKS, listKey({ url_id: filter.urlId, user_id: filter.userId, event_type: filter.eventType }), page);
  if (!listsBatches(filter)) return listPage<EventRow>(db, rows, start);
  const args: unknown[] = [];
  const statement = unionPageStatement(filter, start, args);
  const [items, rowCount, batchCount] = await Promise.all([
    db.query<EventRow>(statement, args),
    boundedCount(db, rows),
    countBatches(db, byEqualities(batchEqualities(filter))),
  ]);
  const more = items.rows.length > start.limit;
  return {
    items: more ? items.rows.slice(0, start.limit) : items.rows,
    more,
    total: rowCount.total + batchCount.total,
    exact: rowCount.exact && batchCount.exact,
  };
}

/** A list's clicks in batches: exact up to COUNT_EXACT_UP_TO of their rows, else the planner's rows times the counted ones' mean. */
async function countBatches(db: Queryable, f: ReturnType<typeof byEqualities>): Promise<{ total: number; exact: boolean }> {
  const args = [...f.args];
  const { rows: [counted] } = await db.query<{ rows: number; clicks: string }>(batchCountStatement(f, args), args);
  const clicks = Number(counted!.clicks);
  if (counted!.rows <= COUNT_EXACT_UP_TO) return { total: clicks, exact: true };
  const estimateArgs = [...f.args];
  const plan = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(batchEstimateStatement(f, estimateArgs), estimateArgs);
  const estimate = Math.round(plan.rows[0]!['QUERY PLAN'][0].Plan['Plan Rows'] * (clicks / counted!.rows));
  return { total: Math.max(clicks, estimate), exact: false };
}

export interface NewEvent { urlId: number; userId: number | null; eventType: string; details: Record<string, unknown> }

export async function insertEvent(db: Queryable, e: NewEvent): Promise<EventRow> {
  const { rows } = await db.query<EventRow>(
    `INSERT INTO events (url_id, user_id, event_type, details) VALUES ($1, $2, $3, $4) RETURNING ${ROW_COLUMNS}`,
    [e.urlId, e.userId, e.eventType, JSON.stringify(e.details)]);
  return rows[0]!;
}
