import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { batchStatement, runBatch } from "../../db/client";
import { teamMembers, teams, users } from "../../db/schema";
import { isTimeZone, startOfLocalDay } from "../../domain/business-hours";
import { reportScope, type ReportScope } from "../../domain/permissions";
import {
  addTotals,
  BACKLOG_STATUSES,
  bucketOf,
  DAY_MS,
  dateOf,
  dayNumber,
  isQuarterBoundary,
  openScope,
  pct,
  percentile,
  periodStarts,
  SLA_STATES,
  type Dimension,
  type Granularity,
  type Totals,
  withoutMember,
} from "../../domain/rollups";
import { TICKET_PRIORITIES, type TicketChannel, type TicketPriority } from "../../domain/vocabulary";
import { AppError, forbidden, validation } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { backlogBy, backlogRows, keysOf, totalsBefore, type Boundary } from "./reports.rollups";
import { foldBeforeReport, JOURNAL_LENGTH } from "./reports.journal";

/**
 * The reports (API.md "Reports"). Every figure comes from the rollups (reports.rollups.ts): a
 * period costs one or two rows per key and boundary, and one per key and 32-day block its boundaries
 * fall in, whatever the number of tickets. Who sees what is decided once, by domain/permissions.ts
 * `reportScope`: managers and admins everything, an agent their own figures only, customers nothing.
 */

/** API.md: a report covers at most two years. */
export const MAX_REPORT_DAYS = 731;
/** Agents listed by the agents and time reports (a deployment's staff); more would not be one report. */
export const MAX_REPORT_AGENTS = 2_000;
/** Categories and policies listed (open sets of names). */
export const MAX_REPORT_KEYS = 500;
/** The per-ticket time list: the tickets with the most time (the time-entries export has them all). */
export const TIME_BY_TICKET_LIMIT = 100;

export interface PeriodQuery {
  from: string;
  to: string;
  tz: string;
}

interface Period {
  /** Local day numbers, `to` inclusive. */
  from: number;
  to: number;
  tz: string;
}

function scopeOf(ctx: ServiceContext): ReportScope {
  const scope = reportScope(actorOf(ctx));
  if (!scope) throw forbidden("Reports are for staff");
  return scope;
}

/** The rollups answer (no rebuild running), with the journal short enough to read (folded first if not). */
async function requireLive(ctx: ServiceContext) {
  const [row] = await ctx.db.all<{ phase: string; journal: number | null }>(
    sql`SELECT phase, ${JOURNAL_LENGTH} AS journal FROM report_state WHERE id = 1`,
  );
  if (row && row.phase !== "live") {
    throw new AppError("SERVICE_UNAVAILABLE", "The report rollups are being rebuilt; try again in a minute", { headers: { "Retry-After": "60" } });
  }
  await foldBeforeReport(ctx, Number(row?.journal ?? 0));
}

function periodOf(q: PeriodQuery): Period {
  const from = dayNumber(q.from);
  const to = dayNumber(q.to);
  if (to < from) throw validation("Invalid period", { to: ["must not be before from"] });
  if (to - from + 1 > MAX_REPORT_DAYS) throw validation("Invalid period", { to: [`a report covers at most ${MAX_REPORT_DAYS} days`] });
  if (!isTimeZone(q.tz)) throw validation("Invalid time zone", { tz: ["not an IANA time zone, e.g. Europe/Berlin"] });
  return { from, to, tz: q.tz };
}

/**
 * Local midnights already worked out, by zone and day: a year's daily series needs 366, and each
 * costs two Intl lookups outside UTC (a third of a 365-day overview's CPU). They never change, so
 * an isolate keeps them (bounded; cleared when full).
 */
const midnights = new Map<string, number>();
const MIDNIGHTS_KEPT = 20_000;

/** The instant a local day starts, as a rollup boundary (every zone's midnight is on a quarter hour). */
function boundaryOf(tz: string, day: number): Boundary {
  let at: number | undefined = tz === "UTC" ? day * DAY_MS : midnights.get(`${tz}\u0000${day}`);
  if (at === undefined) {
    at = startOfLocalDay(tz, day);
    if (midnights.size >= MIDNIGHTS_KEPT) midnights.clear();
    midnights.set(`${tz}\u0000${day}`, at);
  }
  if (!isQuarterBoundary(at)) throw validation("Invalid time zone", { tz: [`its midnight of ${dateOf(day)} is not on a quarter hour`] });
  return bucketOf(at);
}

const periodBoundaries = (p: Period) => [boundaryOf(p.tz, p.from), boundaryOf(p.tz, p.to + 1)];

/** The totals of [boundary i, boundary i+1) from totals before each boundary. */
const between = (before: Totals[], i: number, j = i + 1) => addTotals(before[j]!, before[i]!, -1);

const slaMet = (t: Totals) => t.c.fr_met + t.c.nr_met + t.c.res_met;
const slaBreached = (t: Totals) => t.c.fr_breached + t.c.nr_breached + t.c.res_breached;

// ---------------------------------------------------------------- overview

export interface OverviewQuery extends PeriodQuery {
  granularity: Granularity;
  team_id?: string | undefined;
  agent_id?: string | undefined;
  priority?: TicketPriority | undefined;
  channel?: TicketChannel | undefined;
}

/** The one dimension an overview is about: everything, or one filter (an agent: themselves only). */
function overviewKey(scope: ReportScope, q: OverviewQuery): { dim: Dimension; key: string } {
  const filters = (
    [
      ["team", q.team_id],
      ["agent", q.agent_id],
      ["priority", q.priority],
      ["channel", q.channel],
    ] as const
  ).filter(([, v]) => v !== undefined);
  if (scope.kind === "agent") {
    if (filters.some(([dim, v]) => dim !== "agent" || v !== scope.agentId)) throw forbidden("Agents see their own figures only");
    return { dim: "agent", key: scope.agentId };
  }
  if (filters.length > 1) throw validation("One filter at a time", { _: ["give at most one of team_id, agent_id, priority, channel"] });
  const [filter] = filters;
  return filter ? { dim: filter[0], key: filter[1]! } : { dim: "all", key: "" };
}

export async function overview(ctx: ServiceContext, q: OverviewQuery) {
  const scope = scopeOf(ctx);
  const { dim, key } = overviewKey(scope, q);
  const period = periodOf(q);
  await requireLive(ctx);
  const starts = periodStarts(period.from, period.to, q.granularity);
  const boundaries = [...starts, period.to + 1].map((d) => boundaryOf(period.tz, d));
  // The backlog now: the scope's own counters; a priority's are everyone's cells of that priority.
  const counters = dim === "team" || dim === "agent" || dim === "channel" ? openScope(dim, key) : "";
  const [before, backlog] = await Promise.all([totalsBefore(ctx.db, dim, [key], boundaries).then((m) => m.get(key)!), backlogRows(ctx.db, counters)]);
  const t = between(before, 0, boundaries.length - 1);
  const cells = dim === "priority" ? backlog.filter((r) => r.priority === key) : backlog;
  return {
    from: q.from,
    to: q.to,
    tz: period.tz,
    granularity: q.granularity,
    created: t.c.created,
    solved: t.c.solved,
    reopened: t.c.reopened,
    backlog: { by_status: countBy(cells, "status", BACKLOG_STATUSES), by_priority: countBy(cells, "priority", TICKET_PRIORITIES) },
    first_response: {
      median_minutes: percentile(t.h.fr_hist, 50),
      p90_minutes: percentile(t.h.fr_hist, 90),
      sla_met_pct: pct(t.c.fr_met, t.c.fr_met + t.c.fr_breached),
    },
    resolution: {
      median_minutes: percentile(t.h.res_hist, 50),
      p90_minutes: percentile(t.h.res_hist, 90),
      sla_met_pct: pct(t.c.res_met, t.c.res_met + t.c.res_breached),
    },
    sla: { breaches: slaBreached(t), compliance_pct: pct(slaMet(t), slaMet(t) + slaBreached(t)) },
    satisfaction: { responses: t.c.csat_count, score_pct: pct(t.c.csat_positive, t.c.csat_count) },
    time_spent_minutes: t.c.time_billable + t.c.time_nonbillable,
    // A period's figures straight from the totals at its ends (no copy of their histograms).
    series: starts.map((start, i) => {
      const [a, b] = [before[i]!, before[i + 1]!];
      return {
        period: dateOf(start),
        created: b.c.created - a.c.created,
        solved: b.c.solved - a.c.solved,
        breaches: slaBreached(b) - slaBreached(a),
        median_first_response_minutes: percentile(b.h.fr_hist, 50, a.h.fr_hist),
      };
    }),
  };
}

function countBy<K extends string>(rows: { tickets: number }[], field: "status" | "priority", keys: readonly K[]): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const r of rows) {
    const k = (r as unknown as Record<string, K>)[field]!;
    if (k in out) out[k] += r.tickets;
  }
  return out;
}

// ---------------------------------------------------------------- backlog

/**
 * The oldest open ticket of the scope: one index seek per open status (a team's through
 * tickets_team_status_created_idx, an agent's through tickets_assignee_status_created_idx), in one batch.
 */
async function oldestOpen(ctx: ServiceContext, filter: { teamId?: string; agentId?: string }) {
  const seek = (status: string) =>
    filter.teamId !== undefined
      ? sql`SELECT id, created_at FROM tickets INDEXED BY tickets_team_status_created_idx WHERE team_id = ${filter.teamId} AND status = ${status} AND deleted_at IS NULL ORDER BY created_at LIMIT 1`
      : filter.agentId !== undefined
        ? sql`SELECT id, created_at FROM tickets WHERE assignee_id = ${filter.agentId} AND status = ${status} AND deleted_at IS NULL ORDER BY created_at LIMIT 1`
        : sql`SELECT id, created_at FROM tickets WHERE status = ${status} AND deleted_at IS NULL ORDER BY created_at LIMIT 1`;
  // One round trip for the seeks.
  const rows = (await runBatch(ctx.db, BACKLOG_STATUSES.map((s) => batchStatement(ctx.db, seek(s))))).flatMap((r) => (r as D1Result<{ id: string; created_at: string }>).results);
  const oldest = rows.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1))[0];
  if (!oldest) return null;
  return { ticket_id: oldest.id, created_at: oldest.created_at, age_minutes: Math.floor((ctx.now.getTime() - Date.parse(oldest.created_at)) / 60_000) };
}

export async function backlog(ctx: ServiceContext, q: { team_id?: string | undefined }) {
  const scope = scopeOf(ctx);
  if (scope.kind === "agent" && q.team_id !== undefined) throw forbidden("Agents see their own figures only");
  await requireLive(ctx);
  const filter = scope.kind === "agent" ? { agentId: scope.agentId } : q.team_id !== undefined ? { teamId: q.team_id } : {};
  // Each part reads its own scope's counters: an agent's or a team's, or everyone's.
  const counters = filter.agentId !== undefined ? openScope("agent", filter.agentId) : filter.teamId !== undefined ? openScope("team", filter.teamId) : "";
  const [cells, teamCounts, agentCounts, oldest] = await Promise.all([
    backlogRows(ctx.db, counters),
    filter.teamId !== undefined ? null : backlogBy(ctx.db, counters, "team"),
    filter.agentId !== undefined ? null : backlogBy(ctx.db, counters, "assignee"),
    oldestOpen(ctx, filter),
  ]);
  const total = cells.reduce((s, c) => s + c.tickets, 0);
  // Unassigned and no-team tickets: the scope's total less its members'.
  const byTeam = teamCounts ? withoutMember(teamCounts, total) : new Map([[filter.teamId!, total]]);
  const byAssignee = agentCounts ? withoutMember(agentCounts, total) : new Map([[filter.agentId!, total]]);
  const byStatusPriority = Object.fromEntries(BACKLOG_STATUSES.map((s) => [s, countBy(cells.filter((c) => c.status === s), "priority", TICKET_PRIORITIES)]));
  const bySla = Object.fromEntries(SLA_STATES.map((s) => [s, 0])) as Record<(typeof SLA_STATES)[number], number>;
  for (const c of cells) if (c.sla in bySla) bySla[c.sla as keyof typeof bySla] += c.tickets;
  const [teamNames, userNames] = await Promise.all([namesOfTeams(ctx, [...byTeam.keys()]), namesOfUsers(ctx, [...byAssignee.keys()])]);
  return {
    total,
    by_status: countBy(cells, "status", BACKLOG_STATUSES),
    by_priority: countBy(cells, "priority", TICKET_PRIORITIES),
    by_status_priority: byStatusPriority,
    by_team: [...byTeam.entries()]
      .filter(([, n]) => n !== 0)
      .map(([id, n]) => ({ team: id ? { id, name: teamNames.get(id) ?? null } : null, tickets: n }))
      .sort((a, b) => b.tickets - a.tickets),
    by_assignee: [...byAssignee.entries()]
      .filter(([, n]) => n !== 0)
      .map(([id, n]) => ({ agent: id ? { id, name: userNames.get(id) ?? null } : null, tickets: n }))
      .sort((a, b) => b.tickets - a.tickets),
    at_risk: bySla.at_risk,
    breached: bySla.breached,
    oldest_open: oldest,
  };
}

async function namesOfTeams(ctx: ServiceContext, ids: string[]) {
  const wanted = ids.filter(Boolean);
  if (!wanted.length) return new Map<string, string>();
  const rows = await ctx.db.select({ id: teams.id, name: teams.name }).from(teams).where(inArray(teams.id, wanted));
  return new Map(rows.map((r) => [r.id, r.name]));
}

async function namesOfUsers(ctx: ServiceContext, ids: string[]) {
  const wanted = ids.filter(Boolean);
  if (!wanted.length) return new Map<string, string>();
  const rows = await ctx.db.all<{ id: string; name: string }>(sql`SELECT id, name FROM users WHERE id IN (SELECT value FROM json_each(${JSON.stringify(wanted)}))`);
  return new Map(rows.map((r) => [r.id, r.name]));
}

// ---------------------------------------------------------------- agents

/** The agents a report lists: the caller alone (an agent), a team's members, or all active staff. */
async function reportAgents(ctx: ServiceContext, scope: ReportScope, teamId?: string): Promise<{ id: string; name: string }[]> {
  if (scope.kind === "agent") return [{ id: scope.agentId, name: actorOf(ctx).name }];
  if (teamId !== undefined) {
    return ctx.db
      .select({ id: users.id, name: users.name })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .where(and(eq(teamMembers.teamId, teamId), eq(users.active, true)))
      .orderBy(asc(users.name), asc(users.id))
      .limit(MAX_REPORT_AGENTS);
  }
  return ctx.db
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(and(inArray(users.role, ["agent", "manager", "admin"]), eq(users.active, true)))
    .orderBy(asc(users.name), asc(users.id))
    .limit(MAX_REPORT_AGENTS);
}

export async function agents(ctx: ServiceContext, q: PeriodQuery & { team_id?: string | undefined }) {
  const scope = scopeOf(ctx);
  const period = periodOf(q);
  await requireLive(ctx);
  const list = await reportAgents(ctx, scope, scope.kind === "agent" ? undefined : q.team_id);
  const ids = list.map((a) => a.id);
  const [before, open] = await Promise.all([totalsBefore(ctx.db, "agent", ids, periodBoundaries(period)), backlogBy(ctx.db, "", "assignee", ids)]);
  return {
    from: q.from,
    to: q.to,
    tz: period.tz,
    data: list.map((agent) => {
      const t = between(before.get(agent.id)!, 0);
      return {
        agent,
        assigned: t.c.assigned,
        solved: t.c.solved,
        open_now: open.get(agent.id) ?? 0,
        first_response_median_minutes: percentile(t.h.fr_hist, 50),
        resolution_median_minutes: percentile(t.h.res_hist, 50),
        sla_compliance_pct: pct(slaMet(t), slaMet(t) + slaBreached(t)),
        satisfaction_pct: pct(t.c.csat_positive, t.c.csat_count),
        satisfaction_responses: t.c.csat_count,
        time_spent_minutes: t.c.time_billable + t.c.time_nonbillable,
      };
    }),
  };
}

// ---------------------------------------------------------------- SLA

const TARGETS = [
  ["first_response", "fr"],
  ["next_response", "nr"],
  ["resolution", "res"],
] as const;

export async function slaReport(ctx: ServiceContext, q: PeriodQuery) {
  const scope = scopeOf(ctx);
  const period = periodOf(q);
  await requireLive(ctx);
  const boundaries = periodBoundaries(period);
  // An agent's figures are not split by policy (that would be a rollup per agent and policy).
  const groups: { policy: string | null; t: Totals }[] =
    scope.kind === "agent"
      ? [{ policy: null, t: between((await totalsBefore(ctx.db, "agent", [scope.agentId], boundaries)).get(scope.agentId)!, 0) }]
      : await (async () => {
          const policies = await keysOf(ctx.db, "policy", MAX_REPORT_KEYS);
          const before = await totalsBefore(ctx.db, "policy", policies, boundaries);
          return policies.map((policy) => ({ policy, t: between(before.get(policy)!, 0) }));
        })();
  return {
    from: q.from,
    to: q.to,
    tz: period.tz,
    data: groups.flatMap(({ policy, t }) =>
      TARGETS.map(([target, c]) => {
        const met = t.c[`${c}_met`];
        const breached = t.c[`${c}_breached`];
        return { policy, target, measured: met + breached, met, breached, compliance_pct: pct(met, met + breached) };
      }).filter((row) => row.measured > 0 || scope.kind === "agent"),
    ),
  };
}

// ---------------------------------------------------------------- time

export const TIME_GROUPS = ["agent", "ticket", "category", "team"] as const;
export type TimeGroup = (typeof TIME_GROUPS)[number];

const minutesOf = (t: Totals) => ({
  billable_minutes: t.c.time_billable,
  non_billable_minutes: t.c.time_nonbillable,
  total_minutes: t.c.time_billable + t.c.time_nonbillable,
});

export async function timeReport(ctx: ServiceContext, q: PeriodQuery & { group_by: TimeGroup }) {
  const scope = scopeOf(ctx);
  const period = periodOf(q);
  if (scope.kind === "agent" && (q.group_by === "team" || q.group_by === "category")) throw forbidden("Agents see their own time only: group by agent or ticket");
  const head = { from: q.from, to: q.to, tz: period.tz, group_by: q.group_by };
  if (q.group_by === "ticket") return { ...head, data: await timeByTicket(ctx, period, scope) };
  await requireLive(ctx);
  const boundaries = periodBoundaries(period);
  if (q.group_by === "agent") {
    const list = await reportAgents(ctx, scope);
    const before = await totalsBefore(ctx.db, "agent", list.map((a) => a.id), boundaries);
    return { ...head, data: list.map((agent) => ({ agent, ...minutesOf(between(before.get(agent.id)!, 0)) })).filter((r) => r.total_minutes !== 0 || scope.kind === "agent") };
  }
  if (q.group_by === "team") {
    const list = await ctx.db.select({ id: teams.id, name: teams.name }).from(teams).orderBy(asc(teams.name)).limit(MAX_REPORT_KEYS);
    const before = await totalsBefore(ctx.db, "team", list.map((t) => t.id), boundaries);
    return { ...head, data: list.map((team) => ({ team, ...minutesOf(between(before.get(team.id)!, 0)) })).filter((r) => r.total_minutes !== 0) };
  }
  const categories = await keysOf(ctx.db, "category", MAX_REPORT_KEYS);
  const before = await totalsBefore(ctx.db, "category", categories, boundaries);
  return { ...head, data: categories.map((category) => ({ category, ...minutesOf(between(before.get(category)!, 0)) })).filter((r) => r.total_minutes !== 0) };
}

/**
 * Time per ticket in the period: the tickets with the most time, from the time entries of the
 * period (time_entries_started_idx; an agent: their own, time_entries_author_started_idx).
 */
async function timeByTicket(ctx: ServiceContext, period: Period, scope: ReportScope) {
  const from = new Date(startOfLocalDay(period.tz, period.from)).toISOString();
  const to = new Date(startOfLocalDay(period.tz, period.to + 1)).toISOString();
  const author = scope.kind === "agent" ? sql`AND e.author_id = ${scope.agentId}` : sql``;
  const rows = await ctx.db.all<{ id: string; number: string; subject: string; billable: number; non_billable: number }>(sql`
    SELECT t.id, t.number, t.subject, sum(CASE WHEN e.billable THEN e.minutes ELSE 0 END) AS billable, sum(CASE WHEN e.billable THEN 0 ELSE e.minutes END) AS non_billable
    FROM time_entries e JOIN tickets t ON t.id = e.ticket_id AND t.deleted_at IS NULL
    WHERE e.started_at >= ${from} AND e.started_at < ${to} ${author}
    GROUP BY t.id ORDER BY billable + non_billable DESC, t.id LIMIT ${TIME_BY_TICKET_LIMIT}`);
  return rows.map((r) => ({
    ticket: { id: r.id, number: r.number, subject: r.subject },
    billable_minutes: Number(r.billable),
    non_billable_minutes: Number(r.non_billable),
    total_minutes: Number(r.billable) + Number(r.non_billable),
  }));
}
