DROP INDEX `tickets_priority_idx`;--> statement-breakpoint
CREATE INDEX `tickets_status_sla_due_idx` ON `tickets` (`status`,`sla_next_due_at`,`id`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_priority_idx` ON `tickets` ("priority_rank" desc,`created_at`,`id`) WHERE deleted_at IS NULL;