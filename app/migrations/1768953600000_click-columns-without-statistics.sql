-- Up Migration
-- Autovacuum analyzes events every time a tenth of it has been written since the last time, so
-- each click pays a share of ANALYZE (migration events-details-without-statistics). The click
-- columns (migration click-details-columns) took statistics nothing uses: no plan filters, joins
-- or sorts on them; event_details() and the roll-up trigger only read them row by row. With the
-- mixed scenario's agents and referrers, ANALYZE of 300,000 click events took 192 ms of CPU with
-- their statistics and 98 without (loadtest/FIGURES.md, sixteenth pass).
-- SHARE UPDATE EXCLUSIVE: reads and writes of events go on while it runs.
ALTER TABLE events
  ALTER COLUMN click_referrer SET STATISTICS 0,
  ALTER COLUMN click_user_agent SET STATISTICS 0,
  ALTER COLUMN click_bot SET STATISTICS 0,
  ALTER COLUMN click_device SET STATISTICS 0,
  ALTER COLUMN click_browser SET STATISTICS 0,
  ALTER COLUMN click_os SET STATISTICS 0,
  ALTER COLUMN click_country SET STATISTICS 0;

-- Down Migration
ALTER TABLE events
  ALTER COLUMN click_referrer SET STATISTICS -1,
  ALTER COLUMN click_user_agent SET STATISTICS -1,
  ALTER COLUMN click_bot SET STATISTICS -1,
  ALTER COLUMN click_device SET STATISTICS -1,
  ALTER COLUMN click_browser SET STATISTICS -1,
  ALTER COLUMN click_os SET STATISTICS -1,
  ALTER COLUMN click_country SET STATISTICS -1;
