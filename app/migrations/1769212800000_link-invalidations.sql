-- Up Migration
-- The links' invalidation outbox. A change to a link writes its code here in the change's own
-- transaction, and every replica relays what it finds to Redis (app/src/cache/invalidation-relay.ts):
-- an invalidation is no longer lost with the replica that made the change before it reached Redis,
-- nor overtaken for good by a stale value that another replica's read was writing at that moment.
-- So no lost invalidation is left for the links' cache TTL to bound, and that TTL can be long.
-- Expand-only: a new table, which the previous release does not use.
CREATE TABLE link_invalidations (
  id         bigserial PRIMARY KEY,
  short_code text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE link_invalidations;
