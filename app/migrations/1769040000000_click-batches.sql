-- Up Migration
-- Clicks stored a row per link and flush, their columns arrays, the first of two releases. A
-- click as a row of events costs PostgreSQL a heap row and three B-tree entries (the primary
-- key, (url_id, id), (user_id, id)); a link's clicks of one flush as one row cost one row and
-- three entries between them. A flush of 10,000 Zipf clicks over 2,000 owned links (about 1,450
-- links): 4.00 us of backend CPU per click as rows, 1.56 as arrays (app/bench/click-copy-costs.ts,
-- loadtest/FIGURES.md, seventeenth pass).
--
-- The row's clicks have the ids first_id .. first_id + n - 1, taken from the events' sequence
-- like any event's, so a batch's clicks sort among the other events by id as they did. Ids are
-- unique across both tables, and no two rows' ranges overlap.
--
-- This release reads both (the event lists, their counts, the page marks' job); the click flush
-- writes batches only from the next one, by when every replica reads them. Expand only: a new
-- table, a view and a function.
CREATE TABLE click_batches (
  first_id   bigint PRIMARY KEY,
  url_id     bigint NOT NULL,
  user_id    bigint NULL,
  n          integer NOT NULL CHECK (n >= 1 AND cardinality(at) = n),
  at         timestamptz[] NOT NULL,
  referrer   text[] NOT NULL,
  user_agent text[] NOT NULL,
  bot        boolean[] NOT NULL,
  device     text[] NOT NULL,
  browser    text[] NOT NULL,
  os         text[] NOT NULL,
  country    text[] NOT NULL
);
-- A link's and a user's clicks in id order, as events' (url_id, id) and (user_id, id) give theirs.
CREATE INDEX click_batches_url_id_first_id_idx ON click_batches (url_id, first_id);
CREATE INDEX click_batches_user_id_first_id_idx ON click_batches (user_id, first_id);
-- As the click columns of events (migration click-columns-without-statistics): nothing plans on them.
ALTER TABLE click_batches
  ALTER COLUMN at SET STATISTICS 0,
  ALTER COLUMN referrer SET STATISTICS 0,
  ALTER COLUMN user_agent SET STATISTICS 0,
  ALTER COLUMN bot SET STATISTICS 0,
  ALTER COLUMN device SET STATISTICS 0,
  ALTER COLUMN browser SET STATISTICS 0,
  ALTER COLUMN os SET STATISTICS 0,
  ALTER COLUMN country SET STATISTICS 0;

-- A click's `details` as the API shows it, from its columns: event_details() and the batches' reads.
CREATE FUNCTION click_details(referrer text, user_agent text, bot boolean, device text, browser text, os text, country text) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN jsonb_build_object('referrer', referrer, 'user_agent', user_agent, 'bot', bot,
    'device', device, 'browser', browser, 'os', os, 'country', country);

CREATE OR REPLACE FUNCTION event_details(e events) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN e.click_bot IS NULL THEN e.details
    ELSE click_details(e.click_referrer, e.click_user_agent, e.click_bot, e.click_device, e.click_browser, e.click_os, e.click_country) END;

-- Every event as the API shows it, from both tables: for reading by hand and for checks, not for
-- the app's lists (a filter on id cannot reach the batches' index through the unnesting).
CREATE VIEW all_events AS
  SELECT e.id, e.url_id, e.user_id, e.event_type, e."timestamp", event_details(e) AS details FROM events e
  UNION ALL
  SELECT b.first_id + o - 1, b.url_id, b.user_id, 'click', b.at[o],
    click_details(b.referrer[o], b.user_agent[o], b.bot[o], b.device[o], b.browser[o], b.os[o], b.country[o])
  FROM click_batches b, generate_series(1, b.n) o;

-- Down Migration
-- The previous release reads events only: the batches' clicks go back into it as rows first,
-- their counts already in the roll-ups (the setting tells the roll-up trigger so).
SELECT set_config('shortstack.clicks_rolled_up', 'on', true);
INSERT INTO events (id, url_id, user_id, event_type, "timestamp",
    click_referrer, click_user_agent, click_bot, click_device, click_browser, click_os, click_country)
  SELECT b.first_id + o - 1, b.url_id, b.user_id, 'click', b.at[o],
    b.referrer[o], b.user_agent[o], b.bot[o], b.device[o], b.browser[o], b.os[o], b.country[o]
  FROM click_batches b, generate_series(1, b.n) o;
DROP VIEW all_events;
CREATE OR REPLACE FUNCTION event_details(e events) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN e.click_bot IS NULL THEN e.details
    ELSE jsonb_build_object('referrer', e.click_referrer, 'user_agent', e.click_user_agent, 'bot', e.click_bot,
      'device', e.click_device, 'browser', e.click_browser, 'os', e.click_os, 'country', e.click_country) END;
DROP FUNCTION click_details(text, text, boolean, text, text, text, text);
DROP TABLE click_batches;
