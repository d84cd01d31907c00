// A link's click statistics, read from the per-day and per-referrer counts that a trigger on
// events keeps (migration click-rollups): the cost follows the link's days and referrers, not
// its clicks. urls.click_count is the same total, kept for cheap reads of the link itself.
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
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, clicks FROM click_days WHERE url_id = $1 ORDER BY day`, [urlId]),
    db.query<{ referrer: string; clicks: number }>(
      `SELECT referrer, clicks FROM click_referrers WHERE url_id = $1 ORDER BY clicks DESC, referrer LIMIT $2`,
      [urlId, TOP_REFERRERS]),
  ]);
  return {
    clicks: byDay.rows.reduce((sum, r) => sum + r.clicks, 0),
    clicks_by_day: byDay.rows,
    top_referrers: referrers.rows,
  };
}
