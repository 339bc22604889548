-- Issue 12: the report journal (src/features/reports/reports.journal.ts). A ticket write appends one row
-- holding what it moves in the rollups (its point deltas and open-counter moves, compact JSON) instead of
-- writing the prefix sums itself; a fold (the minute cron, a report that finds the journal long) applies
-- many rows at once and deletes them in the same batch, and reports add the rows not folded yet. A rowid
-- table with no other index and no AUTOINCREMENT (no sqlite_sequence row), so an append writes one row.
CREATE TABLE report_journal (
  id INTEGER PRIMARY KEY,
  body TEXT NOT NULL
);
--> statement-breakpoint
-- Folds done (and journals discarded by a rebuild's start): a fold's batch holds only if none ran since it
-- read the journal, so no row is applied twice.
ALTER TABLE report_state ADD COLUMN folds INTEGER NOT NULL DEFAULT 0;
