-- An entry an analyst added to an allow list from a review (added_by set) belongs to the
-- list, not to one version: a re-import of the list's file carries it to the new version.
-- Few such rows next to a list's imported entries, so a partial index finds them without
-- walking a million-row version.
CREATE INDEX hash_entries_reviewed ON hash_entries (list_id, version) WHERE added_by IS NOT NULL;
