-- The rows set aside by 0025, back with their ticket's rowid: the value indexes (0026) end in
-- (ticket_created_at, ticket_rowid), the list's own order, so a filtered page walks them unsorted.
INSERT INTO `ticket_field_values` (`field_id`, `ticket_id`, `value_text`, `value_int`, `ticket_created_at`, `ticket_rowid`)
SELECT a.`field_id`, a.`ticket_id`, a.`value_text`, a.`value_int`, a.`ticket_created_at`, t.rowid FROM `ticket_field_values_aside` a JOIN `tickets` t ON t.`id` = a.`ticket_id`;--> statement-breakpoint
DROP TABLE `ticket_field_values_aside`;
