ALTER TABLE `outbound_messages` ADD `user_id` text REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `refresh_tokens` ADD `token_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `email_verified_at` text;