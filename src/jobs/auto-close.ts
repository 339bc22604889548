import { and, asc, eq, isNull, lte } from "drizzle-orm";
import { tickets } from "../db/schema";
import { AppError } from "../lib/errors";
import type { ServiceContext } from "../lib/request-context";
import { changeTicket } from "../features/tickets/tickets.service";

/** Resolved tickets closed per run; older ones wait for the next minute. */
export const AUTO_CLOSE_BATCH = 200;
/** API.md "Status transitions": resolved tickets close themselves after 3 days unless configured. */
export const DEFAULT_AUTO_CLOSE_DAYS = 3;
const DAY_MS = 86_400_000;

export interface AutoCloseReport {
  job: "auto-close";
  days: number;
  closed: number;
  /** Reopened or changed between the read and the close: left alone. */
  skipped: number;
  more: boolean;
}

/** AUTO_CLOSE_DAYS: a positive number of days; anything else is the default. */
export function autoCloseDays(setting: string | undefined): number {
  const days = Number(setting);
  return Number.isFinite(days) && days > 0 ? days : DEFAULT_AUTO_CLOSE_DAYS;
}

/**
 * Closes tickets resolved at least AUTO_CLOSE_DAYS ago, as the system, through changeTicket like
 * any other change (history, audit, events). Reads only resolved tickets, oldest resolution first,
 * through tickets_status_resolved_idx.
 */
export async function runAutoClose(ctx: ServiceContext): Promise<AutoCloseReport> {
  const days = autoCloseDays(ctx.env.AUTO_CLOSE_DAYS);
  const cutoff = new Date(ctx.now.getTime() - days * DAY_MS).toISOString();
  const due = await ctx.db
    .select({ id: tickets.id })
    .from(tickets)
    .where(and(isNull(tickets.deletedAt), eq(tickets.status, "resolved"), lte(tickets.resolvedAt, cutoff)))
    .orderBy(asc(tickets.resolvedAt), asc(tickets.id))
    .limit(AUTO_CLOSE_BATCH + 1);
  const report: AutoCloseReport = { job: "auto-close", days, closed: 0, skipped: 0, more: due.length > AUTO_CLOSE_BATCH };
  for (const { id } of due.slice(0, AUTO_CLOSE_BATCH)) {
    try {
      const { changes } = await changeTicket(ctx, id, { status: "closed" }, { type: "updated", note: { reason: `auto-closed ${days} days after resolution` } });
      if ("status" in changes) report.closed++;
      else report.skipped++;
    } catch (err) {
      // Reopened (or deleted) since the read: nothing to close.
      if (err instanceof AppError && err.status < 500) report.skipped++;
      else throw err;
    }
  }
  return report;
}
