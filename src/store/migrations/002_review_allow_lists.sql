-- Issue 6: the review page. Runs unchanged on PostgreSQL 15+ and PGlite.
--
-- An analyst who marks a match as a false positive may add the item's hash to an allow
-- list. Such an entry records who added it, why and when; entries imported from a list
-- file leave these NULL. Nullable columns without a default cost nothing on existing rows
-- (a catalogue-only change), and the import's COPY does not name them.
ALTER TABLE hash_entries
  ADD COLUMN added_by   text,
  ADD COLUMN added_note text,
  ADD COLUMN added_at   timestamptz;

-- "My recent actions" on the review page: one actor's rows, newest first, without walking
-- the whole log (every read of the queue is audited, so the log grows fast).
CREATE INDEX audit_log_actor ON audit_log (actor, id DESC);
