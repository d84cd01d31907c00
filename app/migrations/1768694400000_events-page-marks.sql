-- Up Migration
-- Deep ?page pages of /events without stepping over every earlier entry. A B-tree keeps no
-- counts: OFFSET N steps over N index entries (about 0.1 us each; the middle of 10M events is
-- half a second). Events are never updated or deleted, so how many of a list's events lie below
-- an id never changes once every id below it is final: a background job (app/src/page-marks/)
-- counts each finished span of ids once, per list whose share of that span is large, and a deep
-- page starts from the nearest count below it instead of from the start.

-- "The events of list `key` with id < below_id number cum." `key` names the list's filter
-- (app/src/page-marks/keys.ts: '' for all events, 'url_id=7&event_type=click', ...).
CREATE TABLE events_page_marks (
  key      text NOT NULL,
  below_id bigint NOT NULL,
  cum      bigint NOT NULL,
  PRIMARY KEY (key, below_id)
);

-- The lists being counted and their count so far: every span sealed after a list was first
-- counted adds a mark for it (where it has events in that span). A link's or a user's list
-- names its link or user, so that a span's count reads only the events of counted ones.
CREATE TABLE events_page_tracked (
  key     text PRIMARY KEY,
  url_id  bigint NULL,
  user_id bigint NULL,
  cum     bigint NOT NULL
);

-- The job's progress, one row: spans below next_below are counted; ids below final_below are
-- final. The candidate is the next final_below, once every transaction that was open when it
-- was taken has ended (an id is taken before its transaction commits).
CREATE TABLE events_page_seal (
  only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  next_below      bigint NOT NULL DEFAULT 0,
  final_below     bigint NOT NULL DEFAULT 0,
  candidate_below bigint NULL,
  candidate_at    timestamptz NULL
);
INSERT INTO events_page_seal DEFAULT VALUES;

-- Down Migration
-- The previous release never reads these tables: they are only a shortcut to rows it finds
-- by OFFSET.
DROP TABLE events_page_seal;
DROP TABLE events_page_tracked;
DROP TABLE events_page_marks;
