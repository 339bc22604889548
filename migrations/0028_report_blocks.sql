-- Report rollups, third level (src/domain/rollups.ts BLOCK_DAYS): report_days rows become cumulative
-- within a block of 32 UTC days, and report_blocks holds, per (dimension, key) and block, the totals
-- before the block starts. A change dated d days back then writes at most 32 day rows and one row
-- per block since then (a year back: 44 rows per key; it was 365).

-- Totals of every contribution before block `block` (UTC days block*32 .. block*32+31) starts; a row
-- for every block the key has day rows in (made with the block's first day row).
CREATE TABLE report_blocks (
  dim TEXT NOT NULL,
  key TEXT NOT NULL,
  block INTEGER NOT NULL,
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
  PRIMARY KEY (dim, key, block)
) WITHOUT ROWID;
--> statement-breakpoint
-- Existing rollups are converted in place (no rebuild: reports keep answering). A block's row is the
-- latest day row (cumulative over all time until now) before the block,
INSERT INTO report_blocks (dim, key, block, created, assigned, solved, reopened, fr_count, fr_minutes, res_minutes, fr_met, fr_breached, nr_met, nr_breached, res_met, res_breached, csat_count, csat_positive, csat_sum, time_billable, time_nonbillable, fr_hist, res_hist)
SELECT x.dim, x.key, x.block, coalesce(p.created, 0), coalesce(p.assigned, 0), coalesce(p.solved, 0), coalesce(p.reopened, 0), coalesce(p.fr_count, 0), coalesce(p.fr_minutes, 0), coalesce(p.res_minutes, 0), coalesce(p.fr_met, 0), coalesce(p.fr_breached, 0), coalesce(p.nr_met, 0), coalesce(p.nr_breached, 0), coalesce(p.res_met, 0), coalesce(p.res_breached, 0), coalesce(p.csat_count, 0), coalesce(p.csat_positive, 0), coalesce(p.csat_sum, 0), coalesce(p.time_billable, 0), coalesce(p.time_nonbillable, 0), coalesce(p.fr_hist, '{}'), coalesce(p.res_hist, '{}')
FROM (SELECT DISTINCT dim, key, (day - ((day % 32) + 32) % 32) / 32 AS block FROM report_days) x
LEFT JOIN report_days p ON p.dim = x.dim AND p.key = x.key
  AND p.day = (SELECT max(e.day) FROM report_days e WHERE e.dim = x.dim AND e.key = x.key AND e.day < x.block * 32);
--> statement-breakpoint
-- and each day row loses its block's row (histograms bucket by bucket, zero buckets dropped).
UPDATE report_days SET
  created = report_days.created - o.created,
  assigned = report_days.assigned - o.assigned,
  solved = report_days.solved - o.solved,
  reopened = report_days.reopened - o.reopened,
  fr_count = report_days.fr_count - o.fr_count,
  fr_minutes = report_days.fr_minutes - o.fr_minutes,
  res_minutes = report_days.res_minutes - o.res_minutes,
  fr_met = report_days.fr_met - o.fr_met,
  fr_breached = report_days.fr_breached - o.fr_breached,
  nr_met = report_days.nr_met - o.nr_met,
  nr_breached = report_days.nr_breached - o.nr_breached,
  res_met = report_days.res_met - o.res_met,
  res_breached = report_days.res_breached - o.res_breached,
  csat_count = report_days.csat_count - o.csat_count,
  csat_positive = report_days.csat_positive - o.csat_positive,
  csat_sum = report_days.csat_sum - o.csat_sum,
  time_billable = report_days.time_billable - o.time_billable,
  time_nonbillable = report_days.time_nonbillable - o.time_nonbillable,
  fr_hist = (SELECT coalesce(json_group_object(i, n), '{}') FROM (SELECT key AS i, sum(value) AS n FROM (SELECT key, value FROM json_each(report_days.fr_hist) UNION ALL SELECT key, -value FROM json_each(o.fr_hist)) GROUP BY key HAVING n <> 0)),
  res_hist = (SELECT coalesce(json_group_object(i, n), '{}') FROM (SELECT key AS i, sum(value) AS n FROM (SELECT key, value FROM json_each(report_days.res_hist) UNION ALL SELECT key, -value FROM json_each(o.res_hist)) GROUP BY key HAVING n <> 0))
FROM report_blocks o
WHERE o.dim = report_days.dim AND o.key = report_days.key AND o.block = (report_days.day - ((report_days.day % 32) + 32) % 32) / 32;
