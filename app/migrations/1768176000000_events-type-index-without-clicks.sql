-- Up Migration
-- Every redirect writes a 'click' event, and each index on events is paid on every one of them
-- (COPY's WAL per batch -16% without this one; bench:clicks). Clicks are nearly every row, so
-- the reads never needed an index to find them by type: ?event_type=click walks the primary key
-- (nearly every entry matches), with url_id or user_id it walks their indexes. The other types
-- (created, updated, deactivated, a client's own) are few and keep an index of their own, which
-- the planner picks for event_type = 'created' (it proves 'created' <> 'click').
-- Expand-only: no column changes; the previous release's queries are answered by the same
-- indexes. Building it reads events once and holds off writers meanwhile (seconds at millions
-- of events): the click flush's statement times out, keeps its batch and retries.
-- app/test/runtime/events-indexes.test.ts checks, with EXPLAIN, that every list query of
-- events still reads an index.
CREATE INDEX events_other_type_id_idx ON events (event_type, id) WHERE event_type <> 'click';
DROP INDEX events_event_type_id_idx;

-- Down Migration
CREATE INDEX events_event_type_id_idx ON events (event_type, id);
DROP INDEX events_other_type_id_idx;
