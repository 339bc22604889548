CREATE TABLE `ticket_archive_authors` (
	`author_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	PRIMARY KEY(`author_id`, `ticket_id`)
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_channel_messages` (
	`channel_id` text NOT NULL,
	`external_id` text NOT NULL,
	`thread_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`comment_id` text,
	`sent_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_channel_messages`("channel_id", "external_id", "thread_id", "ticket_id", "comment_id", "sent_at", "created_at") SELECT "channel_id", "external_id", "thread_id", "ticket_id", "comment_id", "sent_at", "created_at" FROM `channel_messages`;--> statement-breakpoint
DROP TABLE `channel_messages`;--> statement-breakpoint
ALTER TABLE `__new_channel_messages` RENAME TO `channel_messages`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `channel_messages_external_uq` ON `channel_messages` (`channel_id`,`external_id`);--> statement-breakpoint
CREATE TABLE `__new_attachments` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`comment_id` text,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`storage_key` text,
	`uploaded_by_id` text,
	`created_at` text NOT NULL,
	`merged_from_ticket_id` text,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`merged_from_ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_attachments`("id", "ticket_id", "comment_id", "filename", "content_type", "size", "sha256", "storage_key", "uploaded_by_id", "created_at", "merged_from_ticket_id") SELECT "id", "ticket_id", "comment_id", "filename", "content_type", "size", "sha256", "storage_key", "uploaded_by_id", "created_at", "merged_from_ticket_id" FROM `attachments`;--> statement-breakpoint
DROP TABLE `attachments`;--> statement-breakpoint
ALTER TABLE `__new_attachments` RENAME TO `attachments`;--> statement-breakpoint
CREATE INDEX `attachments_ticket_created_idx` ON `attachments` (`ticket_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `attachments_merged_from_idx` ON `attachments` (`merged_from_ticket_id`,`created_at`,`id`) WHERE merged_from_ticket_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `attachments_comment_idx` ON `attachments` (`comment_id`) WHERE comment_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `attachments_sha256_idx` ON `attachments` (`sha256`);--> statement-breakpoint
CREATE TABLE `__new_inbound_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`message_id` text NOT NULL,
	`ticket_id` text,
	`comment_id` text,
	`status` text NOT NULL,
	`reason` text,
	`from_address` text,
	`from_name` text,
	`envelope_to` text,
	`subject` text,
	`text` text NOT NULL,
	`full_text` text NOT NULL,
	`html` text,
	`body_key` text,
	`auto_kind` text,
	`raw_key` text NOT NULL,
	`raw_size` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_inbound_messages`("id", "message_id", "ticket_id", "comment_id", "status", "reason", "from_address", "from_name", "envelope_to", "subject", "text", "full_text", "html", "body_key", "auto_kind", "raw_key", "raw_size", "created_at", "updated_at") SELECT "id", "message_id", "ticket_id", "comment_id", "status", "reason", "from_address", "from_name", "envelope_to", "subject", "text", "full_text", "html", "body_key", "auto_kind", "raw_key", "raw_size", "created_at", "updated_at" FROM `inbound_messages`;--> statement-breakpoint
DROP TABLE `inbound_messages`;--> statement-breakpoint
ALTER TABLE `__new_inbound_messages` RENAME TO `inbound_messages`;--> statement-breakpoint
CREATE UNIQUE INDEX `inbound_messages_message_id_uq` ON `inbound_messages` (`message_id`);--> statement-breakpoint
CREATE INDEX `inbound_messages_ticket_created_idx` ON `inbound_messages` (`ticket_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `inbound_messages_held_idx` ON `inbound_messages` (`created_at`,`id`) WHERE status IN ('quarantined', 'failed');--> statement-breakpoint
CREATE TABLE `__new_outbound_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text,
	`user_id` text,
	`comment_id` text,
	`kind` text NOT NULL,
	`automatic` integer NOT NULL,
	`to_address` text NOT NULL,
	`to_name` text NOT NULL,
	`data` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`message_id` text,
	`provider_message_id` text,
	`in_reply_to` text,
	`subject` text,
	`claimed_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`sent_at` text,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_outbound_messages`("id", "ticket_id", "user_id", "comment_id", "kind", "automatic", "to_address", "to_name", "data", "status", "attempts", "last_error", "message_id", "provider_message_id", "in_reply_to", "subject", "claimed_at", "created_at", "updated_at", "sent_at") SELECT "id", "ticket_id", "user_id", "comment_id", "kind", "automatic", "to_address", "to_name", "data", "status", "attempts", "last_error", "message_id", "provider_message_id", "in_reply_to", "subject", "claimed_at", "created_at", "updated_at", "sent_at" FROM `outbound_messages`;--> statement-breakpoint
DROP TABLE `outbound_messages`;--> statement-breakpoint
ALTER TABLE `__new_outbound_messages` RENAME TO `outbound_messages`;--> statement-breakpoint
CREATE INDEX `outbound_messages_ticket_created_idx` ON `outbound_messages` (`ticket_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `outbound_messages_unsent_idx` ON `outbound_messages` (`status`,`updated_at`) WHERE status IN ('pending', 'sending');--> statement-breakpoint
CREATE INDEX `outbound_messages_to_created_idx` ON `outbound_messages` (`to_address`,`created_at`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `archived_at` text;--> statement-breakpoint
CREATE INDEX `tickets_archive_due_idx` ON `tickets` (`status`,`closed_at`) WHERE deleted_at IS NULL AND archived_at IS NULL AND status = 'closed';