// SQL for events: the history of links (created, updated, deactivated, click, ...).
import type { Queryable } from '../db/pool.js';
import { listPage, type Page, type PageOf } from './paging.js';

export interface EventRow {
  id: number;
  url_id: number | null;
  user_id: number | null;
  event_type: string;
  timestamp: Date;
  details: Record<string, unknown>;
}

const COLUMNS = 'id, url_id, user_id, event_type, "timestamp", details';

export interface EventFilter { urlId?: number; userId?: number; eventType?: string }

export async function listEvents(db: Queryable, filter: EventFilter, page: Page): Promise<PageOf<EventRow>> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.urlId !== undefined) where.push(`url_id = $${args.push(filter.urlId)}`);
  if (filter.userId !== undefined) where.push(`user_id = $${args.push(filter.userId)}`);
  if (filter.eventType !== undefined) where.push(`event_type = $${args.push(filter.eventType)}`);
  return listPage<EventRow>(db, { table: 'events', columns: COLUMNS, where, args }, page);
}

export interface NewEvent { urlId: number; userId: number | null; eventType: string; details: Record<string, unknown> }

export async function insertEvent(db: Queryable, e: NewEvent): Promise<EventRow> {
  const { rows } = await db.query<EventRow>(
    `INSERT INTO events (url_id, user_id, event_type, details) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
    [e.urlId, e.userId, e.eventType, JSON.stringify(e.details)]);
  return rows[0]!;
}
