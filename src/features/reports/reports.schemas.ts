import { z } from "@hono/zod-openapi";
import { GRANULARITIES, HISTOGRAM_SIZE, PERCENTILE_MAX_RELATIVE_ERROR } from "../../domain/rollups";
import { TICKET_CHANNELS, TICKET_PRIORITIES } from "../../domain/vocabulary";
import { Id, IsoDate } from "../../lib/openapi";
import { TIME_GROUPS } from "./reports.service";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const isDate = (s: string) => {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s) && Number(m[1]) >= 2000 && Number(m[1]) <= 2100;
};
const ReportDate = z.string().refine(isDate, "a date YYYY-MM-DD (2000..2100)");
const TimeZone = z.string().min(1).max(64).default("UTC").openapi({ description: "IANA time zone the dates and periods are in", example: "Europe/Berlin" });

const DEFAULT_DAYS = 30;
const today = () => new Date().toISOString().slice(0, 10);
const daysBefore = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/** `from`/`to` (inclusive dates in `tz`), defaulting to the last 30 days. */
export const PeriodQuery = z
  .object({
    from: ReportDate.optional().openapi({ description: "first day (inclusive); default: 29 days before `to`" }),
    to: ReportDate.optional().openapi({ description: "last day (inclusive); default: today (UTC)" }),
    tz: TimeZone,
  })
  .transform((q) => {
    const to = q.to ?? today();
    return { ...q, to, from: q.from ?? daysBefore(to, DEFAULT_DAYS - 1) };
  });

export const OverviewQuery = z
  .object({
    from: ReportDate.optional(),
    to: ReportDate.optional(),
    tz: TimeZone,
    granularity: z.enum(GRANULARITIES).default("day"),
    team_id: Id.optional(),
    agent_id: Id.optional().openapi({ description: "one agent's tickets (agents: themselves only)" }),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    channel: z.enum(TICKET_CHANNELS).optional(),
  })
  .transform((q) => {
    const to = q.to ?? today();
    return { ...q, to, from: q.from ?? daysBefore(to, DEFAULT_DAYS - 1) };
  });

export const TeamQuery = z.object({ team_id: Id.optional() });
export const AgentsQuery = z
  .object({ from: ReportDate.optional(), to: ReportDate.optional(), tz: TimeZone, team_id: Id.optional().openapi({ description: "the team's members" }) })
  .transform((q) => {
    const to = q.to ?? today();
    return { ...q, to, from: q.from ?? daysBefore(to, DEFAULT_DAYS - 1) };
  });
export const TimeQuery = z
  .object({ from: ReportDate.optional(), to: ReportDate.optional(), tz: TimeZone, group_by: z.enum(TIME_GROUPS).default("agent") })
  .transform((q) => {
    const to = q.to ?? today();
    return { ...q, to, from: q.from ?? daysBefore(to, DEFAULT_DAYS - 1) };
  });

const Minutes = z.number().int().nullable();
const Pct = z.number().nullable().openapi({ description: "percent, one decimal; null when nothing was measured" });
const percentileNote = `estimated from a log-spaced histogram (${HISTOGRAM_SIZE} buckets): exact below 16 minutes, else within ${(PERCENTILE_MAX_RELATIVE_ERROR * 100).toFixed(1)} %`;

const Head = { from: z.string(), to: z.string(), tz: z.string() };

export const OverviewSchema = z
  .object({
    ...Head,
    granularity: z.enum(GRANULARITIES),
    created: z.number().int(),
    solved: z.number().int().openapi({ description: "tickets whose (latest) resolution falls in the period" }),
    reopened: z.number().int(),
    backlog: z.object({ by_status: z.record(z.string(), z.number().int()), by_priority: z.record(z.string(), z.number().int()) }).openapi({ description: "open tickets now" }),
    first_response: z.object({ median_minutes: Minutes.openapi({ description: percentileNote }), p90_minutes: Minutes, sla_met_pct: Pct }),
    resolution: z.object({ median_minutes: Minutes, p90_minutes: Minutes, sla_met_pct: Pct }),
    sla: z.object({ breaches: z.number().int(), compliance_pct: Pct }),
    satisfaction: z.object({ responses: z.number().int(), score_pct: Pct.openapi({ description: "share of answers scoring 4 or 5" }) }),
    time_spent_minutes: z.number().int(),
    series: z.array(
      z.object({ period: z.string().openapi({ description: "first day of the period (YYYY-MM-DD)" }), created: z.number().int(), solved: z.number().int(), breaches: z.number().int(), median_first_response_minutes: Minutes }),
    ),
  })
  .openapi("ReportOverview");

const Named = z.object({ id: z.string(), name: z.string().nullable() });

export const BacklogSchema = z
  .object({
    total: z.number().int(),
    by_status: z.record(z.string(), z.number().int()),
    by_priority: z.record(z.string(), z.number().int()),
    by_status_priority: z.record(z.string(), z.record(z.string(), z.number().int())),
    by_team: z.array(z.object({ team: Named.nullable(), tickets: z.number().int() })),
    by_assignee: z.array(z.object({ agent: Named.nullable(), tickets: z.number().int() })),
    at_risk: z.number().int(),
    breached: z.number().int(),
    oldest_open: z.object({ ticket_id: z.string(), created_at: IsoDate, age_minutes: z.number().int() }).nullable(),
  })
  .openapi("ReportBacklog");

export const AgentsReportSchema = z
  .object({
    ...Head,
    data: z.array(
      z.object({
        agent: z.object({ id: z.string(), name: z.string() }),
        assigned: z.number().int(),
        solved: z.number().int(),
        open_now: z.number().int(),
        first_response_median_minutes: Minutes,
        resolution_median_minutes: Minutes,
        sla_compliance_pct: Pct,
        satisfaction_pct: Pct,
        satisfaction_responses: z.number().int(),
        time_spent_minutes: z.number().int(),
      }),
    ),
  })
  .openapi("ReportAgents");

export const SlaReportSchema = z
  .object({
    ...Head,
    data: z.array(
      z.object({
        policy: z.string().nullable().openapi({ description: "null in an agent's own report (all policies)" }),
        target: z.enum(["first_response", "next_response", "resolution"]),
        measured: z.number().int(),
        met: z.number().int(),
        breached: z.number().int(),
        compliance_pct: Pct,
      }),
    ),
  })
  .openapi("ReportSla");

const TimeMinutes = { billable_minutes: z.number().int(), non_billable_minutes: z.number().int(), total_minutes: z.number().int() };
export const TimeReportSchema = z
  .object({
    ...Head,
    group_by: z.enum(TIME_GROUPS),
    data: z.array(
      z.object({
        agent: z.object({ id: z.string(), name: z.string() }).optional(),
        team: z.object({ id: z.string(), name: z.string() }).optional(),
        category: z.string().optional(),
        ticket: z.object({ id: z.string(), number: z.string(), subject: z.string() }).optional(),
        ...TimeMinutes,
      }),
    ),
  })
  .openapi("ReportTime");

export const RebuildSchema = z
  .object({
    phase: z.enum(["live", "staging", "converting"]),
    tickets_done: z.number().int(),
    keys_done: z.number().int(),
    started_at: IsoDate.nullable(),
    finished_at: IsoDate.nullable(),
  })
  .openapi("ReportRebuild");
