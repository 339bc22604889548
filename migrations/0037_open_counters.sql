-- Issue 12: the backlog-now counters, per scope (features/reports/reports.rollups.ts, domain/rollups.ts
-- openCounterMoves). report_backlog and report_backlog_agents were read whole by the backlog and agents
-- reports, and filled with teams × agents × channels × statuses × priorities × SLA states as the open
-- backlog grew (4,500 cells at 100,000 tickets). Now a report reads its own scope's rows only.
-- Scopes: '' (everyone), 'team:<id>', 'agent:<id>', 'channel:<name>'.
-- Open tickets now per scope, status, priority and SLA state (ok, at_risk, breached): 36 rows a scope at most.
CREATE TABLE report_open (
  scope TEXT NOT NULL,
  status TEXT NOT NULL,
  priority TEXT NOT NULL,
  sla TEXT NOT NULL,
  tickets INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, status, priority, sla)
) WITHOUT ROWID;
--> statement-breakpoint
-- Open tickets now per scope and assignee or team (member '' = unassigned, no team): everyone's per assignee
-- and per team, a team's ('team:<id>') per assignee, an assignee's ('agent:<id>') per team.
CREATE TABLE report_open_by (
  scope TEXT NOT NULL,
  kind TEXT NOT NULL,
  member TEXT NOT NULL,
  tickets INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, kind, member)
) WITHOUT ROWID;
--> statement-breakpoint
-- Filled from the old counters (exact, and during a rebuild they hold what the rebuild counted so far), so no rebuild is needed.
INSERT INTO report_open (scope, status, priority, sla, tickets)
  SELECT '', status, priority, sla, sum(tickets) FROM report_backlog GROUP BY status, priority, sla HAVING sum(tickets) <> 0
  UNION ALL
  SELECT 'team:' || team, status, priority, sla, sum(tickets) FROM report_backlog WHERE team <> '' GROUP BY team, status, priority, sla HAVING sum(tickets) <> 0
  UNION ALL
  SELECT 'channel:' || channel, status, priority, sla, sum(tickets) FROM report_backlog GROUP BY channel, status, priority, sla HAVING sum(tickets) <> 0
  UNION ALL
  SELECT 'agent:' || agent, status, priority, sla, sum(tickets) FROM report_backlog_agents WHERE agent <> '' GROUP BY agent, status, priority, sla HAVING sum(tickets) <> 0;
--> statement-breakpoint
INSERT INTO report_open_by (scope, kind, member, tickets)
  SELECT '', 'assignee', agent, sum(tickets) FROM report_backlog_agents GROUP BY agent HAVING sum(tickets) <> 0
  UNION ALL
  SELECT '', 'team', team, sum(tickets) FROM report_backlog GROUP BY team HAVING sum(tickets) <> 0
  UNION ALL
  SELECT 'team:' || team, 'assignee', agent, sum(tickets) FROM report_backlog_agents WHERE team <> '' GROUP BY team, agent HAVING sum(tickets) <> 0
  UNION ALL
  SELECT 'agent:' || agent, 'team', team, sum(tickets) FROM report_backlog_agents WHERE agent <> '' GROUP BY agent, team HAVING sum(tickets) <> 0;
--> statement-breakpoint
DROP TABLE report_backlog;
--> statement-breakpoint
DROP TABLE report_backlog_agents;
