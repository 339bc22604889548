-- Privacy (issue 14 item 6): erasure and redaction must leave no copy of the removed text. An FTS5
-- 'delete' normally only records a tombstone: the old postings (the words themselves) stay in the
-- index's segments until a later merge happens to rewrite them. With secure-delete (SQLite 3.42+)
-- a delete removes the postings from the segments at once. Deletes cost a little more (they rewrite
-- the leaf pages holding the words); tickets and comments are deleted or edited far less often
-- than they are written.
INSERT INTO tickets_fts(tickets_fts, rank) VALUES ('secure-delete', 1);
--> statement-breakpoint
INSERT INTO comments_fts(comments_fts, rank) VALUES ('secure-delete', 1);
