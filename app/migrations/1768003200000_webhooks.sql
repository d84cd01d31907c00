-- Up Migration
-- Webhooks and their outbox. A delivery row is written in the same transaction as the change
-- that causes it (link created, updated, deactivated; a batch of clicks), so an event is never
-- announced without having happened, nor lost after it happened. Every replica runs a delivery
-- worker that claims due rows with FOR UPDATE SKIP LOCKED and a lease (locked_until): no row is
-- sent by two replicas at once, and a row whose replica died mid-delivery is taken up again once
-- its lease runs out. Expand only.

CREATE TABLE webhooks (
  id          bigserial PRIMARY KEY,
  -- NULL: created with an admin key, receives every link's events.
  user_id     bigint NULL REFERENCES users (id) ON DELETE CASCADE,
  url         text   NOT NULL,
  events      text[] NOT NULL,
  -- Kept as is: signing needs it. Shown once, at creation.
  secret      text   NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_user_id_id_idx ON webhooks (user_id, id);

CREATE TABLE webhook_deliveries (
  id                bigserial PRIMARY KEY,
  webhook_id        bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event             text   NOT NULL,
  -- The delivery's `data`: the link, or an array of up to 100 clicks.
  data              jsonb  NOT NULL,
  status            text   NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts          integer NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  locked_until      timestamptz NULL,
  last_status_code  integer NULL,
  last_error        text NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  delivered_at      timestamptz NULL
);
-- The workers' claim, the backlog gauges: only pending rows, which stay few while receivers answer.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook_id_id_idx ON webhook_deliveries (webhook_id, id);

-- ISO-8601 UTC with milliseconds and Z, as the API writes timestamps.
CREATE FUNCTION iso_utc(t timestamptz) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

-- Down Migration
DROP FUNCTION iso_utc(timestamptz);
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
