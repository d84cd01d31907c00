// A deep ?page, started from the nearest count below it: the same rows as OFFSET from the
// start, found by stepping over at most one span's entries of the list. Events' counts are the
// marks their job writes (seal.ts); links' are kept per span by triggers (migration
// urls-page-counts) and summed here.
import type { Queryable } from '../db/pool.js';
import type { Page } from '../store/paging.js';

/** Below this offset OFFSET is cheaper than the extra round trip (10,000 entries: about 1 ms). */
export const MARKS_FROM_OFFSET = 10_000;

/** A statement of ($1 key, $2 offset) giving the last span end below which at most `offset` of the list lie, and how many. */
export type MarksSql = string & { readonly marks: unique symbol };

export const EVENT_MARKS = `SELECT below_id, cum FROM events_page_marks WHERE key = $1 AND cum <= $2
  ORDER BY below_id DESC LIMIT 1` as MarksSql;

export const URL_COUNTS = `SELECT below_id, cum FROM (
    SELECT below_id, (sum(sum(n)) OVER (ORDER BY below_id))::bigint AS cum FROM urls_page_counts WHERE key = $1 GROUP BY below_id
  ) c WHERE cum <= $2 ORDER BY below_id DESC LIMIT 1` as MarksSql;

/**
 * The page as a keyset page plus a smaller offset: `cum` of the list's rows lie below `below_id`,
 * so the page is the (offset - cum)-th onwards of those from below_id up. Unchanged when no count
 * is that low.
 */
export async function fromNearestMark(db: Queryable, marks: MarksSql, key: string, page: Page): Promise<Page> {
  if (page.afterId !== undefined || page.offset < MARKS_FROM_OFFSET) return page;
  const { rows } = await db.query<{ below_id: number; cum: number }>(marks, [key, page.offset]);
  const mark = rows[0];
  return mark ? { ...page, afterId: mark.below_id - 1, offset: page.offset - mark.cum } : page;
}
