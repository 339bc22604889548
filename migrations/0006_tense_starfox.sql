ALTER TABLE `attachments` ADD `merged_from_ticket_id` text REFERENCES tickets(id);--> statement-breakpoint
CREATE INDEX `attachments_merged_from_idx` ON `attachments` (`merged_from_ticket_id`,`created_at`,`id`) WHERE merged_from_ticket_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE `ticket_participants` ADD `name` text;--> statement-breakpoint
ALTER TABLE `ticket_participants` ADD `follow_up` text;--> statement-breakpoint
ALTER TABLE `comments` ADD `merged_from_ticket_id` text REFERENCES tickets(id);--> statement-breakpoint
CREATE INDEX `comments_merged_from_idx` ON `comments` (`merged_from_ticket_id`,`created_at`,`id`) WHERE merged_from_ticket_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `merged_into_id` text REFERENCES tickets(id);--> statement-breakpoint
ALTER TABLE `tickets` ADD `links` text;