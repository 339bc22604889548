DROP INDEX `webhook_deliveries_event_channel_uq`;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `thread_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_event_channel_thread_uq` ON `webhook_deliveries` (`event_id`,`channel_id`,`thread_id`);--> statement-breakpoint
ALTER TABLE `channel_threads` ADD `user_id` text REFERENCES users(id);