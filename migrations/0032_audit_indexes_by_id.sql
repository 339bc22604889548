DROP INDEX `audit_logs_at_idx`;--> statement-breakpoint
DROP INDEX `audit_logs_entity_idx`;--> statement-breakpoint
DROP INDEX `audit_logs_actor_idx`;--> statement-breakpoint
CREATE INDEX `audit_logs_entity_id_idx` ON `audit_logs` (`entity_type`,`entity_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_logs_actor_id_idx` ON `audit_logs` (`actor_id`,`id`);