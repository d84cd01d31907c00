-- Up Migration
-- Deep ?page pages of /urls and /urls?is_active= without stepping over every earlier entry (see
-- events-page-marks for events). Links change (is_active) and are written far less often than
-- clicks, so their counts are kept by triggers in the writing transaction: per span of 32,768
-- ids, per list (all links, the active ones, the inactive ones), the links in it. A deep page
-- sums the spans below it (app/src/page-marks/lookup.ts). Each backend adds to a row of its own
-- (shard), so that links created at once on several connections do not wait on one row.
CREATE TABLE urls_page_counts (
  key      text NOT NULL,
  below_id bigint NOT NULL,
  shard    int NOT NULL,
  n        bigint NOT NULL,
  PRIMARY KEY (key, below_id, shard)
);

-- The end of the span an id is in: its one definition.
CREATE FUNCTION urls_page_below(id bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (id / 32768 + 1) * 32768;

-- Adds n per (key, span), in key order so that two writers lock rows in the same order.
CREATE FUNCTION urls_page_add(keys text[], belows bigint[], ns bigint[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO urls_page_counts AS c (key, below_id, shard, n)
  SELECT key, below_id, pg_backend_pid() % 8, sum(n)
  FROM unnest(keys, belows, ns) AS ch(key, below_id, n)
  GROUP BY key, below_id ORDER BY key, below_id
  ON CONFLICT (key, below_id, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
$$;

-- The lists a link is in: all links, and the active or the inactive ones.
CREATE FUNCTION urls_page_keys(is_active boolean) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ARRAY['', 'is_active=' || is_active];

-- Links written or deleted: both triggers name their transition table `changed`.
CREATE FUNCTION urls_page_counts_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sign bigint := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
  PERFORM urls_page_add(array_agg(key), array_agg(below_id), array_agg(sign * n))
  FROM (SELECT k.key, urls_page_below(r.id) AS below_id, count(*) AS n
        FROM changed r, unnest(urls_page_keys(r.is_active)) AS k(key) GROUP BY 1, 2) g;
  RETURN NULL;
END $$;

CREATE FUNCTION urls_page_counts_activity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM urls_page_add(ARRAY['is_active=' || OLD.is_active, 'is_active=' || NEW.is_active],
    ARRAY[urls_page_below(OLD.id), urls_page_below(NEW.id)], ARRAY[-1, 1]::bigint[]);
  RETURN NULL;
END $$;

CREATE FUNCTION urls_page_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM urls_page_counts;
  RETURN NULL;
END $$;

CREATE TRIGGER urls_page_counts_insert AFTER INSERT ON urls
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION urls_page_counts_rows();
CREATE TRIGGER urls_page_counts_delete AFTER DELETE ON urls
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION urls_page_counts_rows();
-- A row trigger on is_active alone: the per-redirect UPDATE of a capped link's visits never runs it.
CREATE TRIGGER urls_page_counts_activity AFTER UPDATE OF is_active ON urls
  FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active) EXECUTE FUNCTION urls_page_counts_activity();
CREATE TRIGGER urls_page_counts_truncate AFTER TRUNCATE ON urls
  FOR EACH STATEMENT EXECUTE FUNCTION urls_page_counts_truncate();

-- The links already there. The triggers exist from here on in this transaction, and CREATE
-- TRIGGER holds off every other writer of urls until it commits: no link is counted twice or
-- missed.
INSERT INTO urls_page_counts (key, below_id, shard, n)
SELECT k.key, urls_page_below(u.id), 0, count(*)
FROM urls u, unnest(urls_page_keys(u.is_active)) AS k(key)
GROUP BY 1, 2;

-- Down Migration
DROP TRIGGER urls_page_counts_truncate ON urls;
DROP TRIGGER urls_page_counts_activity ON urls;
DROP TRIGGER urls_page_counts_delete ON urls;
DROP TRIGGER urls_page_counts_insert ON urls;
DROP FUNCTION urls_page_counts_truncate();
DROP FUNCTION urls_page_counts_activity();
DROP FUNCTION urls_page_counts_rows();
DROP FUNCTION urls_page_keys(boolean);
DROP FUNCTION urls_page_add(text[], bigint[], bigint[]);
DROP FUNCTION urls_page_below(bigint);
DROP TABLE urls_page_counts;
