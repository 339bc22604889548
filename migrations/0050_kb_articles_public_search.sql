-- A second article index holding only what customers and anonymous visitors may find (published and
-- public), so their article ranking no longer says what drafts and internal articles hold. bm25 weighs
-- a word by how many documents of the whole index hold it, and kb_articles_fts holds every article
-- with visibility only a token in the MATCH: a public article's score for a word (and the order of two
-- public hits) moved when an internal draft came to hold it. Ranked over this index, a non-staff
-- caller's scores are a function of the public articles alone. Staff keep kb_articles_fts (they may
-- read every article, and its 'published0' token serves their suggestions).
-- One index, not one per audience: customers and anonymous visitors find the very same set
-- (src/features/kb/kb.service.ts readableBy, articleScopeFor: status 'published' and visibility
-- 'public'; visibility is public/internal only, no per-customer articles).
-- External content, like kb_articles_fts: postings and sizes only, the text read back through the
-- view for snippet(). The view is a plain filter of kb_articles (no virtual table in it: FTS5 reads its
-- content with virtual tables refused, see 0049). Columns title, body: no token column, the index
-- itself is the visibility.
-- The triggers add an article when it enters the public set (insert, publish, made public) and remove
-- it, with exactly the values it was indexed with (the OLD row), when it leaves it (unpublish, made
-- internal, delete); an edit of a public article's title or body is a remove and an add. A write that
-- leaves the article out of the set both before and after touches nothing here.
-- Articles are few (no year database holds any), so one 'rebuild' fills it from existing rows.
-- Rerunnable from the top (IF EXISTS / IF NOT EXISTS; 'rebuild' empties the index first).
-- Hand-written (drizzle-kit knows neither virtual tables, views nor triggers).
DROP TRIGGER IF EXISTS `kb_articles_public_fts_ai`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `kb_articles_public_fts_au`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `kb_articles_public_fts_ad`;
--> statement-breakpoint
CREATE VIEW IF NOT EXISTS `kb_articles_public_search_source` AS
	SELECT rowid AS doc_id, title, body FROM kb_articles
	WHERE status = 'published' AND visibility = 'public';
--> statement-breakpoint
CREATE VIRTUAL TABLE IF NOT EXISTS `kb_articles_public_fts` USING fts5(
	title, body,
	content = 'kb_articles_public_search_source', content_rowid = 'doc_id',
	tokenize = 'porter unicode61 remove_diacritics 2', prefix = '3'
);
--> statement-breakpoint
CREATE TRIGGER `kb_articles_public_fts_ai` AFTER INSERT ON `kb_articles`
WHEN new.status = 'published' AND new.visibility = 'public'
BEGIN
	INSERT INTO kb_articles_public_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
--> statement-breakpoint
CREATE TRIGGER `kb_articles_public_fts_au` AFTER UPDATE OF title, body, status, visibility ON `kb_articles`
WHEN ((old.status = 'published' AND old.visibility = 'public') OR (new.status = 'published' AND new.visibility = 'public'))
	AND (old.title IS NOT new.title OR old.body IS NOT new.body OR old.status IS NOT new.status OR old.visibility IS NOT new.visibility)
BEGIN
	INSERT INTO kb_articles_public_fts(kb_articles_public_fts, rowid, title, body)
	SELECT 'delete', old.rowid, old.title, old.body WHERE old.status = 'published' AND old.visibility = 'public';
	INSERT INTO kb_articles_public_fts(rowid, title, body)
	SELECT new.rowid, new.title, new.body WHERE new.status = 'published' AND new.visibility = 'public';
END;
--> statement-breakpoint
CREATE TRIGGER `kb_articles_public_fts_ad` AFTER DELETE ON `kb_articles`
WHEN old.status = 'published' AND old.visibility = 'public'
BEGIN
	INSERT INTO kb_articles_public_fts(kb_articles_public_fts, rowid, title, body)
	VALUES ('delete', old.rowid, old.title, old.body);
END;
--> statement-breakpoint
-- Articles written before this migration.
INSERT INTO kb_articles_public_fts(kb_articles_public_fts) VALUES ('rebuild');
