-- A customer's own list in the orders their created/updated indexes do not serve (issue 15: lists
-- O(page) for every filter and sort): sort=priority and -priority (one walk per priority, read in
-- priority order) and sort=sla_due walk these with the requester bound (features/tickets/ticket-list-plan.ts
-- LIST_INDEXES), where the list read all the customer's tickets and let SQLite sort (~2 rows a ticket:
-- 1,405 rows for a page of 25 of 700 tickets). Partial on live tickets like the other list indexes.
-- Cost: one entry each per ticket created; a priority change moves the first, a move of the SLA clock
-- (a first reply, a priority change, a solve) the second (docs/data-model.md).
CREATE INDEX `tickets_requester_priority_created_idx` ON `tickets` (`requester_id`,"priority_rank" desc,`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_requester_sla_due_idx` ON `tickets` (`requester_id`,`sla_next_due_at`,`created_at`) WHERE deleted_at IS NULL;