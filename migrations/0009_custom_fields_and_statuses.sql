CREATE TABLE `ticket_field_values` (
	`field_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`value_text` text,
	`value_int` integer,
	`ticket_created_at` text NOT NULL,
	FOREIGN KEY (`field_id`) REFERENCES `ticket_fields`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `ticket_field_values_text_idx` ON `ticket_field_values` (`field_id`,`value_text`,`ticket_created_at`,`ticket_id`) WHERE value_text IS NOT NULL;--> statement-breakpoint
CREATE INDEX `ticket_field_values_int_idx` ON `ticket_field_values` (`field_id`,`value_int`,`ticket_created_at`,`ticket_id`) WHERE value_int IS NOT NULL;--> statement-breakpoint
CREATE INDEX `ticket_field_values_ticket_idx` ON `ticket_field_values` (`ticket_id`,`field_id`,`value_text`,`value_int`);--> statement-breakpoint
CREATE TABLE `ticket_fields` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`label` text NOT NULL,
	`type` text NOT NULL,
	`options` text,
	`required_to_resolve` integer DEFAULT false NOT NULL,
	`customer_visible` integer DEFAULT false NOT NULL,
	`customer_editable` integer DEFAULT false NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_fields_key_uq` ON `ticket_fields` (`key`);--> statement-breakpoint
CREATE TABLE `ticket_statuses` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`label` text NOT NULL,
	`category` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_statuses_key_uq` ON `ticket_statuses` (`key`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `custom_status` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `custom_fields` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
CREATE INDEX `tickets_custom_status_created_idx` ON `tickets` (`custom_status`,`created_at`,`id`) WHERE deleted_at IS NULL AND custom_status IS NOT NULL;