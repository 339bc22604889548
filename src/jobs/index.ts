import { systemContext } from "../contexts";
import { metered, newMeter, type D1Meter } from "../db/metrics";
import type { Bindings } from "../env";
import type { ServiceContext } from "../lib/request-context";
import { runAutoClose } from "./auto-close";
import { runAutomations } from "./automations";
import { runHousekeeping } from "./housekeeping";
import { runSlaSweep } from "./sla-sweep";
import { requeueStaleOutbox } from "../email/outbox";
import { resumeStalledRebuild } from "../features/reports/reports.rebuild";
import { runJournalFold } from "../features/reports/reports.journal";
import { exportHousekeeping } from "../features/exports/exports.jobs";
import { runArchive } from "../features/archive/archive.jobs";
import { runRetire } from "../features/archive/archive.retire";
import { runWebhookHousekeeping } from "../features/webhooks/webhooks.housekeeping";

/** Every time-based job; each takes a system context (no actor) whose `now` is the trigger's time. */
export const JOBS = {
  "sla-sweep": runSlaSweep,
  "auto-close": runAutoClose,
  automations: runAutomations,
  housekeeping: runHousekeeping,
  // Outbox rows whose queue message was lost after commit (src/email/outbox.ts).
  "mail-outbox": async (ctx: ServiceContext) => ({ job: "mail-outbox", requeued: await requeueStaleOutbox(ctx.env, ctx.now) }),
  // The report journal folded into the rollups (src/features/reports/reports.journal.ts).
  "report-journal": runJournalFold,
  // A report rollup rebuild whose queue message was lost (src/features/reports/reports.rebuild.ts).
  "report-rebuild": async (ctx: ServiceContext) => ({ job: "report-rebuild", resumed: await resumeStalledRebuild(ctx) }),
  // Export files past their 7 days, and exports whose queue message was lost (src/features/exports/exports.jobs.ts).
  exports: async (ctx: ServiceContext) => ({ job: "exports", ...(await exportHousekeeping(ctx.env, ctx.now)) }),
  // Webhook deliveries whose queue message was lost; delivery logs past their retention.
  webhooks: runWebhookHousekeeping,
  // Closed tickets past ARCHIVE_AFTER_DAYS, queued in chunks for the archive (features/archive).
  archive: runArchive,
  // Archived tickets of years that are over, queued in chunks to move into their year's database (features/archive/archive.retire.ts).
  retire: runRetire,
} satisfies Record<string, (ctx: ServiceContext) => Promise<object>>;
export type JobName = keyof typeof JOBS;

/**
 * wrangler.toml's crons and their jobs. A cron not listed (the local `/cdn-cgi/handler/scheduled`
 * without one, or a cron added to wrangler.toml before it is mapped here) runs every job.
 */
export const SCHEDULE: Record<string, JobName[]> = {
  // Archiving is not urgent, and a tick's chunks should be consumed before the next tick finds the same tickets.
  "*/5 * * * *": ["archive", "retire"],
  "* * * * *": ["sla-sweep", "auto-close", "automations", "housekeeping", "mail-outbox", "report-journal", "report-rebuild", "exports", "webhooks"],
};

export const jobsFor = (cron: string): JobName[] => SCHEDULE[cron] ?? (Object.keys(JOBS) as JobName[]);

/**
 * The Worker's `scheduled` entry point. Jobs run one after another; one failing does not stop the
 * others, and the run fails at the end (so the trigger shows as failed). Each logs one JSON line
 * of what it did (with D1 rows read and written under D1_METRICS=1, for the benchmark).
 */
export async function runScheduled(controller: Pick<ScheduledController, "cron" | "scheduledTime">, env: Bindings, execution: ExecutionContext) {
  const reports: object[] = [];
  const failures: unknown[] = [];
  for (const name of jobsFor(controller.cron)) {
    const meter = env.D1_METRICS === "1" ? newMeter() : null;
    const d1 = meter ? metered(env.DB, meter) : env.DB;
    const ctx = systemContext({ ...env, DB: d1 }, `cron ${controller.cron || "(all)"}`, {
      now: new Date(controller.scheduledTime),
      waitUntil: (p) => execution.waitUntil(p),
    });
    try {
      const report = { ...(await JOBS[name](ctx)), ...(meter ? meterSummary(meter) : {}) };
      console.log(JSON.stringify(report));
      reports.push(report);
    } catch (err) {
      // A job that went on past failures (the SLA sweep's SweepFailed) carries what it did: logged with the error.
      const report = err instanceof Error && "report" in err ? { report: err.report } : {};
      console.error(JSON.stringify({ job: name, error: String(err), stack: (err as Error)?.stack, ...report }));
      failures.push(err);
    }
  }
  if (failures.length) throw new AggregateError(failures, `${failures.length} scheduled job(s) failed`);
  return reports;
}

// Statement kinds listed in a metered report: enough to see where a job's rows go (a swept
// ticket's two writes are ~20 kinds; 8 left out where a third of the sweep's rows went).
const METER_TOP = 24;

/** Rows read and written, and the statement kinds that read most (benchmark only). */
function meterSummary(meter: D1Meter) {
  const kinds = new Map<string, { statements: number; rows_read: number; rows_written: number }>();
  for (const s of meter.statements) {
    const kind = s.sql.replace(/\s+/g, " ").slice(0, 80);
    const k = kinds.get(kind) ?? { statements: 0, rows_read: 0, rows_written: 0 };
    k.statements++;
    k.rows_read += s.rowsRead;
    k.rows_written += s.rowsWritten;
    kinds.set(kind, k);
  }
  const top = [...kinds.entries()].sort((a, b) => b[1].rows_read - a[1].rows_read).slice(0, METER_TOP).map(([sql, k]) => ({ sql, ...k }));
  // The report rollups' statements (report_* tables), which a job's ticket writes carry: counted apart, so a
  // job's own reads can be told from what the rollups cost (issue 12).
  const rollups = { statements: 0, rows_read: 0, rows_written: 0 };
  for (const s of meter.statements) {
    if (!/\breport_\w+/i.test(s.sql)) continue;
    rollups.statements++;
    rollups.rows_read += s.rowsRead;
    rollups.rows_written += s.rowsWritten;
  }
  // `calls`: D1 round trips (a batch is one), what a job waits on in a row.
  return { rows_read: meter.rowsRead, rows_written: meter.rowsWritten, statements: meter.statements.length, calls: meter.calls, rollups, top };
}
