-- The custom field filter's index rows gain the ticket's rowid (0026), a NOT NULL column, which
-- SQLite adds only to an empty table: the rows wait here, and 0027 puts them back with it.
CREATE TABLE `ticket_field_values_aside` AS SELECT `field_id`, `ticket_id`, `value_text`, `value_int`, `ticket_created_at` FROM `ticket_field_values`;--> statement-breakpoint
DELETE FROM `ticket_field_values`;
