// A link's click statistics, read from the counts kept beside the events: per day, per referrer,
// and per combination of bot, device, browser, OS and country. The click flush adds its batches'
// counts itself (clicks/click-sql.ts); a trigger on events counts every other writer's (migrations
// click-rollups, click-agents, click-rollups-by-writer). The cost follows the link's days, referrers and combinations, not
// its clicks. A link's click_count is the same total (link_clicks(), the sum of its days).
import type { Queryable } from '../db/pool.js';

export const TOP_REFERRERS = 10;

type Named<K extends string> = { [P in K]: string | null } & { clicks: number };

export interface LinkStats {
  clicks: number;
  clicks_by_day: { day: string; clicks: number }[];
  top_referrers: { referrer: string; clicks: number }[];
  human_clicks: number;
  bot_clicks: number;
  by_device: Named<'device'>[];
  by_browser: Named<'browser'>[];
  by_os: Named<'os'>[];
  by_country: Named<'country'>[];
}

export const AGENT_DIMENSIONS = ['device', 'browser', 'os', 'country'] as const;
type Dimension = (typeof AGENT_DIMENSIONS)[number];

export async function linkStats(db: Queryable, urlId: number): Promise<LinkStats> {
  const [byDay, referrers, agents] = await Promise.all([
    db.query<{ day: string; clicks: number }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, clicks FROM click_days WHERE url_id = $1 ORDER BY day`, [urlId]),
    db.query<{ referrer: string; clicks: number }>(
      `SELECT referrer, clicks FROM click_referrers WHERE url_id = $1 ORDER BY clicks DESC, referrer LIMIT $2`,
      [urlId, TOP_REFERRERS]),
    db.query<{ bot: boolean; device: string; browser: string; os: string; country: string; clicks: number }>(
      'SELECT bot, device, browser, os, country, clicks FROM click_agents WHERE url_id = $1', [urlId]),
  ]);
  const rows = agents.rows;
  const bot = rows.reduce((sum, r) => sum + (r.bot ? r.clicks : 0), 0);
  const clicks = byDay.rows.reduce((sum, r) => sum + r.clicks, 0);
  return {
    clicks,
    clicks_by_day: byDay.rows,
    top_referrers: referrers.rows,
    human_clicks: clicks - bot,
    bot_clicks: bot,
    by_device: countBy(rows, 'device'),
    by_browser: countBy(rows, 'browser'),
    by_os: countBy(rows, 'os'),
    by_country: countBy(rows, 'country'),
  };
}

/**
 * Clicks per value of one dimension, most first (ties by name, unknown last). Pure. Unknown
 * ('' in the roll-up: an event without that detail) is reported as null.
 */
export function countBy<K extends Dimension>(rows: ({ [P in Dimension]: string } & { clicks: number })[], dimension: K): Named<K>[] {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r[dimension], (counts.get(r[dimension]) ?? 0) + r.clicks);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] === '' ? 1 : b[0] === '' ? -1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([value, n]) => ({ [dimension]: value === '' ? null : value, clicks: n }) as Named<K>);
}
