-- ticket_tag_index WITHOUT ROWID (drizzle-kit cannot declare it; docs/scale.md "Footprint"): its primary
-- key is the whole row, so the table is that one b-tree instead of a rowid table plus a copy of every
-- column in its key index (86 -> about 45 B per ticket at the bench's mix). Every row is copied.
CREATE TABLE `__new_ticket_tag_index` (
	`tag` text NOT NULL,
	`created_at` text NOT NULL,
	`ticket_rowid` integer NOT NULL,
	PRIMARY KEY(`tag`, `created_at`, `ticket_rowid`)
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_ticket_tag_index` (`tag`, `created_at`, `ticket_rowid`)
	SELECT `tag`, `created_at`, `ticket_rowid` FROM `ticket_tag_index` ORDER BY `tag`, `created_at`, `ticket_rowid`;--> statement-breakpoint
DROP TABLE `ticket_tag_index`;--> statement-breakpoint
ALTER TABLE `__new_ticket_tag_index` RENAME TO `ticket_tag_index`;
