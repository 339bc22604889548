-- The ticket search index's ids made unique and in created order past 2^21 rowids (issue 15, docs/scale.md
-- "q= in created order"; migrations/0045_ticket_search_created_order.sql keyed it by created_at in ms
-- × 2^21 + the rowid's low 21 bits). Two tickets of one millisecond whose rowids are 2^21 apart shared
-- an id there: the second kept no doc row, but FTS5 took its postings under the first's id (the second
-- never found, the first matching its words, a later 'delete' of either corrupting the index), and two
-- of one millisecond in different 2^21-rowid blocks listed in low-bit order, not rowid order.
-- Now a millisecond whose tickets are all in one block keeps those ids (every millisecond below 2^21
-- rowids: nothing changes there); one holding tickets of two blocks is listed in
-- tickets_search_ranked and its tickets' ids are ms × 2^21 + their rank by rowid in it (0, 1, …),
-- renumbered whenever a ticket joins it: ids stay unique and in (created_at, rowid) order. One trigger
-- per event on tickets writes the doc row and FTS5 together (SQLite fires several triggers of one event
-- in an order not to rely on), FTS5 always under the id the doc row holds; UPDATE has two whose WHENs
-- part it (created_at the same or not), so exactly one fires for a row. The tickets of one
-- millisecond are few, so a renumbering costs rows only in that millisecond, only past 2^21 rowids.
-- When the last ticket past 2^21 rowids goes, the ranked milliseconds take their natural ids back, so
-- below 2^21 an id's low bits are its ticket's rowid (search.fts.ts reads them so).
-- Hand-written (drizzle-kit knows neither virtual tables nor triggers).
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
-- The milliseconds whose tickets' ids are ranks (see the head of this file). A row stays while a
-- ticket past 2^21 rowids does (tickets_search_ad), so below 2^21 every id is natural.
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
-- Repair of what 0045's ids did past 2^21 rowids, a rowid range at a time (D1 stops a query at 30 s; each
-- statement probes at most 262,144 tickets' doc rows, the last every rowid past 2^22), a no-op in a
-- database with no rowid past 2^21: a ticket without its doc row (it shared its id) and the
-- millisecond of a ticket with another block's ticket in it are marked, to be numbered by rank.
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 0 AND t.rowid < 262144 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 0 AND t.rowid < 262144 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 262144 AND t.rowid < 524288 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 262144 AND t.rowid < 524288 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 524288 AND t.rowid < 786432 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 524288 AND t.rowid < 786432 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 786432 AND t.rowid < 1048576 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 786432 AND t.rowid < 1048576 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 1048576 AND t.rowid < 1310720 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 1048576 AND t.rowid < 1310720 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 1310720 AND t.rowid < 1572864 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 1310720 AND t.rowid < 1572864 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 1572864 AND t.rowid < 1835008 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 1572864 AND t.rowid < 1835008 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 1835008 AND t.rowid < 2097152 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 1835008 AND t.rowid < 2097152 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 2097152 AND t.rowid < 2359296 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 2097152 AND t.rowid < 2359296 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 2359296 AND t.rowid < 2621440 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 2359296 AND t.rowid < 2621440 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 2621440 AND t.rowid < 2883584 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 2621440 AND t.rowid < 2883584 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 2883584 AND t.rowid < 3145728 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 2883584 AND t.rowid < 3145728 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 3145728 AND t.rowid < 3407872 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 3145728 AND t.rowid < 3407872 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 3407872 AND t.rowid < 3670016 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 3407872 AND t.rowid < 3670016 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 3670016 AND t.rowid < 3932160 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 3670016 AND t.rowid < 3932160 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 3932160 AND t.rowid < 4194304 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 3932160 AND t.rowid < 4194304 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_ranked (ms) SELECT DISTINCT CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 4194304 AND (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid) OR EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (t.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
--> statement-breakpoint
INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) SELECT t.rowid FROM tickets t
	WHERE EXISTS (SELECT 1 FROM tickets WHERE rowid >= 2097152) AND t.rowid >= 4194304 AND NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid);
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
-- A shared id left postings of two tickets under one id, which no 'delete' can take apart: when any
-- millisecond was marked, the index is emptied and filled again a rowid range at a time (131,072
-- tickets a statement, ~7 s at most, as 0045; the last every rowid past 2^21); else nothing.
INSERT INTO tickets_fts(tickets_fts) SELECT 'delete-all' WHERE EXISTS (SELECT 1 FROM tickets_search_ranked);
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 0 AND t.rowid < 131072;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 131072 AND t.rowid < 262144;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 262144 AND t.rowid < 393216;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 393216 AND t.rowid < 524288;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 524288 AND t.rowid < 655360;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 655360 AND t.rowid < 786432;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 786432 AND t.rowid < 917504;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 917504 AND t.rowid < 1048576;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 1048576 AND t.rowid < 1179648;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 1179648 AND t.rowid < 1310720;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 1310720 AND t.rowid < 1441792;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 1441792 AND t.rowid < 1572864;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 1572864 AND t.rowid < 1703936;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 1703936 AND t.rowid < 1835008;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 1835008 AND t.rowid < 1966080;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 1966080 AND t.rowid < 2097152;
--> statement-breakpoint
INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)) AND ticket_rowid = t.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = t.rowid)), t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets t WHERE EXISTS (SELECT 1 FROM tickets_search_ranked) AND t.deleted_at IS NULL AND t.rowid >= 2097152;
--> statement-breakpoint
-- A millisecond renumbered: its postings out under their ids, its ids by rank (the joining ticket's
-- among them), its postings in again.
CREATE TRIGGER `tickets_search_renumber_ai` AFTER INSERT ON `tickets_search_renumber` BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE d.doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151 AND t.deleted_at IS NULL;
	INSERT INTO tickets_search_members (ticket_rowid) SELECT ticket_rowid FROM tickets_search_docs WHERE doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151;
	INSERT OR IGNORE INTO tickets_search_members (ticket_rowid) VALUES (new.joining);
	DELETE FROM tickets_search_docs WHERE doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151;
	INSERT INTO tickets_search_docs (doc_id, ticket_rowid)
	SELECT new.ms * 2097152 + row_number() OVER (ORDER BY ticket_rowid) - 1, ticket_rowid FROM tickets_search_members;
	DELETE FROM tickets_search_members;
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE d.doc_id BETWEEN new.ms * 2097152 AND new.ms * 2097152 + 2097151 AND t.deleted_at IS NULL;
	INSERT OR IGNORE INTO tickets_search_ranked (ms) VALUES (new.ms);
	DELETE FROM tickets_search_renumber WHERE ms = new.ms;
END;
--> statement-breakpoint
-- A ranked millisecond given its natural ids back (tickets_search_ad: no ticket past 2^21 rowids is left,
-- so its tickets are all in the first block and their natural ids are unique and in rowid order).
CREATE TRIGGER `tickets_search_ranked_ad` AFTER DELETE ON `tickets_search_ranked` BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE d.doc_id BETWEEN old.ms * 2097152 AND old.ms * 2097152 + 2097151 AND t.deleted_at IS NULL;
	INSERT INTO tickets_search_members (ticket_rowid) SELECT ticket_rowid FROM tickets_search_docs WHERE doc_id BETWEEN old.ms * 2097152 AND old.ms * 2097152 + 2097151;
	DELETE FROM tickets_search_docs WHERE doc_id BETWEEN old.ms * 2097152 AND old.ms * 2097152 + 2097151;
	INSERT INTO tickets_search_docs (doc_id, ticket_rowid) SELECT (CAST(round((julianday(t.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (t.rowid & 2097151)), t.rowid FROM tickets_search_members m JOIN tickets t ON t.rowid = m.ticket_rowid;
	DELETE FROM tickets_search_members;
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT d.doc_id, t.subject, t.description, 'u' || hex(t.requester_id) || '0 s' || replace(t.status, '_', '') || '0 p' || t.priority || '0'
	FROM tickets_search_docs d JOIN tickets t ON t.rowid = d.ticket_rowid WHERE d.doc_id BETWEEN old.ms * 2097152 AND old.ms * 2097152 + 2097151 AND t.deleted_at IS NULL;
END;
--> statement-breakpoint
-- A ticket's doc row and its postings, one trigger an event.
CREATE TRIGGER `tickets_search_ai` AFTER INSERT ON `tickets` BEGIN
	-- Its natural id, when every doc row of its millisecond is at its natural id in its block (a new ticket
	-- below 2^21 rowids: always); an id
	-- taken (a rowid given by hand) falls to the renumbering below.
	INSERT OR IGNORE INTO tickets_search_docs (doc_id, ticket_rowid) SELECT (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)), new.rowid WHERE (new.rowid < 2097152 OR NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (new.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
	-- Else (only past 2^21 rowids) the millisecond renumbered by rank with it (tickets_search_renumber_ai).
	INSERT INTO tickets_search_renumber (ms, joining) SELECT CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER), new.rowid WHERE changes() = 0;
	-- Its postings under the id its doc row holds (a renumbering wrote them).
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0' WHERE changes() = 0 AND new.deleted_at IS NULL;
END;
--> statement-breakpoint
-- A ticket's words, facets or deletion changed, its created_at not: the old words out and the new in,
-- under the id its doc row holds.
CREATE TRIGGER `tickets_search_au` AFTER UPDATE OF subject, description, requester_id, status, priority, created_at, deleted_at ON `tickets`
WHEN old.created_at IS new.created_at AND (old.subject IS NOT new.subject OR old.description IS NOT new.description OR old.requester_id IS NOT new.requester_id
	OR old.status IS NOT new.status OR old.priority IS NOT new.priority OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL))
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) AND ticket_rowid = old.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid)), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0' WHERE old.deleted_at IS NULL;
	-- Soft delete: its comments leave the index with it; restore: they come back.
	INSERT INTO comments_fts(comments_fts, rowid, body, scope)
	SELECT 'delete', c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(old.requester_id) || '0' END
	FROM comments c WHERE old.deleted_at IS NULL AND new.deleted_at IS NOT NULL AND c.ticket_id = old.id;
	INSERT INTO comments_fts(rowid, body, scope)
	SELECT c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(new.requester_id) || '0' END
	FROM comments c WHERE old.deleted_at IS NOT NULL AND new.deleted_at IS NULL AND c.ticket_id = new.id;
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)) AND ticket_rowid = new.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = new.rowid)), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0' WHERE new.deleted_at IS NULL;
END;
--> statement-breakpoint
-- Its created_at changed: it leaves its millisecond and joins the other as a new ticket would
-- (but with no shortcut: an old ticket's rowid says nothing of the other millisecond's).
CREATE TRIGGER `tickets_search_au_moved` AFTER UPDATE OF subject, description, requester_id, status, priority, created_at, deleted_at ON `tickets`
WHEN old.created_at IS NOT new.created_at
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) AND ticket_rowid = old.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid)), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0' WHERE old.deleted_at IS NULL;
	-- Soft delete: its comments leave the index with it; restore: they come back.
	INSERT INTO comments_fts(comments_fts, rowid, body, scope)
	SELECT 'delete', c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(old.requester_id) || '0' END
	FROM comments c WHERE old.deleted_at IS NULL AND new.deleted_at IS NOT NULL AND c.ticket_id = old.id;
	INSERT INTO comments_fts(rowid, body, scope)
	SELECT c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(new.requester_id) || '0' END
	FROM comments c WHERE old.deleted_at IS NOT NULL AND new.deleted_at IS NULL AND c.ticket_id = new.id;
	DELETE FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid;
	-- Its natural id, when every doc row of its millisecond is at its natural id in its block; an id
	-- taken (a rowid given by hand) falls to the renumbering below.
	INSERT OR IGNORE INTO tickets_search_docs (doc_id, ticket_rowid) SELECT (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)), new.rowid WHERE (NOT EXISTS (SELECT 1 FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ((ticket_rowid >> 21) <> (new.rowid >> 21) OR (doc_id & 2097151) <> (ticket_rowid & 2097151))));
	-- Else (only past 2^21 rowids) the millisecond renumbered by rank with it (tickets_search_renumber_ai).
	INSERT INTO tickets_search_renumber (ms, joining) SELECT CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER), new.rowid WHERE changes() = 0;
	-- Its postings under the id its doc row holds (a renumbering wrote them).
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	SELECT (CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (new.rowid & 2097151)), new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0' WHERE changes() = 0 AND new.deleted_at IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_search_ad` AFTER DELETE ON `tickets` BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	SELECT 'delete', coalesce((SELECT doc_id FROM tickets_search_docs WHERE doc_id = (CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + (old.rowid & 2097151)) AND ticket_rowid = old.rowid), (SELECT doc_id FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid)), old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0' WHERE old.deleted_at IS NULL;
	DELETE FROM tickets_search_docs WHERE doc_id BETWEEN CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 AND CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) * 2097152 + 2097151 AND ticket_rowid = old.rowid;
	-- The last ticket past 2^21 rowids gone: every ranked millisecond takes its natural ids again
	-- (tickets_search_ranked_ad), as readers take an id's low bits for its rowid below 2^21.
	DELETE FROM tickets_search_ranked WHERE old.rowid >= 2097152 AND (SELECT max(rowid) FROM tickets) < 2097152;
END;
