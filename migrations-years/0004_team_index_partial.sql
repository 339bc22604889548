-- Main's 0043 (issue 15 item 3: rows written per create): the backlog report's team seek goes through
-- tickets_team_status_created_idx, which holds only tickets in a team (every reader names one).
DROP INDEX `tickets_open_team_created_idx`;--> statement-breakpoint
DROP INDEX `tickets_team_status_created_idx`;--> statement-breakpoint
CREATE INDEX `tickets_team_status_created_idx` ON `tickets` (`team_id`,`status`,`created_at`) WHERE deleted_at IS NULL AND team_id IS NOT NULL;
