ALTER TABLE `team_members` ADD `availability` text DEFAULT 'online' NOT NULL;--> statement-breakpoint
ALTER TABLE `team_members` ADD `max_open_tickets` integer DEFAULT 20 NOT NULL;--> statement-breakpoint
ALTER TABLE `team_members` ADD `last_assigned_at` text;--> statement-breakpoint
ALTER TABLE `team_members` ADD `active_tickets` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `team_members` ADD `critical_tickets` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `team_members` ADD `skills` text DEFAULT '{}' NOT NULL;