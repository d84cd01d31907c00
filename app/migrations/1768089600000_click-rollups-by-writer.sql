-- Up Migration
-- The click flush rolls its own clicks up: it writes a batch's events with COPY and adds the
-- batch's counts, aggregated per link and key, in one statement (app/src/clicks/click-sql.ts).
-- The statement trigger re-read every row of the batch from its transition table and pulled
-- six keys out of each row's jsonb, about a third of PostgreSQL's CPU per click. The trigger
-- stays for every other writer (POST /events, the seed loader, and a replica of the previous
-- release during a rollout) and skips a statement whose transaction says its writer rolled it
-- up (the transaction-local setting shortstack.clicks_rolled_up). Expand only: nothing is
-- dropped, and the previous release's writes are counted as before.
--
-- The keys have one definition, on text, used by the trigger (through the jsonb forms) and by
-- the flush alike.
CREATE FUNCTION click_referrer_key(referrer text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN COALESCE(NULLIF(referrer, ''), '(direct)');

CREATE FUNCTION click_trait_key(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN left(COALESCE(value, ''), 64);

CREATE OR REPLACE FUNCTION click_referrer(details jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN click_referrer_key(details->>'referrer');

CREATE OR REPLACE FUNCTION click_trait(details jsonb, name text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN click_trait_key(details->>name);

-- The trigger function of click-agents, with the writer's say first.
CREATE OR REPLACE FUNCTION roll_up_clicks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('shortstack.clicks_rolled_up', true) = 'on' THEN
    RETURN NULL;
  END IF;
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

-- Down Migration
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
CREATE OR REPLACE FUNCTION click_referrer(details jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN COALESCE(NULLIF(details->>'referrer', ''), '(direct)');
CREATE OR REPLACE FUNCTION click_trait(details jsonb, name text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN left(COALESCE(details->>name, ''), 64);
DROP FUNCTION click_trait_key(text);
DROP FUNCTION click_referrer_key(text);
