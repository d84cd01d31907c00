// A deep ?page of events, started from the nearest count below it (seal.ts): the same rows as
// OFFSET from the start, found by stepping over at most one span's entries of the list.
import type { Queryable } from '../db/pool.js';
import type { Page } from '../store/paging.js';
import { listKey, type ListFilter } from './keys.js';

/** Below this offset OFFSET is cheaper than the extra round trip (10,000 entries: about 1 ms). */
export const MARKS_FROM_OFFSET = 10_000;

/**
 * The page as a keyset page plus a smaller offset: the list's last mark whose count is within
 * the offset says that `cum` of its events lie below `below_id`; the page is then the
 * (offset - cum)-th onwards of those from below_id up. Unchanged when no mark is that low.
 */
export async function fromNearestMark(db: Queryable, filter: ListFilter, page: Page): Promise<Page> {
  if (page.afterId !== undefined || page.offset < MARKS_FROM_OFFSET) return page;
  const { rows } = await db.query<{ below_id: number; cum: number }>(
    'SELECT below_id, cum FROM events_page_marks WHERE key = $1 AND cum <= $2 ORDER BY below_id DESC LIMIT 1',
    [listKey(filter), page.offset]);
  const mark = rows[0];
  return mark ? { ...page, afterId: mark.below_id - 1, offset: page.offset - mark.cum } : page;
}
