-- Up Migration
-- contract: urls.click_count has been written by no release since migration
-- link-clicks-from-click-days (a link's total is the sum of its click_days, read through
-- link_clicks()), and read by none since the release after it: the release before this one runs
-- without it. Kept, it held each link's count as it was when that migration's release started,
-- a second and wrong answer to "how many clicks" for anyone reading the table.
ALTER TABLE urls DROP COLUMN click_count;

-- Down Migration
-- Releases before link-clicks-from-click-days read and write the column: it comes back holding
-- what click_days counted.
ALTER TABLE urls ADD COLUMN click_count bigint NOT NULL DEFAULT 0;
UPDATE urls SET click_count = c.n
  FROM (SELECT url_id, sum(clicks) AS n FROM click_days GROUP BY url_id) c
  WHERE urls.id = c.url_id;
