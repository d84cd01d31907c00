// SQL for events: the history of links (created, updated, deactivated, click, ...).
import type { Queryable } from '../db/pool.js';
import { listKey } from '../page-marks/keys.js';
import { EVENT_MARKS, fromNearestMark } from '../page-marks/lookup.js';
import { byEqualities, listPage, type Page, type PageOf } from './paging.js';

export interface EventRow {
  id: number;
  url_id: number | null;
  user_id: number | null;
  event_type: string;
  timestamp: Date;
  details: Record<string, unknown>;
}

// A click's details may sit in columns of their own (migration click-details-columns): the
// jsonb `details` the API shows is built from them then.
const COLUMNS = 'id, url_id, user_id, event_type, "timestamp", event_details(events) AS details';

export interface EventFilter { urlId?: number; userId?: number; eventType?: string }

/**
 * Clicks are nearly every event and have no type index (migration
 * events-type-index-without-clicks): ?event_type=click alone is read in the primary key's order.
 */
const UNINDEXED_TYPE = 'click';

export async function listEvents(db: Queryable, filter: EventFilter, page: Page): Promise<PageOf<EventRow>> {
  // Narrowest first: a link's events are some of its owner's.
  const filters = byEqualities([
    { column: 'url_id', value: filter.urlId, indexed: true },
    { column: 'user_id', value: filter.userId, indexed: true },
    { column: 'event_type', value: filter.eventType, indexed: filter.eventType !== UNINDEXED_TYPE },
  ]);
  const start = await fromNearestMark(db, EVENT_MARKS, listKey({ url_id: filter.urlId, user_id: filter.userId, event_type: filter.eventType }), page);
  return listPage<EventRow>(db, { table: 'events', columns: COLUMNS, ...filters }, start);
}

export interface NewEvent { urlId: number; userId: number | null; eventType: string; details: Record<string, unknown> }

export async function insertEvent(db: Queryable, e: NewEvent): Promise<EventRow> {
  const { rows } = await db.query<EventRow>(
    `INSERT INTO events (url_id, user_id, event_type, details) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
    [e.urlId, e.userId, e.eventType, JSON.stringify(e.details)]);
  return rows[0]!;
}
