DROP INDEX `ticket_field_values_text_idx`;--> statement-breakpoint
DROP INDEX `ticket_field_values_int_idx`;--> statement-breakpoint
ALTER TABLE `ticket_field_values` ADD `ticket_rowid` integer NOT NULL;--> statement-breakpoint
CREATE INDEX `ticket_field_values_text_idx` ON `ticket_field_values` (`field_id`,`value_text`,`ticket_created_at`,`ticket_rowid`) WHERE value_text IS NOT NULL;--> statement-breakpoint
CREATE INDEX `ticket_field_values_int_idx` ON `ticket_field_values` (`field_id`,`value_int`,`ticket_created_at`,`ticket_rowid`) WHERE value_int IS NOT NULL;