-- Up Migration
-- Each index of click_batches also holds n, a batch's click count, so what reads first_id and n
-- only reads the index (an index-only scan, the table being insert-only and so all-visible
-- once vacuumed): a deep page's step over up to a span of batches (events-union.ts, stepOverSql)
-- and the bounded counts of a list's clicks (batchCountStatement), where each batch was a heap
-- fetch. On 2M events in about 800,000 batches (loadtest/FIGURES.md, nineteenth pass): the
-- unfiltered list's middle page, 9.3 -> 8.6 ms a statement; its count 2.4 -> 0.8 ms, a user's
-- 3.8 -> 0.6. Writing costs the same (click-copy-costs' batches at the bench's shape, 2.03 and
-- 1.97 us a click); the entries are 4 bytes wider (the primary key's a half larger).
-- Expand-only: no column changes, the same names and keys. Rebuilding holds off writers for
-- seconds at millions of batches: the click flush's statement times out, keeps its batch and
-- retries.
ALTER TABLE click_batches DROP CONSTRAINT click_batches_pkey,
  ADD CONSTRAINT click_batches_pkey PRIMARY KEY (first_id) INCLUDE (n);
DROP INDEX click_batches_url_id_first_id_idx;
CREATE INDEX click_batches_url_id_first_id_idx ON click_batches (url_id, first_id) INCLUDE (n);
DROP INDEX click_batches_user_id_first_id_idx;
CREATE INDEX click_batches_user_id_first_id_idx ON click_batches (user_id, first_id) INCLUDE (n);

-- Down Migration
ALTER TABLE click_batches DROP CONSTRAINT click_batches_pkey,
  ADD CONSTRAINT click_batches_pkey PRIMARY KEY (first_id);
DROP INDEX click_batches_url_id_first_id_idx;
CREATE INDEX click_batches_url_id_first_id_idx ON click_batches (url_id, first_id);
DROP INDEX click_batches_user_id_first_id_idx;
CREATE INDEX click_batches_user_id_first_id_idx ON click_batches (user_id, first_id);
