PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_ticket_history` (
	`id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`type` text NOT NULL,
	`actor_id` text,
	`at` text NOT NULL,
	`version` integer NOT NULL,
	`changes` text NOT NULL,
	`bumps_version` integer DEFAULT false NOT NULL,
	`internal` integer DEFAULT false NOT NULL,
	`rule_id` text,
	`rule_name` text,
	PRIMARY KEY(`ticket_id`, `version`, `at`, `id`),
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_ticket_history`("id", "ticket_id", "type", "actor_id", "at", "version", "changes", "bumps_version", "internal", "rule_id", "rule_name") SELECT "id", "ticket_id", "type", "actor_id", "at", "version", "changes", "bumps_version", "internal", "rule_id", "rule_name" FROM `ticket_history`;--> statement-breakpoint
DROP TABLE `ticket_history`;--> statement-breakpoint
ALTER TABLE `__new_ticket_history` RENAME TO `ticket_history`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_history_version_uq` ON `ticket_history` (`ticket_id`,`version`) WHERE bumps_version = 1;