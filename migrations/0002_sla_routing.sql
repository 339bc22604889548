-- SLA engine and routing (issue 5): business-hours SLA columns on tickets, policy scopes and
-- escalation options, business calendar versions, teams with members and strategies, skills and
-- agents' routing state. Hand-written; src/db/schema/{tickets,sla,teams}.ts say the same.
ALTER TABLE `tickets` ADD `next_response_due_at` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `next_response_started_ms` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `first_response_breached` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `next_response_breached` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `resolution_breached` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_announced` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_warned` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_escalated` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_at_risk_at` text DEFAULT '9999-12-31T23:59:59.999Z' NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_check_at` text DEFAULT '9999-12-31T23:59:59.999Z' NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `first_response_minutes` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `resolution_minutes` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_targets` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_calendar_id` text;--> statement-breakpoint
-- Tickets from before the engine: the sweep looks at each once, at its nearest due date, and settles it.
UPDATE `tickets` SET `sla_check_at` = `sla_next_due_at`;--> statement-breakpoint
CREATE INDEX `tickets_sla_check_idx` ON `tickets` (`sla_check_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_resolved_idx` ON `tickets` (`status`,`resolved_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
ALTER TABLE `sla_policies` ADD `category` text;--> statement-breakpoint
ALTER TABLE `sla_policies` ADD `channel` text;--> statement-breakpoint
ALTER TABLE `sla_policies` ADD `escalation_raise_priority` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `sla_policies` ADD `escalation_reassign` text DEFAULT 'manager' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `sla_policies_scope_uq` ON `sla_policies` (`priority`,coalesce("category", ''),coalesce("channel", ''));--> statement-breakpoint
CREATE TABLE `business_calendars` (
	`id` text PRIMARY KEY NOT NULL,
	`time_zone` text NOT NULL,
	`intervals` text NOT NULL,
	`holidays` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by_id` text
);
--> statement-breakpoint
CREATE INDEX `business_calendars_created_idx` ON `business_calendars` (`created_at`,`id`);--> statement-breakpoint
ALTER TABLE `teams` ADD `manager_id` text REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `teams` ADD `strategy` text DEFAULT 'skill_based' NOT NULL;--> statement-breakpoint
ALTER TABLE `teams` ADD `auto_assign_on_create` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `teams_name_uq` ON `teams` (`name`);--> statement-breakpoint
CREATE INDEX `teams_created_idx` ON `teams` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `team_members` (
	`team_id` text NOT NULL,
	`user_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`team_id`, `user_id`),
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `team_members_user_idx` ON `team_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `user_skills` (
	`user_id` text NOT NULL,
	`skill` text NOT NULL,
	`proficiency` integer NOT NULL,
	PRIMARY KEY(`user_id`, `skill`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `agent_routing` (
	`user_id` text PRIMARY KEY NOT NULL,
	`availability` text DEFAULT 'online' NOT NULL,
	`max_open_tickets` integer DEFAULT 20 NOT NULL,
	`last_assigned_at` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `rate_limits_window_idx` ON `rate_limits` (`window_start`);
