CREATE TABLE `ticket_tag_index` (
	`tag` text NOT NULL,
	`created_at` text NOT NULL,
	`ticket_rowid` integer NOT NULL,
	PRIMARY KEY(`tag`, `created_at`, `ticket_rowid`)
);
--> statement-breakpoint
DROP TABLE `ticket_tags`;--> statement-breakpoint
DROP INDEX `tickets_priority_idx`;--> statement-breakpoint
DROP INDEX `tickets_sla_due_idx`;--> statement-breakpoint
DROP INDEX `tickets_assignee_created_idx`;--> statement-breakpoint
DROP INDEX `tickets_team_created_idx`;--> statement-breakpoint
DROP INDEX `tickets_created_idx`;--> statement-breakpoint
DROP INDEX `tickets_updated_idx`;--> statement-breakpoint
DROP INDEX `tickets_category_created_idx`;--> statement-breakpoint
DROP INDEX `tickets_channel_created_idx`;--> statement-breakpoint
DROP INDEX `tickets_status_sla_due_idx`;--> statement-breakpoint
DROP INDEX `tickets_status_created_idx`;--> statement-breakpoint
DROP INDEX `tickets_status_priority_created_idx`;--> statement-breakpoint
DROP INDEX `tickets_requester_created_idx`;--> statement-breakpoint
DROP INDEX `tickets_assignee_status_created_idx`;--> statement-breakpoint
DROP INDEX `tickets_sla_check_idx`;--> statement-breakpoint
DROP INDEX `tickets_status_resolved_idx`;--> statement-breakpoint
DROP INDEX `tickets_status_updated_idx`;--> statement-breakpoint
DROP INDEX `tickets_status_changed_idx`;--> statement-breakpoint
DROP INDEX `tickets_status_requester_updated_idx`;--> statement-breakpoint
DROP INDEX `tickets_status_assignee_updated_idx`;--> statement-breakpoint
DROP INDEX `tickets_custom_status_created_idx`;--> statement-breakpoint
CREATE INDEX `tickets_breached_status_created_idx` ON `tickets` (`status`,`created_at`) WHERE deleted_at IS NULL AND sla_breached = 1;--> statement-breakpoint
CREATE INDEX `tickets_breached_status_updated_idx` ON `tickets` (`status`,`updated_at`) WHERE deleted_at IS NULL AND sla_breached = 1;--> statement-breakpoint
CREATE INDEX `tickets_breached_status_priority_created_idx` ON `tickets` (`status`,"priority_rank" desc,`created_at`) WHERE deleted_at IS NULL AND sla_breached = 1;--> statement-breakpoint
CREATE INDEX `tickets_breached_status_sla_due_idx` ON `tickets` (`status`,`sla_next_due_at`,`created_at`) WHERE deleted_at IS NULL AND sla_breached = 1;--> statement-breakpoint
CREATE INDEX `tickets_assignee_status_updated_idx` ON `tickets` (`assignee_id`,`status`,`updated_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_assignee_status_priority_created_idx` ON `tickets` (`assignee_id`,`status`,"priority_rank" desc,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_assignee_status_sla_due_idx` ON `tickets` (`assignee_id`,`status`,`sla_next_due_at`,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_team_status_created_idx` ON `tickets` (`team_id`,`status`,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_requester_updated_idx` ON `tickets` (`requester_id`,`updated_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_created_idx` ON `tickets` (`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_updated_idx` ON `tickets` (`updated_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_category_created_idx` ON `tickets` (`category`,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_channel_created_idx` ON `tickets` (`channel`,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_sla_due_idx` ON `tickets` (`status`,`sla_next_due_at`,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_created_idx` ON `tickets` (`status`,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_priority_created_idx` ON `tickets` (`status`,"priority_rank" desc,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_requester_created_idx` ON `tickets` (`requester_id`,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_assignee_status_created_idx` ON `tickets` (`assignee_id`,`status`,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_sla_check_idx` ON `tickets` (`sla_check_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_resolved_idx` ON `tickets` (`status`,`resolved_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_updated_idx` ON `tickets` (`status`,`updated_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_changed_idx` ON `tickets` (`status`,`status_changed_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_requester_updated_idx` ON `tickets` (`status`,`requester_updated_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_assignee_updated_idx` ON `tickets` (`status`,`assignee_updated_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_custom_status_created_idx` ON `tickets` (`custom_status`,`created_at`) WHERE deleted_at IS NULL AND custom_status IS NOT NULL;