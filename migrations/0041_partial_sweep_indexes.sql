-- Two sweep indexes keep only the tickets their sweeps can find (issue 15 item 3: rows written per
-- create): auto-close seeks resolved_at <= cutoff and an automation window assignee_updated_at <= bound,
-- each implying the column IS NOT NULL, so SQLite still uses the partial index (test/sla/sweep.test.ts,
-- test/rules/automations.test.ts check the plans). A new ticket has neither column: 2 index entries
-- fewer per create, and none to move while the ticket changes status unresolved and untouched by its assignee.
DROP INDEX `tickets_status_resolved_idx`;--> statement-breakpoint
DROP INDEX `tickets_status_assignee_updated_idx`;--> statement-breakpoint
CREATE INDEX `tickets_status_resolved_idx` ON `tickets` (`status`,`resolved_at`) WHERE deleted_at IS NULL AND resolved_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `tickets_status_assignee_updated_idx` ON `tickets` (`status`,`assignee_updated_at`) WHERE deleted_at IS NULL AND assignee_updated_at IS NOT NULL;