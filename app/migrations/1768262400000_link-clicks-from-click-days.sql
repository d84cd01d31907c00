-- Up Migration
-- A link's total clicks are the sum of its click_days rows, read through link_clicks(), no longer
-- kept in urls.click_count. Keeping it cost the click flush a row lock (FOR UPDATE, to order the
-- replicas' flushes) and an update of the link's urls row, two heap writes and their WAL per
-- distinct link and batch on the widest table: with 1M links, a third of PostgreSQL's CPU per
-- click (app/bench/click-profile.ts, 10,000-click batches: 16.7 -> 11.2 us). The kept total was
-- also blind to clicks written by POST /events (the trigger rolls them into click_days, never
-- into urls.click_count); the sum is the same figure as GET /urls/:id/stats' clicks.
-- A link's days are few (one row a day it was clicked), read through click_days' primary key.
-- Expand-only: the column stays for a replica of the previous release during a rollout, which
-- still reads and writes it. A later release drops it.
CREATE FUNCTION link_clicks(link bigint) RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT COALESCE(sum(clicks), 0)::bigint FROM click_days WHERE url_id = link);

-- Down Migration
-- The previous release reads urls.click_count: brought up to date with what this one counted.
UPDATE urls SET click_count = c.n
  FROM (SELECT url_id, sum(clicks) AS n FROM click_days GROUP BY url_id) c
  WHERE urls.id = c.url_id AND urls.click_count <> c.n;
DROP FUNCTION link_clicks(bigint);
