CREATE TABLE `notification_counters` (
	`user_id` text PRIMARY KEY NOT NULL,
	`unread` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notification_preferences` (
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`in_app` integer NOT NULL,
	`email` integer NOT NULL,
	PRIMARY KEY(`user_id`, `type`)
);
--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`ticket_id` text,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`read_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `notifications_user_created_idx` ON `notifications` (`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `notifications_user_unread_idx` ON `notifications` (`user_id`,`created_at`,`id`) WHERE read_at IS NULL;--> statement-breakpoint
CREATE INDEX `notifications_ticket_idx` ON `notifications` (`ticket_id`);--> statement-breakpoint
CREATE INDEX `notifications_read_idx` ON `notifications` (`read_at`) WHERE read_at IS NOT NULL;--> statement-breakpoint
CREATE TABLE `macros` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`scope` text NOT NULL,
	`owner_id` text,
	`actions` text NOT NULL,
	`usage_count` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `macros_shared_name_idx` ON `macros` (`name`,`id`) WHERE scope = 'shared';--> statement-breakpoint
CREATE INDEX `macros_owner_name_idx` ON `macros` (`owner_id`,`name`,`id`);--> statement-breakpoint
CREATE TABLE `rule_fires` (
	`rule_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`fired_at` text NOT NULL,
	PRIMARY KEY(`rule_id`, `ticket_id`)
);
--> statement-breakpoint
CREATE INDEX `rule_fires_ticket_idx` ON `rule_fires` (`ticket_id`);--> statement-breakpoint
CREATE TABLE `rule_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`rule_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`at` text NOT NULL,
	`changes` text NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `rule_runs_rule_at_idx` ON `rule_runs` (`rule_id`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `rule_runs_at_idx` ON `rule_runs` (`at`);--> statement-breakpoint
CREATE TABLE `rule_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`active` integer NOT NULL,
	`position` integer NOT NULL,
	`conditions` text NOT NULL,
	`actions` text NOT NULL,
	`sweep` text DEFAULT '{}' NOT NULL,
	`created_by_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rules_kind_position_idx` ON `rules` (`kind`,`position`,`id`);--> statement-breakpoint
ALTER TABLE `ticket_history` ADD `rule_id` text;--> statement-breakpoint
ALTER TABLE `ticket_history` ADD `rule_name` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `status_changed_at` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `requester_updated_at` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `assignee_updated_at` text;--> statement-breakpoint
CREATE INDEX `tickets_status_updated_idx` ON `tickets` (`status`,`updated_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_changed_idx` ON `tickets` (`status`,`status_changed_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_requester_updated_idx` ON `tickets` (`status`,`requester_updated_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_assignee_updated_idx` ON `tickets` (`status`,`assignee_updated_at`,`id`) WHERE deleted_at IS NULL;