CREATE TABLE `exports` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`format` text NOT NULL,
	`subject_id` text,
	`status` text NOT NULL,
	`rows_done` integer DEFAULT 0 NOT NULL,
	`rows_estimated` integer DEFAULT 0 NOT NULL,
	`file_key` text,
	`size` integer,
	`error` text,
	`created_by_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`finished_at` text,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`created_by_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `exports_created_idx` ON `exports` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `exports_expires_idx` ON `exports` (`expires_at`);