CREATE TABLE `chat_sessions` (
	`ticket_id` text PRIMARY KEY NOT NULL,
	`visitor_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`email` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`visitor_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `attachments` ADD `merged_from_ticket_id` text REFERENCES tickets(id);--> statement-breakpoint
CREATE INDEX `attachments_merged_from_idx` ON `attachments` (`merged_from_ticket_id`,`created_at`,`id`) WHERE merged_from_ticket_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_participants` ADD `name` text;--> statement-breakpoint
ALTER TABLE `ticket_participants` ADD `follow_up` text;--> statement-breakpoint
ALTER TABLE `comments` ADD `merged_from_ticket_id` text REFERENCES tickets(id);--> statement-breakpoint
CREATE INDEX `comments_merged_from_idx` ON `comments` (`merged_from_ticket_id`,`created_at`,`id`) WHERE merged_from_ticket_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `merged_into_id` text REFERENCES tickets(id);--> statement-breakpoint
ALTER TABLE `tickets` ADD `links` text;