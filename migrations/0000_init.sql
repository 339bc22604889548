CREATE TABLE `audit_logs` (
	`id` text PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`changes` text NOT NULL,
	`ip` text,
	`user_agent` text
);
--> statement-breakpoint
CREATE INDEX `audit_logs_at_idx` ON `audit_logs` (`at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_logs_entity_idx` ON `audit_logs` (`entity_type`,`entity_id`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_logs_actor_idx` ON `audit_logs` (`actor_id`,`at`,`id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`user_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`user_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_idx` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `kb_article_feedback` (
	`article_id` text NOT NULL,
	`voter` text NOT NULL,
	`helpful` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`article_id`, `voter`),
	FOREIGN KEY (`article_id`) REFERENCES `kb_articles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `kb_article_tags` (
	`tag` text NOT NULL,
	`article_id` text NOT NULL,
	PRIMARY KEY(`tag`, `article_id`),
	FOREIGN KEY (`article_id`) REFERENCES `kb_articles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `kb_article_tags_article_idx` ON `kb_article_tags` (`article_id`);--> statement-breakpoint
CREATE TABLE `kb_article_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`article_id` text NOT NULL,
	`version` integer NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`category_id` text,
	`tags` text NOT NULL,
	`status` text NOT NULL,
	`visibility` text NOT NULL,
	`editor_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`article_id`) REFERENCES `kb_articles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kb_article_versions_article_version_uq` ON `kb_article_versions` (`article_id`,`version`);--> statement-breakpoint
CREATE TABLE `kb_articles` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`category_id` text,
	`tags` text NOT NULL,
	`status` text NOT NULL,
	`visibility` text NOT NULL,
	`author_id` text NOT NULL,
	`version` integer NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	`helpful_yes` integer DEFAULT 0 NOT NULL,
	`helpful_no` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`published_at` text,
	FOREIGN KEY (`category_id`) REFERENCES `kb_categories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `kb_articles_created_idx` ON `kb_articles` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `kb_articles_public_created_idx` ON `kb_articles` (`created_at`,`id`) WHERE status = 'published' AND visibility = 'public';--> statement-breakpoint
CREATE INDEX `kb_articles_category_created_idx` ON `kb_articles` (`category_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `kb_articles_public_category_created_idx` ON `kb_articles` (`category_id`,`created_at`,`id`) WHERE status = 'published' AND visibility = 'public';--> statement-breakpoint
CREATE TABLE `kb_categories` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`parent_id` text,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`parent_id`) REFERENCES `kb_categories`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `kb_categories_parent_idx` ON `kb_categories` (`parent_id`,`position`,`id`);--> statement-breakpoint
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
--> statement-breakpoint
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
CREATE TABLE `ticket_participants` (
	`ticket_id` text NOT NULL,
	`email` text NOT NULL,
	`added_at` text NOT NULL,
	PRIMARY KEY(`ticket_id`, `email`),
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `saved_searches` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`query` text NOT NULL,
	`filters` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `saved_searches_user_name_uq` ON `saved_searches` (`user_id`,`name`);--> statement-breakpoint
CREATE INDEX `saved_searches_user_created_idx` ON `saved_searches` (`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `search_query_stats` (
	`day` text NOT NULL,
	`query` text NOT NULL,
	`searches` integer DEFAULT 0 NOT NULL,
	`zero_results` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `query`)
);
--> statement-breakpoint
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
CREATE TABLE `sla_policies` (
	`name` text PRIMARY KEY NOT NULL,
	`priority` text NOT NULL,
	`first_response_minutes` integer NOT NULL,
	`next_response_minutes` integer NOT NULL,
	`resolution_minutes` integer NOT NULL,
	`escalation_minutes` integer NOT NULL,
	`business_hours` integer DEFAULT false NOT NULL,
	`category` text,
	`channel` text,
	`escalation_raise_priority` integer DEFAULT false NOT NULL,
	`escalation_reassign` text DEFAULT 'manager' NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sla_policies_scope_uq` ON `sla_policies` (`priority`,coalesce("category", ''),coalesce("channel", ''));--> statement-breakpoint
CREATE TABLE `agent_routing` (
	`user_id` text PRIMARY KEY NOT NULL,
	`availability` text DEFAULT 'online' NOT NULL,
	`max_open_tickets` integer DEFAULT 20 NOT NULL,
	`last_assigned_at` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
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
CREATE TABLE `teams` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	`manager_id` text,
	`strategy` text DEFAULT 'skill_based' NOT NULL,
	`auto_assign_on_create` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`manager_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `teams_name_uq` ON `teams` (`name`);--> statement-breakpoint
CREATE INDEX `teams_created_idx` ON `teams` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `user_skills` (
	`user_id` text NOT NULL,
	`skill` text NOT NULL,
	`proficiency` integer NOT NULL,
	PRIMARY KEY(`user_id`, `skill`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `comments` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`author_id` text NOT NULL,
	`body` text NOT NULL,
	`internal` integer NOT NULL,
	`channel` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `comments_ticket_created_idx` ON `comments` (`ticket_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `comments_ticket_public_idx` ON `comments` (`ticket_id`,`created_at`,`id`) WHERE internal = 0;--> statement-breakpoint
CREATE TABLE `ticket_counters` (
	`day` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ticket_history` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`type` text NOT NULL,
	`actor_id` text,
	`at` text NOT NULL,
	`version` integer NOT NULL,
	`changes` text NOT NULL,
	`bumps_version` integer DEFAULT false NOT NULL,
	`internal` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_history_ticket_idx` ON `ticket_history` (`ticket_id`,`version`,`at`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_history_version_uq` ON `ticket_history` (`ticket_id`,`version`) WHERE bumps_version = 1;--> statement-breakpoint
CREATE TABLE `ticket_tags` (
	`tag` text NOT NULL,
	`ticket_id` text NOT NULL,
	PRIMARY KEY(`tag`, `ticket_id`),
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_tags_ticket_idx` ON `ticket_tags` (`ticket_id`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`subject` text NOT NULL,
	`description` text NOT NULL,
	`status` text NOT NULL,
	`priority` text NOT NULL,
	`priority_rank` integer NOT NULL,
	`category` text,
	`channel` text NOT NULL,
	`tags` text NOT NULL,
	`requester_id` text NOT NULL,
	`assignee_id` text,
	`team_id` text,
	`created_by_id` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`first_response_at` text,
	`resolved_at` text,
	`closed_at` text,
	`deleted_at` text,
	`sla_policy` text NOT NULL,
	`first_response_due_at` text,
	`resolution_due_at` text,
	`sla_paused_at` text,
	`sla_paused_ms` integer DEFAULT 0 NOT NULL,
	`sla_breached` integer DEFAULT false NOT NULL,
	`sla_next_due_at` text NOT NULL,
	`next_response_due_at` text,
	`next_response_started_ms` integer,
	`first_response_breached` integer DEFAULT false NOT NULL,
	`next_response_breached` integer DEFAULT false NOT NULL,
	`resolution_breached` integer DEFAULT false NOT NULL,
	`sla_announced` integer DEFAULT 0 NOT NULL,
	`sla_warned` integer DEFAULT 0 NOT NULL,
	`sla_escalated` integer DEFAULT false NOT NULL,
	`sla_at_risk_at` text DEFAULT '9999-12-31T23:59:59.999Z' NOT NULL,
	`sla_check_at` text DEFAULT '9999-12-31T23:59:59.999Z' NOT NULL,
	`first_response_minutes` integer,
	`resolution_minutes` integer,
	`sla_targets` text,
	`sla_calendar_id` text,
	FOREIGN KEY (`requester_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`assignee_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_number_uq` ON `tickets` (`number`);--> statement-breakpoint
CREATE INDEX `tickets_created_idx` ON `tickets` (`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_updated_idx` ON `tickets` (`updated_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_priority_idx` ON `tickets` (`priority_rank`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_sla_due_idx` ON `tickets` (`sla_next_due_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_created_idx` ON `tickets` (`status`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_priority_created_idx` ON `tickets` (`status`,`priority_rank`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_requester_created_idx` ON `tickets` (`requester_id`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_assignee_status_created_idx` ON `tickets` (`assignee_id`,`status`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_assignee_created_idx` ON `tickets` (`assignee_id`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_team_created_idx` ON `tickets` (`team_id`,`created_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_sla_check_idx` ON `tickets` (`sla_check_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_resolved_idx` ON `tickets` (`status`,`resolved_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE TABLE `rate_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rate_limits_window_idx` ON `rate_limits` (`window_start`);--> statement-breakpoint
CREATE TABLE `refresh_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`family_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` text NOT NULL,
	`created_at` text NOT NULL,
	`rotated_at` text,
	`revoked_at` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `refresh_tokens_hash_uq` ON `refresh_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_family_idx` ON `refresh_tokens` (`family_id`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_user_idx` ON `refresh_tokens` (`user_id`) WHERE revoked_at IS NULL;--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`password_hash` text,
	`token_version` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_uq` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `users_role_created_idx` ON `users` (`role`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `users_created_idx` ON `users` (`created_at`,`id`);