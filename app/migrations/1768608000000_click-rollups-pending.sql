-- Up Migration
-- Under load a replica writes a batch's click events at once but its roll-up counts (click_days,
-- click_referrers, click_agents) a few seconds later, several batches' in one statement: a hot
-- link's rows are updated once per few seconds instead of once per batch. PostgreSQL's CPU per
-- recorded click fell by a quarter or more in `npm run bench` (loadtest/FIGURES.md, sixth pass).
-- Each delayed batch's counts are written here in the transaction of its events, so what a
-- replica has not yet rolled up is never only in its memory; an applier adds rows' counts and
-- deletes the rows in one transaction (how and when: app/src/clicks/pending-rollups.ts).
-- Deleting the rows is how an applier claims them, so no count is added twice.
CREATE TABLE click_rollups_pending (
  id         bigserial PRIMARY KEY,
  -- The replica process that wrote the row (a random id per start).
  writer     text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  -- The batch's counts per key, as the flush aggregated them: {days, referrers, agents} of columns.
  -- json, not jsonb, and lz4: written once and read back whole by the applier, so neither
  -- jsonb's parse into a tree nor pglz's slower compression buys anything (together about 1 us
  -- per click in `npm run bench`).
  rollups    json NOT NULL
);
-- lz4 where the server was built with it (Debian's packages, the official images, RDS 14 and
-- later); pglz, the default, elsewhere rather than a failed migration.
DO $$
BEGIN
  ALTER TABLE click_rollups_pending ALTER COLUMN rollups SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this server has no lz4: click_rollups_pending.rollups keeps pglz';
END
$$;

-- Down Migration
-- The release before this one never reads the table: counts still in it would be lost. This
-- release applies them as it runs; stop its replicas gracefully (they apply theirs) first.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM click_rollups_pending) THEN
    RAISE EXCEPTION 'click_rollups_pending holds counts not yet rolled up: run this release until it applies them (a graceful stop does), then migrate down';
  END IF;
END
$$;
DROP TABLE click_rollups_pending;
