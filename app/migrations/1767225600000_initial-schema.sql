-- Up Migration
-- The shortener's schema. Every list the API serves is ordered by id, so each filter's index
-- ends in id: the filter and the ORDER BY ... LIMIT are answered by one index range scan.

CREATE TABLE users (
  id          bigserial PRIMARY KEY,
  username    text NOT NULL UNIQUE,
  email       text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE urls (
  id            bigserial PRIMARY KEY,
  user_id       bigint NULL REFERENCES users (id) ON DELETE SET NULL,
  -- UNIQUE over every row ever written (soft delete keeps rows): a code is never reused.
  short_code    text NOT NULL UNIQUE,
  original_url  text NOT NULL,
  title         text NULL,
  is_active     boolean NOT NULL DEFAULT true,
  expires_at    timestamptz NULL,
  click_count   bigint NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX urls_user_id_id_idx ON urls (user_id, id);
CREATE INDEX urls_is_active_id_idx ON urls (is_active, id);

CREATE TABLE events (
  id          bigserial PRIMARY KEY,
  url_id      bigint NULL REFERENCES urls (id),
  user_id     bigint NULL,
  event_type  text NOT NULL,
  "timestamp" timestamptz NOT NULL DEFAULT now(),
  details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX events_url_id_id_idx ON events (url_id, id);
CREATE INDEX events_user_id_id_idx ON events (user_id, id);
CREATE INDEX events_event_type_id_idx ON events (event_type, id);
-- Stats read one link's events through events_url_id_id_idx: no index of their own, since every
-- click of every redirect is written here and each index is paid on each of those inserts.

CREATE TABLE api_keys (
  id          bigserial PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key_hash    text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz NULL
);
CREATE INDEX api_keys_user_id_idx ON api_keys (user_id, id);

-- Down Migration
DROP TABLE api_keys;
DROP TABLE events;
DROP TABLE urls;
DROP TABLE users;
