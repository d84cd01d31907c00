-- Up Migration
-- The roll-up rows are updated in place at every apply of the kept counts
-- (app/src/clicks/pending-rollups.ts): every key a link was clicked under, every few seconds.
-- On full pages (fillfactor 100) most of those updates could not keep the new row version on its
-- page, so each one also inserted into the primary key's index: under cached-redirect load, 12%
-- of click_agents' updates were HOT. With half of each page left free for its rows' next
-- versions, 99.6% were, and the roll-up statement took 105 ms for 7,670 keys a table where it
-- had taken 225 ms for 7,422 (loadtest/FIGURES.md, tenth pass). The tables take up to twice the
-- space.
-- Pages already full keep their rows until those move on an update (to pages filled to half) or
-- a rewrite (VACUUM FULL): nothing is rewritten here, which would lock the tables the flush writes.
ALTER TABLE click_days SET (fillfactor = 50);
ALTER TABLE click_referrers SET (fillfactor = 50);
ALTER TABLE click_agents SET (fillfactor = 50);

-- Down Migration
ALTER TABLE click_days RESET (fillfactor);
ALTER TABLE click_referrers RESET (fillfactor);
ALTER TABLE click_agents RESET (fillfactor);
