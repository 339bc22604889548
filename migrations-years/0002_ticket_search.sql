-- Search across year databases (issue 15, docs/scale.md "Year databases"): a year database carries
-- the ticket full-text index of main (migrations/0002_search_index.sql, secure-delete of 0015) for
-- the tickets it holds, kept by the same triggers. So the retire's copy (an insert, or an upsert's
-- update, into the year) indexes the ticket in the copy's own batch, and main's guarded delete
-- removes main's entry in its batch (main's trigger): the search entries move in the same steps as
-- the row, both ways (features/archive/archive.retire.ts). Hand-written: 0001 is generated and
-- deployed, and drizzle-kit knows neither virtual tables, views nor triggers.
--
-- The same view, tokens, tokenizer and column weights as main's, so a query means the same in
-- every database (src/features/search/search.fts.ts). Comments are not here: a retired ticket is
-- archived, its comments are in R2 (their index entries left main with the archive).
CREATE VIEW `tickets_search_source` AS
	SELECT rowid AS doc_id, subject, description, 'u' || hex(requester_id) || '0 s' || replace(status, '_', '') || '0 p' || priority || '0' AS facets
	FROM tickets WHERE deleted_at IS NULL;
--> statement-breakpoint
CREATE VIRTUAL TABLE `tickets_fts` USING fts5(
	subject, description, facets,
	content = 'tickets_search_source', content_rowid = 'doc_id',
	tokenize = 'porter unicode61 remove_diacritics 2', prefix = '3'
);
--> statement-breakpoint
-- Erasure leaves no copy of removed words (migrations/0015_privacy_secure_delete.sql).
INSERT INTO tickets_fts(tickets_fts, rank) VALUES ('secure-delete', 1);
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_ai` AFTER INSERT ON `tickets` WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	VALUES (new.rowid, new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0');
END;
--> statement-breakpoint
-- The retire's upsert of an earlier copy rewrites every column: re-index only when an indexed one changed.
CREATE TRIGGER `tickets_fts_au_content` AFTER UPDATE OF subject, description, requester_id, status, priority ON `tickets`
WHEN old.deleted_at IS NULL AND new.deleted_at IS NULL
	AND (old.subject IS NOT new.subject OR old.description IS NOT new.description OR old.requester_id IS NOT new.requester_id
		OR old.status IS NOT new.status OR old.priority IS NOT new.priority)
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	VALUES ('delete', old.rowid, old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0');
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	VALUES (new.rowid, new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0');
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_au_deleted` AFTER UPDATE OF deleted_at ON `tickets`
WHEN old.deleted_at IS NULL AND new.deleted_at IS NOT NULL
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	VALUES ('delete', old.rowid, old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0');
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_au_restored` AFTER UPDATE OF deleted_at ON `tickets`
WHEN old.deleted_at IS NOT NULL AND new.deleted_at IS NULL
BEGIN
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	VALUES (new.rowid, new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0');
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_ad` AFTER DELETE ON `tickets` WHEN old.deleted_at IS NULL BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	VALUES ('delete', old.rowid, old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0');
END;
--> statement-breakpoint
-- The tickets a deployed year database already holds (retired before this migration).
INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild');
