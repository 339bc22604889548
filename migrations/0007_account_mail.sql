PRAGMA foreign_keys=OFF;--> statement-breakpoint
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
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`comment_id`) REFERENCES `comments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_outbound_messages`("id", "ticket_id", "user_id", "comment_id", "kind", "automatic", "to_address", "to_name", "data", "status", "attempts", "last_error", "message_id", "provider_message_id", "in_reply_to", "subject", "claimed_at", "created_at", "updated_at", "sent_at") SELECT "id", "ticket_id", "user_id", "comment_id", "kind", "automatic", "to_address", "to_name", "data", "status", "attempts", "last_error", "message_id", "provider_message_id", "in_reply_to", "subject", "claimed_at", "created_at", "updated_at", "sent_at" FROM `outbound_messages`;--> statement-breakpoint
DROP TABLE `outbound_messages`;--> statement-breakpoint
ALTER TABLE `__new_outbound_messages` RENAME TO `outbound_messages`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `outbound_messages_ticket_created_idx` ON `outbound_messages` (`ticket_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `outbound_messages_unsent_idx` ON `outbound_messages` (`status`,`updated_at`) WHERE status IN ('pending', 'sending');--> statement-breakpoint
CREATE INDEX `outbound_messages_to_created_idx` ON `outbound_messages` (`to_address`,`created_at`);