-- The ticket search index's ids made unique and in created order past 2^21 rowids (issue 15); the same
-- as migrations/0046_ticket_search_ids.sql (see there) for a year database's own tickets (years carry
-- no comments). Through scripts/gen-ticket-search-ids.mjs.
DROP TRIGGER `tickets_search_docs_ai`;
--> statement-breakpoint
DROP TRIGGER `tickets_search_docs_au`;
--> statement-breakpoint
DROP TRIGGER `tickets_search_docs_ad`;
--> statement-breakpoint
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
-- The milliseconds whose tickets' ids are ranks (see the head of this file); a row stays for good
-- (giving a millisecond its natural ids back would renumber it, and the last ticket past 2^21 rowids
-- gone would renumber every listed one in the one DELETE).
CREATE TABLE `tickets_search_ranked` (
	`ms` integer PRIMARY KEY NOT NULL
);
--> statement-breakpoint
-- A renumbering asked for: a row inserted renumbers its millisecond by rank with the ticket `joining`
-- it (the trigger tickets_search_renumber_ai), which deletes the row; empty between statements.
CREATE TABLE `tickets_search_renumber` (
	`ms` integer PRIMARY KEY NOT NULL,
	`joining` integer NOT NULL
);
--> statement-breakpoint
-- Scratch of a renumbering: the rowids of the millisecond's tickets; empty between statements.
CREATE TABLE `tickets_search_members` (
	`ticket_rowid` integer PRIMARY KEY NOT NULL
);
--> statement-breakpoint
-- Repair of what 0045's ids did past 2^21 rowids. A ticket without its own doc row (it shared an
-- id, or a ticket that did went since) is marked, a rowid range at a time (D1 stops a query at 30 s:
-- each statement probes at most 262,144 tickets' doc rows by primary key, up to 2^23 rowids; the last
-- every rowid past that). Not only past 2^21: a ticket below it could come second into a shared id.
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 0 AND t.rowid < 262144 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 262144 AND t.rowid < 524288 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 524288 AND t.rowid < 786432 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 786432 AND t.rowid < 1048576 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 1048576 AND t.rowid < 1310720 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 1310720 AND t.rowid < 1572864 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 1572864 AND t.rowid < 1835008 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 1835008 AND t.rowid < 2097152 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 2097152 AND t.rowid < 2359296 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 2359296 AND t.rowid < 2621440 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 2621440 AND t.rowid < 2883584 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 2883584 AND t.rowid < 3145728 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 3145728 AND t.rowid < 3407872 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 3407872 AND t.rowid < 3670016 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 3670016 AND t.rowid < 3932160 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 3932160 AND t.rowid < 4194304 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 4194304 AND t.rowid < 4456448 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 4456448 AND t.rowid < 4718592 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 4718592 AND t.rowid < 4980736 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 4980736 AND t.rowid < 5242880 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 5242880 AND t.rowid < 5505024 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 5505024 AND t.rowid < 5767168 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 5767168 AND t.rowid < 6029312 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 6029312 AND t.rowid < 6291456 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 6291456 AND t.rowid < 6553600 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 6553600 AND t.rowid < 6815744 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 6815744 AND t.rowid < 7077888 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 7077888 AND t.rowid < 7340032 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 7340032 AND t.rowid < 7602176 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 7602176 AND t.rowid < 7864320 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 7864320 AND t.rowid < 8126464 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 8126464 AND t.rowid < 8388608 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE t.rowid >= 8388608 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
-- Their milliseconds are numbered by rank, and every millisecond holding tickets of two 2^21-rowid blocks
-- (one pass over the doc rows, by their ids' milliseconds: `>> 21` floors, so before 1970 too; only
-- when a rowid past 2^21 is there, else no millisecond holds two blocks).
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets_search_members m JOIN tickets t ON t.rowid = m.ticket_rowid;
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT doc_id >> 21 FROM tickets_search_docs
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) GROUP BY doc_id >> 21 HAVING min(ticket_rowid >> 21) <> max(ticket_rowid >> 21);
--> statement-breakpoint
-- The marked milliseconds renumbered: their tickets (doc rows and those without), ids by rank.
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT d.ticket_rowid FROM tickets_search_ranked r JOIN tickets_search_docs d ON d.doc_id BETWEEN r.ms * 2097152 AND r.ms * 2097152 + 2097151;
--> statement-breakpoint
DELETE FROM tickets_search_docs WHERE doc_id IN (SELECT d.doc_id FROM tickets_search_ranked r JOIN tickets_search_docs d ON d.doc_id BETWEEN r.ms * 2097152 AND r.ms * 2097152 + 2097151);
--> statement-breakpoint
INSERT INTO tickets_search_docs (doc_id, ticket_rowid)
	SELECT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + row_number() OVER (PARTITION BY CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) ORDER BY t.rowid) - 1, t.rowid
	FROM tickets_search_members m JOIN tickets t ON t.rowid = m.ticket_rowid;
--> statement-breakpoint
DELETE FROM tickets_search_members;
--> statement-breakpoint
-- The index emptied and filled again, always: a shared id left postings of two tickets under one id,
-- and a 'delete' under it (an edit, a move, a delete of either) took the other's document size with
-- it, which nothing in the data records once the second ticket is gone (bm25, snippet() and
-- ORDER BY rank then fail with SQLITE_CORRUPT on the survivor's words). Filled a rowid range at a time
-- like 0045's: 131,072 tickets a statement (~7 s at most), up to 2^23 rowids; the last every rowid
-- past that.
INSERT INTO tickets_fts(tickets_fts) VALUES ('delete-all');
--> statement-breakpoint
-- A ticket's doc row found by its rowid while filling (a ranked millisecond's ids are not computed
-- from the row, and a millisecond may hold thousands of tickets); dropped after.
CREATE INDEX `tickets_search_docs_fill` ON `tickets_search_docs` (`ticket_rowid`);
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 0 AND t.rowid < 131072;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 131072 AND t.rowid < 262144;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 262144 AND t.rowid < 393216;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 393216 AND t.rowid < 524288;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 524288 AND t.rowid < 655360;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 655360 AND t.rowid < 786432;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 786432 AND t.rowid < 917504;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 917504 AND t.rowid < 1048576;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1048576 AND t.rowid < 1179648;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1179648 AND t.rowid < 1310720;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1310720 AND t.rowid < 1441792;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1441792 AND t.rowid < 1572864;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1572864 AND t.rowid < 1703936;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1703936 AND t.rowid < 1835008;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1835008 AND t.rowid < 1966080;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 1966080 AND t.rowid < 2097152;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2097152 AND t.rowid < 2228224;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2228224 AND t.rowid < 2359296;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2359296 AND t.rowid < 2490368;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2490368 AND t.rowid < 2621440;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2621440 AND t.rowid < 2752512;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2752512 AND t.rowid < 2883584;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 2883584 AND t.rowid < 3014656;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3014656 AND t.rowid < 3145728;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3145728 AND t.rowid < 3276800;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3276800 AND t.rowid < 3407872;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3407872 AND t.rowid < 3538944;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3538944 AND t.rowid < 3670016;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3670016 AND t.rowid < 3801088;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3801088 AND t.rowid < 3932160;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 3932160 AND t.rowid < 4063232;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4063232 AND t.rowid < 4194304;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4194304 AND t.rowid < 4325376;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4325376 AND t.rowid < 4456448;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4456448 AND t.rowid < 4587520;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4587520 AND t.rowid < 4718592;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4718592 AND t.rowid < 4849664;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4849664 AND t.rowid < 4980736;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 4980736 AND t.rowid < 5111808;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5111808 AND t.rowid < 5242880;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5242880 AND t.rowid < 5373952;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5373952 AND t.rowid < 5505024;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5505024 AND t.rowid < 5636096;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5636096 AND t.rowid < 5767168;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5767168 AND t.rowid < 5898240;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 5898240 AND t.rowid < 6029312;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6029312 AND t.rowid < 6160384;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6160384 AND t.rowid < 6291456;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6291456 AND t.rowid < 6422528;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6422528 AND t.rowid < 6553600;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6553600 AND t.rowid < 6684672;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6684672 AND t.rowid < 6815744;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6815744 AND t.rowid < 6946816;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 6946816 AND t.rowid < 7077888;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7077888 AND t.rowid < 7208960;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7208960 AND t.rowid < 7340032;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7340032 AND t.rowid < 7471104;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7471104 AND t.rowid < 7602176;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7602176 AND t.rowid < 7733248;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7733248 AND t.rowid < 7864320;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7864320 AND t.rowid < 7995392;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 7995392 AND t.rowid < 8126464;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 8126464 AND t.rowid < 8257536;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 8257536 AND t.rowid < 8388608;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t JOIN tickets_search_docs d INDEXED BY tickets_search_docs_fill ON d.ticket_rowid = t.rowid
	WHERE t.deleted_at IS NULL AND t.rowid >= 8388608;
--> statement-breakpoint
DROP INDEX `tickets_search_docs_fill`;
--> statement-breakpoint
-- A millisecond renumbered: its postings out under their ids, its ids by rank (the joining ticket's
-- among them), its postings in again; the millisecond listed as ranked.
CREATE TRIGGER `tickets_search_renumber_ai` AFTER INSERT ON `tickets_search_renumber` BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE d.doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151 AND t.deleted_at IS NULL;
	INSERT INTO tickets_search_members (ticket_rowid) SELECT ticket_rowid FROM tickets_search_docs WHERE doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151;
	-- NOT EXISTS, not OR IGNORE: a statement's own conflict clause (INSERT OR ABORT INTO tickets …)
	-- overrides a trigger's, and would fail the ticket's write on a row that is already there.
	INSERT INTO tickets_search_members (ticket_rowid) SELECT new.joining WHERE NOT EXISTS (SELECT 1 FROM tickets_search_members WHERE ticket_rowid = new.joining);
	DELETE FROM tickets_search_docs WHERE doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151;
	INSERT INTO tickets_search_docs (doc_id, ticket_rowid)
	SELECT new.ms * 2097152 + row_number() OVER (ORDER BY ticket_rowid) - 1, ticket_rowid FROM tickets_search_members;
	DELETE FROM tickets_search_members;
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE d.doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151 AND t.deleted_at IS NULL;
	INSERT INTO tickets_search_ranked (ms) SELECT new.ms WHERE NOT EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = new.ms);
	DELETE FROM tickets_search_renumber WHERE ms = new.ms;
END;
--> statement-breakpoint
-- A ticket's doc row and its postings, one trigger an event.
CREATE TRIGGER `tickets_search_ai` AFTER INSERT ON `tickets` BEGIN
	-- Its id without renumbering: its natural id when its millisecond holds no doc row (a new ticket's
	-- usual case; a ranked millisecond emptied may take it too, its ids being read from doc rows); in a
	-- ranked millisecond the next rank when its rowid comes after every other there (a new ticket's, as
	-- SQLite hands rowids out); else its natural id when the millisecond's tickets are of its 2^21-rowid
	-- block: one doc row tells, as an unranked millisecond holds one block only (reading them all made
	-- the k-th ticket of one millisecond read ~2k rows, an import's shared created_at quadratic). NULL
	-- (no row) when none.
	INSERT OR IGNORE INTO tickets_search_docs (doc_id, ticket_rowid) SELECT id, new.rowid FROM (SELECT CASE
		WHEN NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151) THEN (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151))
		WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT l.doc_id + 1 FROM (SELECT doc_id, ticket_rowid FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 ORDER BY doc_id DESC LIMIT 1) l WHERE l.ticket_rowid < new.rowid AND l.doc_id < CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151)
		WHEN (SELECT ticket_rowid >> 21 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 LIMIT 1) = (new.rowid >> 21) THEN (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)) END AS id) WHERE id IS NOT NULL;
	-- changes(): the rows the last statement of this body wrote itself (a nested trigger's are not counted).
	-- Here 0: no id taken: the millisecond renumbered by rank with it (tickets_search_renumber_ai, which
	-- writes its postings too).
	INSERT INTO tickets_search_renumber (ms, joining) SELECT CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER), new.rowid WHERE changes() = 0;
	-- Here 0: no renumbering was asked, so the id was taken: its postings under it, the doc row's
	-- doc_id (an INTEGER PRIMARY KEY: last_insert_rowid(), no row inserted since).
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT last_insert_rowid(), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0' WHERE changes() = 0 AND new.deleted_at IS NULL;
END;
--> statement-breakpoint
-- A ticket's words, facets or deletion changed, its created_at not: the old words out and the new in,
-- under its id (tickets_search_au_moved takes a changed created_at; not OF created_at: a statement
-- that sets only it changes nothing here).
CREATE TRIGGER `tickets_search_au` AFTER UPDATE OF subject, description, requester_id, status, priority, deleted_at ON `tickets`
WHEN old.created_at IS new.created_at AND (old.subject IS NOT new.subject OR old.description IS NOT new.description OR old.requester_id IS NOT new.requester_id
	OR old.status IS NOT new.status OR old.priority IS NOT new.priority OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL))
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid) ELSE (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) END), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0' WHERE old.deleted_at IS NULL;
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = new.rowid) ELSE (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)) END), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0' WHERE new.deleted_at IS NULL;
END;
--> statement-breakpoint
-- Its created_at changed: it leaves its millisecond (a ranked one keeps its ranks, a gap where it was)
-- and joins the other as a new ticket would. OF created_at only, so an update that does not set it
-- compiles none of this (SQLite codes a statement's triggers into it when preparing it).
CREATE TRIGGER `tickets_search_au_moved` AFTER UPDATE OF created_at ON `tickets`
WHEN old.created_at IS NOT new.created_at
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid) ELSE (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) END), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0' WHERE old.deleted_at IS NULL;
	DELETE FROM tickets_search_docs WHERE doc_id = (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid) ELSE (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) END) AND ticket_rowid = old.rowid;
	-- Its id without renumbering: its natural id when its millisecond holds no doc row (a new ticket's
	-- usual case; a ranked millisecond emptied may take it too, its ids being read from doc rows); in a
	-- ranked millisecond the next rank when its rowid comes after every other there (a new ticket's, as
	-- SQLite hands rowids out); else its natural id when the millisecond's tickets are of its 2^21-rowid
	-- block: one doc row tells, as an unranked millisecond holds one block only (reading them all made
	-- the k-th ticket of one millisecond read ~2k rows, an import's shared created_at quadratic). NULL
	-- (no row) when none.
	INSERT OR IGNORE INTO tickets_search_docs (doc_id, ticket_rowid) SELECT id, new.rowid FROM (SELECT CASE
		WHEN NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151) THEN (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151))
		WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT l.doc_id + 1 FROM (SELECT doc_id, ticket_rowid FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 ORDER BY doc_id DESC LIMIT 1) l WHERE l.ticket_rowid < new.rowid AND l.doc_id < CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151)
		WHEN (SELECT ticket_rowid >> 21 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 LIMIT 1) = (new.rowid >> 21) THEN (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)) END AS id) WHERE id IS NOT NULL;
	-- changes(): the rows the last statement of this body wrote itself (a nested trigger's are not counted).
	-- Here 0: no id taken: the millisecond renumbered by rank with it (tickets_search_renumber_ai, which
	-- writes its postings too).
	INSERT INTO tickets_search_renumber (ms, joining) SELECT CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER), new.rowid WHERE changes() = 0;
	-- Here 0: no renumbering was asked, so the id was taken: its postings under it, the doc row's
	-- doc_id (an INTEGER PRIMARY KEY: last_insert_rowid(), no row inserted since).
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT last_insert_rowid(), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0' WHERE changes() = 0 AND new.deleted_at IS NULL;
END;
--> statement-breakpoint
-- Gone: its postings and its doc row (a ranked millisecond keeps its ranks, a gap where it was).
CREATE TRIGGER `tickets_search_ad` AFTER DELETE ON `tickets` BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid) ELSE (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) END), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0' WHERE old.deleted_at IS NULL;
	DELETE FROM tickets_search_docs WHERE doc_id = (CASE WHEN EXISTS (SELECT 1 FROM tickets_search_ranked WHERE ms = CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER)) THEN (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid) ELSE (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) END) AND ticket_rowid = old.rowid;
END;
