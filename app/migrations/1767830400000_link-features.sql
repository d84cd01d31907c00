-- Up Migration
-- Link features of the second wave (api-contract "Link features"). Expand only: the previous
-- release neither reads nor writes these columns, and every default is a constant, so adding
-- them rewrites no row and holds the table's lock for an instant.
--
-- visits counts the redirects reserved against max_visits. The redirect of a limited link
-- reserves its visit here, atomically (UPDATE ... WHERE visits < max_visits), before answering:
-- the counter every replica shares is the row itself, so no replica can serve past the limit.
-- click_count is only written by the click flush, a second later, so it cannot be that counter.
ALTER TABLE urls
  ADD COLUMN max_visits    bigint   NULL CHECK (max_visits IS NULL OR max_visits >= 1),
  ADD COLUMN visits        bigint   NOT NULL DEFAULT 0,
  ADD COLUMN valid_since   timestamptz NULL,
  ADD COLUMN fallback_url  text     NULL,
  ADD COLUMN redirect_type smallint NOT NULL DEFAULT 302 CHECK (redirect_type IN (301, 302, 307, 308)),
  ADD COLUMN tags          text[]   NOT NULL DEFAULT '{}';

-- GET /urls?tag=a: tags @> ARRAY['a'] is answered by this index.
CREATE INDEX urls_tags_idx ON urls USING gin (tags);

-- Down Migration
DROP INDEX urls_tags_idx;
ALTER TABLE urls
  DROP COLUMN tags,
  DROP COLUMN redirect_type,
  DROP COLUMN fallback_url,
  DROP COLUMN valid_since,
  DROP COLUMN visits,
  DROP COLUMN max_visits;
