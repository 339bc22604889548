-- Email channel (issue 4): inbound mail, the outbound outbox, threading ids, participants,
-- attachments and template overrides. Hand-written; mirrors src/db/schema/mail.ts exactly.
CREATE TABLE `inbound_messages` (
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
	`auto_kind` text,
	`raw_key` text NOT NULL,
	`raw_size` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`comment_id`) REFERENCES `comments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbound_messages_message_id_uq` ON `inbound_messages` (`message_id`);--> statement-breakpoint
CREATE INDEX `inbound_messages_ticket_created_idx` ON `inbound_messages` (`ticket_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `inbound_messages_quarantine_idx` ON `inbound_messages` (`created_at`,`id`) WHERE status = 'quarantined';--> statement-breakpoint
CREATE TABLE `outbound_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
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
	FOREIGN KEY (`comment_id`) REFERENCES `comments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `outbound_messages_ticket_created_idx` ON `outbound_messages` (`ticket_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `outbound_messages_unsent_idx` ON `outbound_messages` (`status`,`updated_at`) WHERE status IN ('pending', 'sending');--> statement-breakpoint
CREATE INDEX `outbound_messages_to_created_idx` ON `outbound_messages` (`to_address`,`created_at`);--> statement-breakpoint
CREATE TABLE `mail_message_ids` (
	`message_id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`direction` text NOT NULL,
	`mail_id` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `mail_message_ids_ticket_idx` ON `mail_message_ids` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ticket_participants` (
	`ticket_id` text NOT NULL,
	`email` text NOT NULL,
	`added_at` text NOT NULL,
	PRIMARY KEY(`ticket_id`, `email`),
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `attachments` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`comment_id` text,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`uploaded_by_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`comment_id`) REFERENCES `comments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `attachments_ticket_created_idx` ON `attachments` (`ticket_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `attachments_comment_idx` ON `attachments` (`comment_id`) WHERE comment_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `email_templates` (
	`kind` text PRIMARY KEY NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`updated_at` text NOT NULL,
	`updated_by_id` text
);
