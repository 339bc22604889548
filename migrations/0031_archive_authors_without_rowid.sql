-- ticket_archive_authors WITHOUT ROWID (drizzle-kit cannot declare it): its primary key is the whole
-- row, so the table is that one b-tree instead of a rowid table plus a copy of both ids in its key
-- index. Created empty just before (0025), so nothing is copied.
DROP TABLE `ticket_archive_authors`;--> statement-breakpoint
CREATE TABLE `ticket_archive_authors` (
	`author_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	PRIMARY KEY(`author_id`, `ticket_id`)
) WITHOUT ROWID;
