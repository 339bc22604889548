CREATE TABLE `search_query_days` (
	`day` text PRIMARY KEY NOT NULL,
	`queries` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `attachments` ADD `storage_key` text;