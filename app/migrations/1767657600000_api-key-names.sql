-- Up Migration
-- A key may carry a name ("ci", "laptop") so its owner can tell keys apart when revoking one.
-- Expand only: the previous release neither reads nor writes the column.
ALTER TABLE api_keys ADD COLUMN name text CHECK (name IS NULL OR char_length(name) BETWEEN 1 AND 100);

-- Down Migration
ALTER TABLE api_keys DROP COLUMN name;
