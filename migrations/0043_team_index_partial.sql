-- A team's tickets (tickets_team_status_created_idx) hold only tickets in a team: every reader names one
-- (`team_id=` lists, the backlog report's oldest open ticket of a team, a team's deletion check), and
-- `team_id = ?` implies `team_id IS NOT NULL`, so SQLite still uses the partial index. The backlog's
-- team seek moves to it (one seek per open status), so tickets_open_team_created_idx goes. A customer's
-- new ticket (no team) writes 2 index entries fewer (issue 15 item 3: rows written per create).
DROP INDEX `tickets_open_team_created_idx`;--> statement-breakpoint
DROP INDEX `tickets_team_status_created_idx`;--> statement-breakpoint
CREATE INDEX `tickets_team_status_created_idx` ON `tickets` (`team_id`,`status`,`created_at`) WHERE deleted_at IS NULL AND team_id IS NOT NULL;