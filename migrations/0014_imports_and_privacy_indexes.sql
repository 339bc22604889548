CREATE TABLE `external_refs` (
	`source` text NOT NULL,
	`kind` text NOT NULL,
	`external_id` text NOT NULL,
	`local_id` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`source`, `kind`, `external_id`)
);
--> statement-breakpoint
CREATE TABLE `import_errors` (
	`import_id` text NOT NULL,
	`seq` integer NOT NULL,
	`part` integer NOT NULL,
	`line` integer NOT NULL,
	`message` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`import_id`, `seq`),
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `import_parts` (
	`import_id` text NOT NULL,
	`n` integer NOT NULL,
	`key` text NOT NULL,
	`size` integer NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`import_id`, `n`),
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `imports` (
	`id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`account` text,
	`status` text NOT NULL,
	`created_by_id` text NOT NULL,
	`step` integer DEFAULT 0 NOT NULL,
	`phase` text NOT NULL,
	`part` integer DEFAULT 0 NOT NULL,
	`offset` integer DEFAULT 0 NOT NULL,
	`line` integer DEFAULT 0 NOT NULL,
	`parts` integer DEFAULT 0 NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	`organizations` integer DEFAULT 0 NOT NULL,
	`users` integer DEFAULT 0 NOT NULL,
	`tickets` integer DEFAULT 0 NOT NULL,
	`comments` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`error_count` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `imports_created_idx` ON `imports` (`created_at`,`id`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `external_id` text;--> statement-breakpoint
CREATE INDEX `tickets_deleted_requester_idx` ON `tickets` (`requester_id`) WHERE deleted_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `attachments_sha256_idx` ON `attachments` (`sha256`);--> statement-breakpoint
CREATE INDEX `ticket_participants_email_idx` ON `ticket_participants` (`email`);--> statement-breakpoint
CREATE INDEX `comments_author_idx` ON `comments` (`author_id`);--> statement-breakpoint
CREATE INDEX `webhook_events_ticket_idx` ON `webhook_events` (`ticket_id`) WHERE ticket_id IS NOT NULL;