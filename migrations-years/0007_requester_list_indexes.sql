-- Main's 0051 (the requester-led list indexes): a customer's list in sort=priority, -priority and
-- sla_due walks them by name (INDEXED BY) in every database it reaches, a year's included.
CREATE INDEX `tickets_requester_priority_created_idx` ON `tickets` (`requester_id`,"priority_rank" desc,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_requester_sla_due_idx` ON `tickets` (`requester_id`,`sla_next_due_at`,`created_at`) WHERE deleted_at IS NULL;