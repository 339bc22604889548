-- The ticket search index keyed in created order (issue 15, docs/scale.md "q= in created order").
-- `GET /tickets?q=` in created order walks the word's postings (features/search/search.fts.ts),
-- which FTS5 keeps in document-id order; with the ticket's rowid as its id that was insert order,
-- which imports, restores, year moves and concurrent creates make differ from created_at. The id is
-- now the ticket's created_at in ms since 1970, times 2^21, plus the rowid's low 21 bits:
--   (CAST(round((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (rowid & 2097151))
-- so id order is the list's (created_at, rowid) order for every ticket whose rowid is below 2^21, and
-- for any two that differ in created_at (created_at is always an ISO time in ms, toISOString's: its
-- text order is its time order). It fits a signed 64-bit integer for created_at in 1830..2109. Two
-- tickets created in the same ms whose rowids are 2^21 apart or more may go in rowid-bit order, and
-- two whose rowids are equal in those bits would share an id (the second keeps no doc row: the
-- INSERT OR IGNORE below, a ticket write must not fail on it); neither can happen below 2,097,152
-- rowids. Same tokens, view columns, tokenizer, triggers (each giving FTS5 the id of the row) as
-- migrations/0002 and 0015; comments_fts is untouched. tickets_search_docs maps an id back to the
-- ticket (FTS5 reads the view by id for snippet(): a PRIMARY KEY seek). A ticket's created_at
-- never changes today; if it did, its id moves with it (the created_at triggers).
-- Hand-written (drizzle-kit knows neither virtual tables, views nor triggers).
DROP TRIGGER `tickets_fts_ai`;
--> statement-breakpoint
DROP TRIGGER `tickets_fts_au_content`;
--> statement-breakpoint
DROP TRIGGER `tickets_fts_au_deleted`;
--> statement-breakpoint
DROP TRIGGER `tickets_fts_au_restored`;
--> statement-breakpoint
DROP TRIGGER `tickets_fts_ad`;
--> statement-breakpoint
DROP TABLE `tickets_fts`;
--> statement-breakpoint
DROP VIEW `tickets_search_source`;
--> statement-breakpoint
-- Every ticket's document id (deleted ones too: a restore finds it); the id follows from the row,
-- so the index can be rebuilt from this table. OR IGNORE: see the head of this file.
CREATE TABLE `tickets_search_docs` (
	`doc_id` integer PRIMARY KEY NOT NULL,
	`ticket_rowid` integer NOT NULL
);
--> statement-breakpoint
INSERT OR IGNORE INTO `tickets_search_docs` (doc_id, ticket_rowid) SELECT (CAST(round((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (rowid & 2097151)), rowid FROM tickets;
--> statement-breakpoint
CREATE VIEW `tickets_search_source` AS
	SELECT d.doc_id AS doc_id, t.subject AS subject, t.description AS description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0' AS facets
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE t.deleted_at IS NULL;
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
CREATE TRIGGER `tickets_search_docs_ai` AFTER INSERT ON `tickets` BEGIN
	INSERT OR IGNORE INTO tickets_search_docs (doc_id, ticket_rowid) VALUES ((CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)), new.rowid);
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_search_docs_au` AFTER UPDATE OF created_at ON `tickets` WHEN old.created_at IS NOT new.created_at BEGIN
	DELETE FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) AND ticket_rowid = old.rowid;
	INSERT OR IGNORE INTO tickets_search_docs (doc_id, ticket_rowid) VALUES ((CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)), new.rowid);
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_search_docs_ad` AFTER DELETE ON `tickets` BEGIN
	DELETE FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) AND ticket_rowid = old.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_ai` AFTER INSERT ON `tickets` WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	VALUES ((CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0');
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_au_content` AFTER UPDATE OF subject, description, requester_id, status, priority, created_at ON `tickets`
WHEN old.deleted_at IS NULL AND new.deleted_at IS NULL
	AND (old.subject IS NOT new.subject OR old.description IS NOT new.description OR old.requester_id IS NOT new.requester_id
		OR old.status IS NOT new.status OR old.priority IS NOT new.priority OR old.created_at IS NOT new.created_at)
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	VALUES ('delete', (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0');
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	VALUES ((CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0');
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_au_deleted` AFTER UPDATE OF deleted_at ON `tickets`
WHEN old.deleted_at IS NULL AND new.deleted_at IS NOT NULL
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	VALUES ('delete', (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0');
	INSERT INTO comments_fts(comments_fts, rowid, body, scope)
	SELECT 'delete', c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(old.requester_id) || '0' END
	FROM comments c WHERE c.ticket_id = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_au_restored` AFTER UPDATE OF deleted_at ON `tickets`
WHEN old.deleted_at IS NOT NULL AND new.deleted_at IS NULL
BEGIN
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	VALUES ((CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0');
	INSERT INTO comments_fts(rowid, body, scope)
	SELECT c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(new.requester_id) || '0' END
	FROM comments c WHERE c.ticket_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_ad` AFTER DELETE ON `tickets` WHEN old.deleted_at IS NULL BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	VALUES ('delete', (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0');
END;
--> statement-breakpoint
-- The index filled a rowid range at a time, not in one 'rebuild': one statement over every ticket takes
-- ~5 s a 100,000 here (~1 minute at a million), and D1 stops a query at 30 s. Each range below holds
-- at most 131,072 tickets (~7 s here); the last one takes every rowid past 2^21. Only a ticket that owns
-- its doc row is indexed, as the view (and so a 'rebuild') would.
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 0 AND t.rowid < 131072;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 131072 AND t.rowid < 262144;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 262144 AND t.rowid < 393216;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 393216 AND t.rowid < 524288;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 524288 AND t.rowid < 655360;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 655360 AND t.rowid < 786432;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 786432 AND t.rowid < 917504;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 917504 AND t.rowid < 1048576;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1048576 AND t.rowid < 1179648;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1179648 AND t.rowid < 1310720;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1310720 AND t.rowid < 1441792;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1441792 AND t.rowid < 1572864;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1572864 AND t.rowid < 1703936;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1703936 AND t.rowid < 1835008;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1835008 AND t.rowid < 1966080;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1966080 AND t.rowid < 2097152;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d ON d.doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2097152;
