-- audit_logs WITHOUT ROWID on `id` (drizzle-kit cannot declare it; docs/scale.md "Footprint"). Its ids
-- are time-ordered and made from the same clock reading as `at`, so the table b-tree is the log in
-- time order: no separate key index, no `at` index, and the two filter indexes (audit_indexes_by_id) end in `id`.
-- Saves about 150 B per audit row. Every row is copied as it is (ids, times, changes, ip, user agent).
CREATE TABLE `__new_audit_logs` (
	`id` text PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`changes` text NOT NULL,
	`ip` text,
	`user_agent` text
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `__new_audit_logs` (`id`, `at`, `actor_id`, `action`, `entity_type`, `entity_id`, `changes`, `ip`, `user_agent`)
	SELECT `id`, `at`, `actor_id`, `action`, `entity_type`, `entity_id`, `changes`, `ip`, `user_agent` FROM `audit_logs` ORDER BY `id`;--> statement-breakpoint
DROP TABLE `audit_logs`;--> statement-breakpoint
ALTER TABLE `__new_audit_logs` RENAME TO `audit_logs`;--> statement-breakpoint
CREATE INDEX `audit_logs_entity_id_idx` ON `audit_logs` (`entity_type`,`entity_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_logs_actor_id_idx` ON `audit_logs` (`actor_id`,`id`);
