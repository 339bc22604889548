-- Full-text search: FTS5 indexes over tickets, comments and articles, the views they read and the
-- triggers that keep them in sync. Hand-written: drizzle-kit knows neither virtual tables, views
-- nor triggers.
-- ---------------------------------------------------------------- full-text search
--
-- External-content FTS5 tables: the index holds only postings and document sizes, the text stays in
-- tickets/comments/kb_articles, so a write indexes the text once instead of storing a second copy
-- of every description (a contentless table would be as cheap but cannot produce snippets). Each
-- index reads its documents through a view that adds a visibility token column, so visibility is
-- part of the MATCH itself: a customer's query is intersected with their own token's posting list
-- inside FTS5 instead of ranking everyone's matches and filtering afterwards.
--
-- Tokens (src/domain/search-query.ts builds the same ones):
--   'u' || hex(user_id) || '0'  the owner: a ticket's requester; on comments, only public ones carry it
--   's<status>0', 'p<priority>0' a ticket's status (underscore dropped) and priority, so the search
--                               filters are intersections inside FTS5 too (`sopen0`, `pcritical0`)
--   'staff0'                    an internal note / an article only staff may read
--   'published0', 'public0'     article states
-- hex() keeps any id one token, and the trailing digit keeps the porter stemmer from touching it.
--
-- The views exclude deleted tickets (and their comments), so 'rebuild' never indexes them; the
-- triggers below remove a ticket and its comments from the index when it is soft-deleted. FTS5
-- rowids are the tables' own rowids. If those ever had to be renumbered, the recovery is
-- `INSERT INTO <table>_fts(<table>_fts) VALUES('rebuild')`.
--
-- Tokenizer: porter stemming over unicode61 with diacritics removed ("café" = "cafe", "printers" =
-- "printer"). prefix='3' indexes 3-letter prefixes, so the as-you-type prefix query of a short
-- word reads one posting list instead of merging every word that starts with it.

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
CREATE VIEW `comments_search_source` AS
	SELECT c.rowid AS doc_id, c.body AS body,
		CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(t.requester_id) || '0' END AS scope
	FROM comments c JOIN tickets t ON t.id = c.ticket_id
	WHERE t.deleted_at IS NULL;
--> statement-breakpoint
CREATE VIRTUAL TABLE `comments_fts` USING fts5(
	body, scope,
	content = 'comments_search_source', content_rowid = 'doc_id',
	tokenize = 'porter unicode61 remove_diacritics 2', prefix = '3'
);
--> statement-breakpoint
CREATE VIEW `kb_articles_search_source` AS
	SELECT rowid AS doc_id, title, body,
		CASE
			WHEN status = 'published' AND visibility = 'public' THEN 'published0 public0'
			WHEN status = 'published' THEN 'published0 staff0'
			ELSE 'staff0'
		END AS scope
	FROM kb_articles;
--> statement-breakpoint
CREATE VIRTUAL TABLE `kb_articles_fts` USING fts5(
	title, body, scope,
	content = 'kb_articles_search_source', content_rowid = 'doc_id',
	tokenize = 'porter unicode61 remove_diacritics 2', prefix = '3'
);
--> statement-breakpoint

-- An external-content 'delete' must be given exactly the values that were indexed, so every
-- trigger deletes with the OLD row and only while that row was in the index (ticket not deleted).
-- Updates fire only when an indexed value changed: changeTicket rewrites every column, and an
-- assignment or SLA stamp must not re-tokenise a 50,000-character description. A status or
-- priority change does re-index the ticket (its facet tokens): a few per ticket's life, against a
-- filtered search that would otherwise read every match to find the open ones.

CREATE TRIGGER `tickets_fts_ai` AFTER INSERT ON `tickets` WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	VALUES (new.rowid, new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0');
END;
--> statement-breakpoint
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
-- A new requester takes over the ticket's public comments in the index.
CREATE TRIGGER `tickets_fts_au_requester` AFTER UPDATE OF requester_id ON `tickets`
WHEN old.deleted_at IS NULL AND new.deleted_at IS NULL AND old.requester_id IS NOT new.requester_id
BEGIN
	INSERT INTO comments_fts(comments_fts, rowid, body, scope)
	SELECT 'delete', c.rowid, c.body, 'u' || hex(old.requester_id) || '0' FROM comments c WHERE c.ticket_id = old.id AND NOT c.internal;
	INSERT INTO comments_fts(rowid, body, scope)
	SELECT c.rowid, c.body, 'u' || hex(new.requester_id) || '0' FROM comments c WHERE c.ticket_id = new.id AND NOT c.internal;
END;
--> statement-breakpoint
-- Soft delete: the ticket and all of its comments leave the index at once.
CREATE TRIGGER `tickets_fts_au_deleted` AFTER UPDATE OF deleted_at ON `tickets`
WHEN old.deleted_at IS NULL AND new.deleted_at IS NOT NULL
BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	VALUES ('delete', old.rowid, old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0');
	INSERT INTO comments_fts(comments_fts, rowid, body, scope)
	SELECT 'delete', c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(old.requester_id) || '0' END
	FROM comments c WHERE c.ticket_id = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_au_restored` AFTER UPDATE OF deleted_at ON `tickets`
WHEN old.deleted_at IS NOT NULL AND new.deleted_at IS NULL
BEGIN
	INSERT INTO tickets_fts(rowid, subject, description, facets)
	VALUES (new.rowid, new.subject, new.description, 'u' || hex(new.requester_id) || '0 s' || replace(new.status, '_', '') || '0 p' || new.priority || '0');
	INSERT INTO comments_fts(rowid, body, scope)
	SELECT c.rowid, c.body, CASE WHEN c.internal THEN 'staff0' ELSE 'u' || hex(new.requester_id) || '0' END
	FROM comments c WHERE c.ticket_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_ad` AFTER DELETE ON `tickets` WHEN old.deleted_at IS NULL BEGIN
	INSERT INTO tickets_fts(tickets_fts, rowid, subject, description, facets)
	VALUES ('delete', old.rowid, old.subject, old.description, 'u' || hex(old.requester_id) || '0 s' || replace(old.status, '_', '') || '0 p' || old.priority || '0');
END;
--> statement-breakpoint
CREATE TRIGGER `comments_fts_ai` AFTER INSERT ON `comments` BEGIN
	INSERT INTO comments_fts(rowid, body, scope)
	SELECT new.rowid, new.body, CASE WHEN new.internal THEN 'staff0' ELSE 'u' || hex(t.requester_id) || '0' END
	FROM tickets t WHERE t.id = new.ticket_id AND t.deleted_at IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `comments_fts_au` AFTER UPDATE OF body, internal, ticket_id ON `comments`
WHEN old.body IS NOT new.body OR old.internal IS NOT new.internal OR old.ticket_id IS NOT new.ticket_id
BEGIN
	INSERT INTO comments_fts(comments_fts, rowid, body, scope)
	SELECT 'delete', old.rowid, old.body, CASE WHEN old.internal THEN 'staff0' ELSE 'u' || hex(t.requester_id) || '0' END
	FROM tickets t WHERE t.id = old.ticket_id AND t.deleted_at IS NULL;
	INSERT INTO comments_fts(rowid, body, scope)
	SELECT new.rowid, new.body, CASE WHEN new.internal THEN 'staff0' ELSE 'u' || hex(t.requester_id) || '0' END
	FROM tickets t WHERE t.id = new.ticket_id AND t.deleted_at IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `comments_fts_ad` AFTER DELETE ON `comments` BEGIN
	INSERT INTO comments_fts(comments_fts, rowid, body, scope)
	SELECT 'delete', old.rowid, old.body, CASE WHEN old.internal THEN 'staff0' ELSE 'u' || hex(t.requester_id) || '0' END
	FROM tickets t WHERE t.id = old.ticket_id AND t.deleted_at IS NULL;
END;
--> statement-breakpoint
CREATE TRIGGER `kb_articles_fts_ai` AFTER INSERT ON `kb_articles` BEGIN
	INSERT INTO kb_articles_fts(rowid, title, body, scope)
	SELECT doc_id, title, body, scope FROM kb_articles_search_source WHERE doc_id = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `kb_articles_fts_au` AFTER UPDATE OF title, body, status, visibility ON `kb_articles`
WHEN old.title IS NOT new.title OR old.body IS NOT new.body OR old.status IS NOT new.status OR old.visibility IS NOT new.visibility
BEGIN
	INSERT INTO kb_articles_fts(kb_articles_fts, rowid, title, body, scope)
	VALUES ('delete', old.rowid, old.title, old.body,
		CASE
			WHEN old.status = 'published' AND old.visibility = 'public' THEN 'published0 public0'
			WHEN old.status = 'published' THEN 'published0 staff0'
			ELSE 'staff0'
		END);
	INSERT INTO kb_articles_fts(rowid, title, body, scope)
	SELECT doc_id, title, body, scope FROM kb_articles_search_source WHERE doc_id = new.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `kb_articles_fts_ad` AFTER DELETE ON `kb_articles` BEGIN
	INSERT INTO kb_articles_fts(kb_articles_fts, rowid, title, body, scope)
	VALUES ('delete', old.rowid, old.title, old.body,
		CASE
			WHEN old.status = 'published' AND old.visibility = 'public' THEN 'published0 public0'
			WHEN old.status = 'published' THEN 'published0 staff0'
			ELSE 'staff0'
		END);
END;
--> statement-breakpoint
-- Tickets and comments written before this migration.
INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild');
--> statement-breakpoint
INSERT INTO comments_fts(comments_fts) VALUES ('rebuild');
