-- The tag filter's index (0021) from every live ticket's own tags: one entry per (tag, ticket),
-- keyed by the ticket's created_at and rowid, as the list walks it.
INSERT OR IGNORE INTO ticket_tag_index (tag, created_at, ticket_rowid)
SELECT j.value, t.created_at, t.rowid FROM tickets t, json_each(t.tags) j WHERE t.deleted_at IS NULL;
