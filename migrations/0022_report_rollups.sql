-- Report rollups (src/domain/rollups.ts, src/features/reports/reports.rollups.ts): two levels of
-- prefix sums per (dimension, key). WITHOUT ROWID: the primary key is the table, so a new row is one
-- b-tree insert (D1 bills each index entry written), and a seek reads one row.

-- Totals of every contribution up to the end of UTC day `day` (days since 1970-01-01); rows only
-- for days with a contribution, so the totals before a day are the latest row before it.
CREATE TABLE report_days (
  dim TEXT NOT NULL,
  key TEXT NOT NULL,
  day INTEGER NOT NULL,
  created INTEGER NOT NULL DEFAULT 0,
  assigned INTEGER NOT NULL DEFAULT 0,
  solved INTEGER NOT NULL DEFAULT 0,
  reopened INTEGER NOT NULL DEFAULT 0,
  fr_count INTEGER NOT NULL DEFAULT 0,
  fr_minutes INTEGER NOT NULL DEFAULT 0,
  res_minutes INTEGER NOT NULL DEFAULT 0,
  fr_met INTEGER NOT NULL DEFAULT 0,
  fr_breached INTEGER NOT NULL DEFAULT 0,
  nr_met INTEGER NOT NULL DEFAULT 0,
  nr_breached INTEGER NOT NULL DEFAULT 0,
  res_met INTEGER NOT NULL DEFAULT 0,
  res_breached INTEGER NOT NULL DEFAULT 0,
  csat_count INTEGER NOT NULL DEFAULT 0,
  csat_positive INTEGER NOT NULL DEFAULT 0,
  csat_sum INTEGER NOT NULL DEFAULT 0,
  time_billable INTEGER NOT NULL DEFAULT 0,
  time_nonbillable INTEGER NOT NULL DEFAULT 0,
  fr_hist TEXT NOT NULL DEFAULT '{}',
  res_hist TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (dim, key, day)
) WITHOUT ROWID;
--> statement-breakpoint
-- Totals of UTC day `day` from its start up to the end of quarter hour `quarter` (0..95).
CREATE TABLE report_quarters (
  dim TEXT NOT NULL,
  key TEXT NOT NULL,
  day INTEGER NOT NULL,
  quarter INTEGER NOT NULL,
  created INTEGER NOT NULL DEFAULT 0,
  assigned INTEGER NOT NULL DEFAULT 0,
  solved INTEGER NOT NULL DEFAULT 0,
  reopened INTEGER NOT NULL DEFAULT 0,
  fr_count INTEGER NOT NULL DEFAULT 0,
  fr_minutes INTEGER NOT NULL DEFAULT 0,
  res_minutes INTEGER NOT NULL DEFAULT 0,
  fr_met INTEGER NOT NULL DEFAULT 0,
  fr_breached INTEGER NOT NULL DEFAULT 0,
  nr_met INTEGER NOT NULL DEFAULT 0,
  nr_breached INTEGER NOT NULL DEFAULT 0,
  res_met INTEGER NOT NULL DEFAULT 0,
  res_breached INTEGER NOT NULL DEFAULT 0,
  csat_count INTEGER NOT NULL DEFAULT 0,
  csat_positive INTEGER NOT NULL DEFAULT 0,
  csat_sum INTEGER NOT NULL DEFAULT 0,
  time_billable INTEGER NOT NULL DEFAULT 0,
  time_nonbillable INTEGER NOT NULL DEFAULT 0,
  fr_hist TEXT NOT NULL DEFAULT '{}',
  res_hist TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (dim, key, day, quarter)
) WITHOUT ROWID;
--> statement-breakpoint
-- A rebuild's plain (not cumulative) sums per quarter hour, turned into the two tables above key by
-- key; `rev` moves with every write, so a conversion notices a write that came in meanwhile.
CREATE TABLE report_staging (
  dim TEXT NOT NULL,
  key TEXT NOT NULL,
  day INTEGER NOT NULL,
  quarter INTEGER NOT NULL,
  created INTEGER NOT NULL DEFAULT 0,
  assigned INTEGER NOT NULL DEFAULT 0,
  solved INTEGER NOT NULL DEFAULT 0,
  reopened INTEGER NOT NULL DEFAULT 0,
  fr_count INTEGER NOT NULL DEFAULT 0,
  fr_minutes INTEGER NOT NULL DEFAULT 0,
  res_minutes INTEGER NOT NULL DEFAULT 0,
  fr_met INTEGER NOT NULL DEFAULT 0,
  fr_breached INTEGER NOT NULL DEFAULT 0,
  nr_met INTEGER NOT NULL DEFAULT 0,
  nr_breached INTEGER NOT NULL DEFAULT 0,
  res_met INTEGER NOT NULL DEFAULT 0,
  res_breached INTEGER NOT NULL DEFAULT 0,
  csat_count INTEGER NOT NULL DEFAULT 0,
  csat_positive INTEGER NOT NULL DEFAULT 0,
  csat_sum INTEGER NOT NULL DEFAULT 0,
  time_billable INTEGER NOT NULL DEFAULT 0,
  time_nonbillable INTEGER NOT NULL DEFAULT 0,
  fr_hist TEXT NOT NULL DEFAULT '{}',
  res_hist TEXT NOT NULL DEFAULT '{}',
  rev INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (dim, key, day, quarter)
) WITHOUT ROWID;
--> statement-breakpoint
-- Open tickets now, per team ('' = none), channel, status, priority and SLA state (ok, at_risk, breached).
CREATE TABLE report_backlog (
  team TEXT NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL,
  priority TEXT NOT NULL,
  sla TEXT NOT NULL,
  tickets INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (team, channel, status, priority, sla)
) WITHOUT ROWID;
--> statement-breakpoint
-- The same per assignee ('' = unassigned) first (without the channel): an agent's own backlog is one range.
CREATE TABLE report_backlog_agents (
  agent TEXT NOT NULL,
  team TEXT NOT NULL,
  status TEXT NOT NULL,
  priority TEXT NOT NULL,
  sla TEXT NOT NULL,
  tickets INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (agent, team, status, priority, sla)
) WITHOUT ROWID;
--> statement-breakpoint
-- Whether the rollups are live or being rebuilt (features/reports/reports.rebuild.ts), one row.
-- `staging`: tickets up to `watermark` (ids in order) are counted into report_staging, writes of later
-- tickets wait for the rebuild to read them; `converting`: keys up to (converted_dim, converted_key)
-- are live again, the others still collect into report_staging.
CREATE TABLE report_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  phase TEXT NOT NULL CHECK (phase IN ('live', 'staging', 'converting')),
  watermark TEXT NOT NULL DEFAULT '',
  converted_dim TEXT NOT NULL DEFAULT '',
  converted_key TEXT NOT NULL DEFAULT '',
  tickets_done INTEGER NOT NULL DEFAULT 0,
  keys_done INTEGER NOT NULL DEFAULT 0,
  -- Steps done: a queue message naming another step is a duplicate or a stale one, dropped.
  step INTEGER NOT NULL DEFAULT 0,
  requested_by TEXT,
  started_at TEXT,
  updated_at TEXT,
  finished_at TEXT
);
--> statement-breakpoint
-- Facts of existing tickets the rollups count, from their history: when they were reopened and when
-- their current assignee got them.
UPDATE tickets SET
  reopens = coalesce((
    SELECT json_group_array(at) FROM (
      SELECT h.at FROM ticket_history h
      WHERE h.ticket_id = tickets.id
        AND json_extract(h.changes, '$.status[0]') IN ('resolved', 'closed')
        AND json_extract(h.changes, '$.status[1]') IN ('open', 'in_progress')
      ORDER BY h.at
    )
  ), '[]'),
  assigned_at = CASE WHEN assignee_id IS NULL THEN NULL ELSE coalesce((
    SELECT max(h.at) FROM ticket_history h
    WHERE h.ticket_id = tickets.id AND json_extract(h.changes, '$.assignee_id[1]') = tickets.assignee_id
  ), created_at) END;
--> statement-breakpoint
-- A database that has tickets starts rebuilding (the cron drives it); an empty one is live at once.
INSERT INTO report_state (id, phase, started_at, updated_at)
SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM tickets) THEN 'staging' ELSE 'live' END, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
