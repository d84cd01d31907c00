// A link's click statistics, read from its `click` events (the source of truth; urls.click_count
// is the same total kept for cheap reads).
import type { Queryable } from '../db/pool.js';

export const TOP_REFERRERS = 10;

export interface LinkStats {
  clicks: number;
  clicks_by_day: { day: string; clicks: number }[];
  top_referrers: { referrer: string; clicks: number }[];
}

export async function linkStats(db: Queryable, urlId: number): Promise<LinkStats> {
  const [byDay, referrers] = await Promise.all([
    db.query<{ day: string; clicks: number }>(
      `SELECT to_char(date_trunc('day', "timestamp" AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, count(*) AS clicks
       FROM events WHERE url_id = $1 AND event_type = 'click' GROUP BY 1 ORDER BY 1`, [urlId]),
    db.query<{ referrer: string; clicks: number }>(
      `SELECT COALESCE(NULLIF(details->>'referrer', ''), '(direct)') AS referrer, count(*) AS clicks
       FROM events WHERE url_id = $1 AND event_type = 'click' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $2`, [urlId, TOP_REFERRERS]),
  ]);
  return {
    clicks: byDay.rows.reduce((sum, r) => sum + r.clicks, 0),
    clicks_by_day: byDay.rows,
    top_referrers: referrers.rows,
  };
}
