CREATE TABLE `time_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`author_id` text NOT NULL,
	`minutes` integer NOT NULL,
	`billable` integer NOT NULL,
	`note` text,
	`started_at` text NOT NULL,
	`comment_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `time_entries_ticket_started_idx` ON `time_entries` (`ticket_id`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `time_entries_started_idx` ON `time_entries` (`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `time_entries_author_started_idx` ON `time_entries` (`author_id`,`started_at`,`id`);--> statement-breakpoint
DROP INDEX `exports_created_idx`;--> statement-breakpoint
DROP INDEX `exports_expires_idx`;--> statement-breakpoint
ALTER TABLE `exports` ADD `params` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `exports` ADD `step` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `exports` ADD `state` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `exports` ADD `lease_until` text;--> statement-breakpoint
CREATE INDEX `exports_creator_created_idx` ON `exports` (`created_by_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `exports_unfinished_idx` ON `exports` (`updated_at`) WHERE status IN ('queued', 'running');--> statement-breakpoint
CREATE INDEX `exports_expiry_idx` ON `exports` (`expires_at`) WHERE status IN ('done', 'failed');--> statement-breakpoint
ALTER TABLE `tickets` ADD `revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `assigned_at` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `reopens` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `satisfaction_score` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `satisfaction_comment` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `satisfaction_rated_at` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `time_spent_minutes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `time_log` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
CREATE INDEX `tickets_rated_idx` ON `tickets` (`satisfaction_rated_at`,`id`) WHERE deleted_at IS NULL AND satisfaction_rated_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `tickets_assignee_rated_idx` ON `tickets` (`assignee_id`,`satisfaction_rated_at`,`id`) WHERE deleted_at IS NULL AND satisfaction_rated_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `tickets_score_rated_idx` ON `tickets` (`satisfaction_score`,`satisfaction_rated_at`,`id`) WHERE deleted_at IS NULL AND satisfaction_rated_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `tickets_open_team_created_idx` ON `tickets` (`team_id`,`created_at`) WHERE deleted_at IS NULL AND status IN ('open', 'in_progress', 'pending');--> statement-breakpoint
CREATE INDEX `tickets_deleted_idx` ON `tickets` (`deleted_at`,`id`) WHERE deleted_at IS NOT NULL;