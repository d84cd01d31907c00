-- Up Migration
-- Stats by bot/human, device, browser, OS and country, kept like the per-day and per-referrer
-- counts (migration click-rollups): a row per link and distinct combination of the five, added
-- to by the same statement trigger, so a link's stats cost its combinations, never its clicks.
-- One table of combinations rather than one per dimension: a click batch then upserts one row
-- per link and combination instead of five, which is what a flush pays per click.
-- Unknown values are '' (key columns cannot be null); names are cut to 64 characters so a
-- client's own event details cannot make a key too long for the index.

CREATE TABLE click_agents (
  url_id   bigint  NOT NULL,
  bot      boolean NOT NULL,
  device   text    NOT NULL,
  browser  text    NOT NULL,
  os       text    NOT NULL,
  country  text    NOT NULL,
  clicks   bigint  NOT NULL,
  PRIMARY KEY (url_id, bot, device, browser, os, country)
);

CREATE FUNCTION click_trait(details jsonb, name text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN left(COALESCE(details->>name, ''), 64);

CREATE FUNCTION click_is_bot(details jsonb) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN COALESCE(details->>'bot' = 'true', false);

-- The trigger function of click-rollups, with the third roll-up added to the same pass.
CREATE OR REPLACE FUNCTION roll_up_clicks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH clicks AS (
    SELECT url_id, ("timestamp" AT TIME ZONE 'UTC')::date AS day, click_referrer(details) AS referrer,
           click_is_bot(details) AS bot, click_trait(details, 'device') AS device, click_trait(details, 'browser') AS browser,
           click_trait(details, 'os') AS os, click_trait(details, 'country') AS country, count(*) AS n
    FROM new_events WHERE event_type = 'click' AND url_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  ), days AS (
    INSERT INTO click_days AS d (url_id, day, clicks)
      SELECT url_id, day, sum(n) FROM clicks GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (url_id, day) DO UPDATE SET clicks = d.clicks + excluded.clicks
  ), agents AS (
    INSERT INTO click_agents AS a (url_id, bot, device, browser, os, country, clicks)
      SELECT url_id, bot, device, browser, os, country, sum(n) FROM clicks GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (url_id, bot, device, browser, os, country) DO UPDATE SET clicks = a.clicks + excluded.clicks
  )
  INSERT INTO click_referrers AS r (url_id, referrer_md5, referrer, clicks)
    SELECT url_id, md5(referrer)::uuid, min(referrer), sum(n) FROM clicks GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (url_id, referrer_md5) DO UPDATE SET clicks = r.clicks + excluded.clicks;
  RETURN NULL;
END
$$;

-- Writers of events wait from here until this migration commits (and then run the new trigger
-- function); the backfill below sees every click written before. Each click is counted once.
LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO click_agents (url_id, bot, device, browser, os, country, clicks)
  SELECT url_id, click_is_bot(details), click_trait(details, 'device'), click_trait(details, 'browser'),
         click_trait(details, 'os'), click_trait(details, 'country'), count(*)
  FROM events WHERE event_type = 'click' AND url_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6;

-- Down Migration
CREATE OR REPLACE FUNCTION roll_up_clicks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH clicks AS (
    SELECT url_id, ("timestamp" AT TIME ZONE 'UTC')::date AS day, click_referrer(details) AS referrer, count(*) AS n
    FROM new_events WHERE event_type = 'click' AND url_id IS NOT NULL GROUP BY 1, 2, 3
  ), days AS (
    INSERT INTO click_days AS d (url_id, day, clicks)
      SELECT url_id, day, sum(n) FROM clicks GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (url_id, day) DO UPDATE SET clicks = d.clicks + excluded.clicks
  )
  INSERT INTO click_referrers AS r (url_id, referrer_md5, referrer, clicks)
    SELECT url_id, md5(referrer)::uuid, min(referrer), sum(n) FROM clicks GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (url_id, referrer_md5) DO UPDATE SET clicks = r.clicks + excluded.clicks;
  RETURN NULL;
END
$$;
DROP FUNCTION click_is_bot(jsonb);
DROP FUNCTION click_trait(jsonb, text);
DROP TABLE click_agents;
