/**
 * Report rollups (API.md "Reports, satisfaction, time tracking and exports"). Pure: no I/O, no clock.
 *
 * Every figure a report shows is a sum of *contributions*, and every contribution is a function of
 * one ticket row as it is now: its creation, assignment, first response, resolution, reopenings,
 * SLA outcomes, satisfaction answer and logged time, each dated by an instant the row holds and
 * counted under the ticket's current dimensions (team, assignee, priority, channel, category, SLA
 * policy; logged time under its author instead of the assignee). So a change of a ticket moves the
 * rollups by `contributions(after) − contributions(before)` (a ticket moved to another team takes
 * its figures along; a deleted ticket contributes nothing, so deleting it writes negative deltas),
 * and rollups always equal a recomputation from the ticket rows.
 *
 * Storage is three levels of prefix sums per (dimension, key) (src/features/reports/reports.rollups.ts):
 * `report_blocks` holds the totals of every contribution before a block of {@link BLOCK_DAYS} UTC days
 * starts, `report_days` the totals from the start of a block up to the end of one of its days, and
 * `report_quarters` the totals from the start of a UTC day up to the end of one of its quarter hours.
 * The totals before any instant on a quarter-hour boundary are then one row of each, so a period
 * [a, b) costs a few reads per end whatever its length, and a report is exact in every time zone:
 * every zone's offset is a whole number of quarter hours (Kathmandu +05:45, Chatham +12:45), so every
 * local midnight is such a boundary. A change dated in the past moves the rows after its instant up
 * to the end of its day (quarters), of its block (days), and the block rows after it: at most 95 +
 * 31 + (blocks since then) rows per key, where day rows cumulative over all time made it one row per
 * day since then. Durations are kept as log-spaced histograms (exact below 16 minutes, four buckets per
 * doubling above), from which percentiles are estimated within 9.1 % (see {@link histogramEstimate}).
 */
import type { TicketChannel, TicketPriority, TicketStatus } from "./vocabulary";

// ---------------------------------------------------------------- time buckets

export const MINUTE_MS = 60_000;
export const QUARTER_MS = 15 * MINUTE_MS;
export const DAY_MS = 86_400_000;
export const QUARTERS_PER_DAY = DAY_MS / QUARTER_MS;

/** A UTC day (days since 1970-01-01) and one of its 96 quarter hours. */
export interface Bucket {
  day: number;
  quarter: number;
}

export function bucketOf(ms: number): Bucket {
  const day = Math.floor(ms / DAY_MS);
  return { day, quarter: Math.floor((ms - day * DAY_MS) / QUARTER_MS) };
}

export const isQuarterBoundary = (ms: number) => ms % QUARTER_MS === 0;

/**
 * UTC days per block of `report_days`. A change dated d days back writes up to BLOCK_DAYS day rows
 * and d / BLOCK_DAYS block rows per key (a year back: 32 + 12 = 44, was 365), and a report reads one
 * block row per key and block its boundaries fall in. About a month, so a 30-day report spans at
 * most two blocks, a year fourteen. For changes dated one to two years back (late SLA breaches,
 * imports, a ticket moved to another team) BLOCK_DAYS + d / BLOCK_DAYS is within 15 % of the best
 * any block size gives (2·√d: 38 rows a year back), and at most 55 within the two years a report covers.
 */
export const BLOCK_DAYS = 32;

/** The block of a UTC day (days since 1970-01-01; floor, so earlier days are right too). */
export const blockOf = (day: number) => Math.floor(day / BLOCK_DAYS);

// ---------------------------------------------------------------- duration histograms

/** Minutes below this have a bucket each (exact). */
export const HISTOGRAM_EXACT_BELOW = 16;
/** Buckets per doubling above that: each spans a factor 2^(1/4) ≈ 1.19. */
export const HISTOGRAM_STEPS_PER_DOUBLING = 4;
/** 16 exact buckets and 16 doublings: the last bucket starts at 16 · 2^16 minutes (two years) and is open. */
export const HISTOGRAM_SIZE = HISTOGRAM_EXACT_BELOW + HISTOGRAM_STEPS_PER_DOUBLING * 16;
/**
 * The worst relative error of a percentile estimated from the histogram, for durations of 16
 * minutes and more: the estimate is the geometric middle of the bucket holding the true value, and
 * a bucket spans a factor 2^(1/4), so the estimate is within 2^(1/8) − 1 ≈ 9.05 % of it (before it
 * is rounded to the minute). Shorter durations are exact.
 */
export const PERCENTILE_MAX_RELATIVE_ERROR = 2 ** (1 / (2 * HISTOGRAM_STEPS_PER_DOUBLING)) - 1;

/** Lower bound (minutes, inclusive) of bucket `i`. */
export function histogramLowerBound(i: number): number {
  if (i < HISTOGRAM_EXACT_BELOW) return i;
  return HISTOGRAM_EXACT_BELOW * 2 ** ((i - HISTOGRAM_EXACT_BELOW) / HISTOGRAM_STEPS_PER_DOUBLING);
}

/** The bucket of a duration in whole minutes (negative durations count as 0). */
export function histogramIndex(minutes: number): number {
  const m = Math.max(0, Math.floor(minutes));
  if (m < HISTOGRAM_EXACT_BELOW) return m;
  let i = HISTOGRAM_EXACT_BELOW + Math.floor(HISTOGRAM_STEPS_PER_DOUBLING * Math.log2(m / HISTOGRAM_EXACT_BELOW));
  // Floating point near a bound: settle on the bucket whose [lower, next lower) holds m.
  while (i > HISTOGRAM_EXACT_BELOW && histogramLowerBound(i) > m) i--;
  while (i < HISTOGRAM_SIZE - 1 && histogramLowerBound(i + 1) <= m) i++;
  return Math.min(HISTOGRAM_SIZE - 1, i);
}

/** The value a bucket stands for: itself below 16 minutes, else the geometric middle of its bounds. */
export function histogramEstimate(i: number): number {
  if (i < HISTOGRAM_EXACT_BELOW) return i;
  return Math.round(Math.sqrt(histogramLowerBound(i) * histogramLowerBound(i + 1)));
}

/** A histogram: bucket index → count (sparse; absent = 0). */
export type Histogram = Record<string, number>;

/**
 * The nearest-rank percentile (`p` in (0, 100]): the smallest duration such that at least p % of
 * the durations are at most it, estimated by its bucket. Null when the histogram is empty. With
 * `minus`, of the histogram `h − minus` (a period's, from the totals at its two ends).
 */
export function percentile(h: Histogram, p: number, minus?: Histogram): number | null {
  // Counts by bucket index (ascending, no sort): a report computes one per period of its series.
  const counts: number[] = [];
  let total = 0;
  for (const k in h) {
    const n = h[k]! - (minus?.[k] ?? 0);
    if (n > 0) {
      counts[Number(k)] = n;
      total += n;
    }
  }
  if (minus) {
    for (const k in minus) {
      const n = -minus[k]!;
      if (!(k in h) && n > 0) {
        counts[Number(k)] = n;
        total += n;
      }
    }
  }
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  let last = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (!n) continue;
    seen += n;
    last = i;
    if (seen >= rank) return histogramEstimate(i);
  }
  return histogramEstimate(last);
}

// ---------------------------------------------------------------- metrics

/** The counters every rollup row holds (sums over contributions). */
export const COUNTERS = [
  "created",
  "assigned",
  "solved",
  "reopened",
  /** First responses, and the sum of their SLA-clock minutes. */
  "fr_count",
  "fr_minutes",
  /** SLA-clock minutes to resolution of the solved tickets. */
  "res_minutes",
  /** SLA targets met and breached: first response, next response, resolution. */
  "fr_met",
  "fr_breached",
  "nr_met",
  "nr_breached",
  "res_met",
  "res_breached",
  /** Satisfaction answers, those scoring 4 or 5, and the sum of scores. */
  "csat_count",
  "csat_positive",
  "csat_sum",
  /** Logged minutes. */
  "time_billable",
  "time_nonbillable",
] as const;
export type Counter = (typeof COUNTERS)[number];

/** Duration histograms: first response and resolution, in SLA-clock minutes. */
export const HISTOGRAMS = ["fr_hist", "res_hist"] as const;
export type HistogramName = (typeof HISTOGRAMS)[number];

export interface Metrics {
  c: Partial<Record<Counter, number>>;
  h: Partial<Record<HistogramName, Histogram>>;
}

/** Totals read back from storage: every counter and histogram present. */
export interface Totals {
  c: Record<Counter, number>;
  h: Record<HistogramName, Histogram>;
}

const ZERO_COUNTERS = Object.freeze(Object.fromEntries(COUNTERS.map((k) => [k, 0])) as Record<Counter, number>);

export function zeroTotals(): Totals {
  return { c: { ...ZERO_COUNTERS }, h: { fr_hist: {}, res_hist: {} } };
}

/** a + sign · b (a new value). */
export function addTotals(a: Totals, b: Metrics | Totals, sign = 1): Totals {
  const out = zeroTotals();
  for (const k of COUNTERS) out.c[k] = a.c[k] + sign * (b.c[k] ?? 0);
  for (const name of HISTOGRAMS) {
    const h: Histogram = { ...a.h[name] };
    for (const [i, n] of Object.entries(b.h[name] ?? {})) h[i] = (h[i] ?? 0) + sign * n;
    out.h[name] = h;
  }
  return out;
}

// ---------------------------------------------------------------- dimensions

/**
 * What a figure can be filtered or grouped by. `all` has one key (""); `agent` is the assignee for
 * ticket figures and the author for logged time; `policy` is the SLA policy's name.
 */
export const DIMENSIONS = ["all", "team", "priority", "channel", "category", "agent", "policy"] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface DimKey {
  dim: Dimension;
  key: string;
}

// ---------------------------------------------------------------- what a ticket row contributes

/** A ticket's time, summed per (quarter hour, author): [epoch quarter, author id, billable min, non-billable min]. */
export type TimeLogItem = readonly [quarter: number, authorId: string, billable: number, nonBillable: number];

/** The columns of a ticket row the rollups read (a TicketRow has all of them). */
export interface TicketFacts {
  id: string;
  deletedAt: string | null;
  status: TicketStatus;
  priority: TicketPriority;
  channel: TicketChannel;
  category: string | null;
  teamId: string | null;
  assigneeId: string | null;
  slaPolicy: string;
  createdAt: string;
  assignedAt: string | null;
  firstResponseAt: string | null;
  firstResponseMinutes: number | null;
  resolvedAt: string | null;
  resolutionMinutes: number | null;
  reopens: readonly string[];
  firstResponseDueAt: string | null;
  nextResponseDueAt: string | null;
  resolutionDueAt: string | null;
  firstResponseBreached: boolean;
  nextResponseBreached: boolean;
  resolutionBreached: boolean;
  nextResponseStartedMs: number | null;
  slaBreached: boolean;
  slaWarned: number;
  satisfactionScore: number | null;
  satisfactionRatedAt: string | null;
  timeLog: readonly TimeLogItem[];
}

export interface Contribution {
  /** Epoch ms the contribution is dated by. */
  at: number;
  keys: DimKey[];
  metrics: Metrics;
}

/** The ticket's keys for its own figures. */
export function ticketKeys(f: TicketFacts): DimKey[] {
  const keys: DimKey[] = [
    { dim: "all", key: "" },
    { dim: "priority", key: f.priority },
    { dim: "channel", key: f.channel },
    { dim: "policy", key: f.slaPolicy },
  ];
  if (f.teamId) keys.push({ dim: "team", key: f.teamId });
  if (f.category) keys.push({ dim: "category", key: f.category });
  if (f.assigneeId) keys.push({ dim: "agent", key: f.assigneeId });
  return keys;
}

/** The keys of time logged on the ticket by `authorId`: the ticket's dimensions, the author as agent. */
export function timeKeys(f: TicketFacts, authorId: string): DimKey[] {
  return [
    ...ticketKeys(f).filter((k) => k.dim !== "agent" && k.dim !== "policy"),
    { dim: "agent", key: authorId },
  ];
}

const ms = (iso: string) => Date.parse(iso);

/**
 * Everything a ticket row adds to the rollups. SLA targets count once per ticket each: a breached
 * target is dated by its due date; a met one by when it was met (first response, resolution) or,
 * for the next response, whose meeting time the row does not keep, by its due date.
 */
export function contributions(f: TicketFacts | null): Contribution[] {
  if (!f || f.deletedAt) return [];
  const keys = ticketKeys(f);
  const out: Contribution[] = [];
  const add = (at: string | null, c: Metrics["c"], h: Metrics["h"] = {}) => {
    if (at) out.push({ at: ms(at), keys, metrics: { c, h } });
  };
  add(f.createdAt, { created: 1 });
  if (f.assigneeId) add(f.assignedAt ?? f.createdAt, { assigned: 1 });
  if (f.firstResponseAt) {
    const m = f.firstResponseMinutes;
    add(f.firstResponseAt, m === null ? { fr_count: 1 } : { fr_count: 1, fr_minutes: m }, m === null ? {} : { fr_hist: { [histogramIndex(m)]: 1 } });
  }
  if (f.resolvedAt) {
    const m = f.resolutionMinutes;
    add(f.resolvedAt, m === null ? { solved: 1 } : { solved: 1, res_minutes: m }, m === null ? {} : { res_hist: { [histogramIndex(m)]: 1 } });
  }
  for (const at of f.reopens) add(at, { reopened: 1 });
  if (f.firstResponseBreached) add(f.firstResponseDueAt ?? f.createdAt, { fr_breached: 1 });
  else if (f.firstResponseAt) add(f.firstResponseAt, { fr_met: 1 });
  if (f.nextResponseBreached) add(f.nextResponseDueAt ?? f.createdAt, { nr_breached: 1 });
  else if (f.nextResponseDueAt && f.nextResponseStartedMs === null) add(f.nextResponseDueAt, { nr_met: 1 });
  if (f.resolutionBreached) add(f.resolutionDueAt ?? f.createdAt, { res_breached: 1 });
  else if (f.resolvedAt) add(f.resolvedAt, { res_met: 1 });
  if (f.satisfactionScore !== null && f.satisfactionRatedAt) {
    add(f.satisfactionRatedAt, { csat_count: 1, csat_positive: f.satisfactionScore >= 4 ? 1 : 0, csat_sum: f.satisfactionScore });
  }
  for (const [quarter, author, billable, nonBillable] of f.timeLog) {
    out.push({ at: quarter * QUARTER_MS, keys: timeKeys(f, author), metrics: { c: { time_billable: billable, time_nonbillable: nonBillable }, h: {} } });
  }
  return out;
}

/** One (dimension, key, bucket) and what changes there. */
export interface PointDelta extends DimKey, Bucket {
  metrics: Metrics;
}

const pointId = (k: DimKey, b: Bucket) => `${k.dim}\u0000${k.key}\u0000${b.day}\u0000${b.quarter}`;

function isZero(m: Metrics): boolean {
  return Object.values(m.c).every((n) => !n) && Object.values(m.h).every((h) => Object.values(h ?? {}).every((n) => !n));
}

function accumulate(into: Metrics, m: Metrics, sign: number) {
  for (const [k, n] of Object.entries(m.c) as [Counter, number][]) into.c[k] = (into.c[k] ?? 0) + sign * n;
  for (const [name, h] of Object.entries(m.h) as [HistogramName, Histogram][]) {
    const target = (into.h[name] ??= {});
    for (const [i, n] of Object.entries(h)) target[i] = (target[i] ?? 0) + sign * n;
  }
}

/** Drops zero counters and histogram buckets. */
function compact(m: Metrics): Metrics {
  const c = Object.fromEntries(Object.entries(m.c).filter(([, n]) => n)) as Metrics["c"];
  const h: Metrics["h"] = {};
  for (const [name, hist] of Object.entries(m.h) as [HistogramName, Histogram][]) {
    const kept = Object.fromEntries(Object.entries(hist).filter(([, n]) => n));
    if (Object.keys(kept).length) h[name] = kept;
  }
  return { c, h };
}

/** Per (dimension, key, bucket): the sum of `contributions`, times `sign`. */
export function pointsOf(list: readonly Contribution[], sign = 1, into = new Map<string, PointDelta>()): Map<string, PointDelta> {
  for (const c of list) {
    const b = bucketOf(c.at);
    for (const k of c.keys) {
      const id = pointId(k, b);
      let p = into.get(id);
      if (!p) into.set(id, (p = { ...k, ...b, metrics: { c: {}, h: {} } }));
      accumulate(p.metrics, c.metrics, sign);
    }
  }
  return into;
}

/** The points whose summed metrics are not zero, zero counters and buckets dropped. */
const nonZeroPoints = (points: Map<string, PointDelta>): PointDelta[] =>
  [...points.values()].map((p) => ({ ...p, metrics: compact(p.metrics) })).filter((p) => !isZero(p.metrics));

/** Every column of {@link TicketFacts}: what contributions and the backlog cell are computed from. */
const FACT_KEYS = [
  "id", "deletedAt", "status", "priority", "channel", "category", "teamId", "assigneeId", "slaPolicy", "createdAt",
  "assignedAt", "firstResponseAt", "firstResponseMinutes", "resolvedAt", "resolutionMinutes", "reopens",
  "firstResponseDueAt", "nextResponseDueAt", "resolutionDueAt", "firstResponseBreached", "nextResponseBreached",
  "resolutionBreached", "nextResponseStartedMs", "slaBreached", "slaWarned", "satisfactionScore", "satisfactionRatedAt", "timeLog",
] as const satisfies readonly (keyof TicketFacts)[];
// A column added to TicketFacts and not to FACT_KEYS fails to compile here.
const everyFact: Exclude<keyof TicketFacts, (typeof FACT_KEYS)[number]> extends never ? true : never = true;
void everyFact;

const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  a === b || (a.length === b.length && a.every((x, i) => (Array.isArray(x) && Array.isArray(b[i]) ? sameList(x, b[i] as unknown[]) : x === b[i])));

/**
 * Whether two rows hold the same facts, so they contribute the same and sit in the same backlog cell:
 * most writes (a reply after the first response, a tag, a subject) change none, and are then known
 * to move nothing without computing both rows' contributions.
 */
export function sameFacts(a: TicketFacts, b: TicketFacts): boolean {
  for (const k of FACT_KEYS) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || !sameList(x, y)) return false;
  }
  return true;
}

/** What a change of a ticket row does to the rollups: the non-zero point deltas. */
export function rollupDelta(before: TicketFacts | null, after: TicketFacts | null): PointDelta[] {
  if (before && after && sameFacts(before, after)) return [];
  const points = pointsOf(contributions(after), 1, pointsOf(contributions(before), -1));
  return nonZeroPoints(points);
}

/** Point deltas that change the same bucket by the same metrics, written by one statement. */
export interface DeltaGroup extends Bucket {
  metrics: Metrics;
  keys: DimKey[];
}

const metricsSignature = (m: Metrics) =>
  JSON.stringify([
    Object.entries(m.c).sort(),
    Object.entries(m.h)
      .sort()
      .map(([k, h]) => [k, Object.entries(h ?? {}).sort()]),
  ]);

export function groupDeltas(points: readonly PointDelta[]): DeltaGroup[] {
  const groups = new Map<string, DeltaGroup>();
  for (const p of points) {
    const id = `${p.day}:${p.quarter}:${metricsSignature(p.metrics)}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { day: p.day, quarter: p.quarter, metrics: p.metrics, keys: [] }));
    g.keys.push({ dim: p.dim, key: p.key });
  }
  return [...groups.values()];
}

// ---------------------------------------------------------------- the backlog now

export const BACKLOG_STATUSES = ["open", "in_progress", "pending"] as const satisfies readonly TicketStatus[];
export type BacklogStatus = (typeof BACKLOG_STATUSES)[number];
export const SLA_STATES = ["ok", "at_risk", "breached"] as const;
export type SlaState = (typeof SLA_STATES)[number];

/** Where an open ticket counts in the maintained backlog counters ("" = no team, unassigned). */
export interface BacklogCell {
  team: string;
  agent: string;
  channel: TicketChannel;
  status: BacklogStatus;
  priority: TicketPriority;
  sla: SlaState;
}

const isBacklog = (s: TicketStatus): s is BacklogStatus => (BACKLOG_STATUSES as readonly string[]).includes(s);

/**
 * The SLA state of an open ticket as its row records it: breached once a breach flag is set (by an
 * edit that saw it, or the sweep, within a minute of the due date), at risk once the sweep announced
 * 80 % of a target still unmet (domain/sla.ts `slaWarned`).
 */
export function backlogSlaState(f: TicketFacts): SlaState {
  if (f.slaBreached || f.firstResponseBreached || f.nextResponseBreached || f.resolutionBreached) return "breached";
  const unmet = (f.firstResponseAt ? 0 : 1) | (f.nextResponseStartedMs !== null ? 2 : 0) | (f.resolvedAt ? 0 : 4);
  return f.slaWarned & unmet ? "at_risk" : "ok";
}

export function backlogCell(f: TicketFacts | null): BacklogCell | null {
  if (!f || f.deletedAt || !isBacklog(f.status)) return null;
  return { team: f.teamId ?? "", agent: f.assigneeId ?? "", channel: f.channel, status: f.status, priority: f.priority, sla: backlogSlaState(f) };
}

const sameCell = (a: BacklogCell | null, b: BacklogCell | null) =>
  a === b || (!!a && !!b && a.team === b.team && a.agent === b.agent && a.channel === b.channel && a.status === b.status && a.priority === b.priority && a.sla === b.sla);

/** The backlog counters a change moves: −1 where the ticket was, +1 where it is. */
export function backlogDelta(before: TicketFacts | null, after: TicketFacts | null): { cell: BacklogCell; n: 1 | -1 }[] {
  const from = backlogCell(before);
  const to = backlogCell(after);
  if (sameCell(from, to)) return [];
  return [...(from ? [{ cell: from, n: -1 as const }] : []), ...(to ? [{ cell: to, n: 1 as const }] : [])];
}

/**
 * Whose open tickets a backlog counter counts: everyone's (""), one team's, one assignee's, one
 * channel's. A report reads the counters of its own scope only, so what it reads is bounded by what
 * it shows, not by the number of teams × agents × cells the open tickets fill.
 */
export const openScope = (kind: "team" | "agent" | "channel", id: string) => `${kind}:${id}`;

/** One move of `report_open`: a scope's open tickets in one status × priority × SLA state cell. */
export interface OpenCellMove {
  scope: string;
  status: BacklogStatus;
  priority: TicketPriority;
  sla: SlaState;
  n: number;
}

/**
 * One move of `report_open_by`: a scope's open tickets of one assignee or team. Unassigned and
 * no-team tickets have no row: they are the scope's total (report_open) less its members' rows
 * ({@link withoutMember}), which saves a ticket with neither two rows written on every move.
 */
export interface OpenMemberMove {
  scope: string;
  kind: "assignee" | "team";
  member: string;
  n: number;
}

/** The scopes a cell counts in: everyone, its team and its assignee (none for "" = no team, unassigned), its channel. */
const cellScopes = (c: BacklogCell) => [
  "",
  ...(c.team ? [openScope("team", c.team)] : []),
  ...(c.agent ? [openScope("agent", c.agent)] : []),
  openScope("channel", c.channel),
];

/**
 * The (scope, assignee or team) totals a cell counts in: everyone's per assignee and per team (the
 * backlog's by_assignee and by_team, the agents report's open_now), a team's per assignee, an
 * assignee's per team; none for no assignee or no team ("": derived, {@link withoutMember}).
 */
const memberKeys = (c: BacklogCell): [string, "assignee" | "team", string][] =>
  (
    [
      ["", "assignee", c.agent],
      ["", "team", c.team],
      ...(c.team ? [[openScope("team", c.team), "assignee", c.agent] as [string, "assignee", string]] : []),
      ...(c.agent ? [[openScope("agent", c.agent), "team", c.team] as [string, "team", string]] : []),
    ] as [string, "assignee" | "team", string][]
  ).filter(([, , member]) => member !== "");

/**
 * A scope's open tickets per member with those of no member ("" = unassigned, no team) added back:
 * the scope's total less what its members hold.
 */
export function withoutMember(byMember: ReadonlyMap<string, number>, total: number): Map<string, number> {
  let held = 0;
  for (const [member, n] of byMember) if (member !== "") held += n;
  const out = new Map([...byMember].filter(([member]) => member !== ""));
  if (total - held !== 0) out.set("", total - held);
  return out;
}

/**
 * The moves of the two open-ticket counters for backlog cell moves (a change's −1 and +1, or a
 * rebuild chunk's +1 per open ticket), summed per row; rows a change leaves as they were are left
 * out (a reassignment moves the assignee rows only).
 */
export function openCounterMoves(moves: readonly { cell: BacklogCell; n: number }[]): { cells: OpenCellMove[]; members: OpenMemberMove[] } {
  const cells = new Map<string, OpenCellMove>();
  const members = new Map<string, OpenMemberMove>();
  for (const { cell: c, n } of moves) {
    for (const scope of cellScopes(c)) {
      const id = [scope, c.status, c.priority, c.sla].join("\u0000");
      const m = cells.get(id) ?? { scope, status: c.status, priority: c.priority, sla: c.sla, n: 0 };
      m.n += n;
      cells.set(id, m);
    }
    for (const [scope, kind, member] of memberKeys(c)) {
      const id = [scope, kind, member].join("\u0000");
      const m = members.get(id) ?? { scope, kind, member, n: 0 };
      m.n += n;
      members.set(id, m);
    }
  }
  return { cells: [...cells.values()].filter((m) => m.n !== 0), members: [...members.values()].filter((m) => m.n !== 0) };
}

// ---------------------------------------------------------------- time logged on a ticket

/** One time entry as the ticket's log sums it. */
export interface LoggedTime {
  authorId: string;
  startedAt: string;
  minutes: number;
  billable: boolean;
}

/**
 * The ticket's time log after an entry is logged (`before` null), changed, or removed (`after`
 * null): the entry's minutes leave its old (quarter, author) and join its new one.
 */
export function applyLoggedTime(log: readonly TimeLogItem[], before: LoggedTime | null, after: LoggedTime | null): TimeLogItem[] {
  const sums = new Map<string, [number, string, number, number]>();
  for (const [q, a, b, n] of log) sums.set(`${q}\u0000${a}`, [q, a, b, n]);
  const move = (e: LoggedTime, sign: number) => {
    const q = Math.floor(ms(e.startedAt) / QUARTER_MS);
    const id = `${q}\u0000${e.authorId}`;
    const item = sums.get(id) ?? [q, e.authorId, 0, 0];
    if (e.billable) item[2] += sign * e.minutes;
    else item[3] += sign * e.minutes;
    sums.set(id, item);
  };
  if (before) move(before, -1);
  if (after) move(after, 1);
  return [...sums.values()].filter(([, , b, n]) => b !== 0 || n !== 0).sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
}

/** Minutes in a time log (what a ticket's `time_spent_minutes` shows). */
export const loggedMinutes = (log: readonly TimeLogItem[]) => log.reduce((s, [, , b, n]) => s + b + n, 0);

// ---------------------------------------------------------------- periods

export const GRANULARITIES = ["day", "week", "month"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** 1 = Monday … 7 = Sunday of a day number (1970-01-01 was a Thursday). */
const isoWeekday = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1;

/** Day number of a `YYYY-MM-DD` date. */
export const dayNumber = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
export const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * The local days the periods of [from, to] (inclusive day numbers) start on: `from` itself, then
 * each Monday (week) or first of a month (month) after it; the last period ends after `to`.
 */
export function periodStarts(from: number, to: number, granularity: Granularity): number[] {
  const starts = [from];
  for (let d = from + 1; d <= to; d++) {
    if (granularity === "day") starts.push(d);
    else if (granularity === "week" && isoWeekday(d) === 1) starts.push(d);
    else if (granularity === "month" && dateOf(d).endsWith("-01")) starts.push(d);
  }
  return starts;
}

/** Share in percent with one decimal, null when there is nothing to share. */
export const pct = (part: number, whole: number) => (whole > 0 ? Math.round((1000 * part) / whole) / 10 : null);

// ---------------------------------------------------------------- the journal

/**
 * What one ticket write moves in the rollups, as the row it appends to `report_journal`
 * (src/features/reports/reports.journal.ts): its point deltas grouped as {@link groupDeltas} groups
 * them (a write's deltas mostly share a bucket and metrics across its keys) and its backlog cell
 * moves (at most two: −1 where the ticket was, +1 where it is). Folded later, or added by a report
 * to what it read, it gives the same figures as writing the deltas at once.
 */
export interface JournalEntry {
  groups: DeltaGroup[];
  moves: { cell: BacklogCell; n: number }[];
}

type JournalGroup = [day: number, quarter: number, c: Metrics["c"], h: Metrics["h"], keys: [Dimension, string][]];
type JournalMove = [team: string, agent: string, channel: TicketChannel, status: BacklogStatus, priority: TicketPriority, sla: SlaState, n: number];

/** A journal row's body: compact JSON (arrays, no field names). */
export function journalBody(e: JournalEntry): string {
  const g: JournalGroup[] = e.groups.map((x) => [x.day, x.quarter, x.metrics.c, x.metrics.h, x.keys.map((k) => [k.dim, k.key])]);
  const m: JournalMove[] = e.moves.map(({ cell: c, n }) => [c.team, c.agent, c.channel, c.status, c.priority, c.sla, n]);
  return JSON.stringify(m.length ? [g, m] : [g]);
}

export function parseJournalBody(body: string): JournalEntry {
  const [g, m = []] = JSON.parse(body) as [JournalGroup[], JournalMove[]?];
  return {
    groups: g.map(([day, quarter, c, h, keys]) => ({ day, quarter, metrics: { c, h }, keys: keys.map(([dim, key]) => ({ dim, key })) })),
    moves: m.map(([team, agent, channel, status, priority, sla, n]) => ({ cell: { team, agent, channel, status, priority, sla }, n })),
  };
}

/**
 * Many journal entries as one: their point deltas summed per (dimension, key, bucket), zeros left
 * out, regrouped; their cell moves listed (openCounterMoves sums them). What a fold writes.
 */
export function mergeJournal(entries: readonly JournalEntry[]): JournalEntry {
  const points = new Map<string, PointDelta>();
  const moves: JournalEntry["moves"] = [];
  for (const e of entries) {
    for (const g of e.groups) {
      for (const k of g.keys) {
        const id = pointId(k, g);
        let p = points.get(id);
        if (!p) points.set(id, (p = { ...k, day: g.day, quarter: g.quarter, metrics: { c: {}, h: {} } }));
        accumulate(p.metrics, g.metrics, 1);
      }
    }
    moves.push(...e.moves);
  }
  return { groups: groupDeltas(nonZeroPoints(points)), moves };
}

/** Whether bucket `a` is before boundary `b` (a contribution dated in `a` counts in the totals before `b`). */
export const bucketBefore = (a: Bucket, b: Bucket) => a.day < b.day || (a.day === b.day && a.quarter < b.quarter);

/** Totals plus a delta's metrics, in place. */
export function addMetricsInto(into: Totals, m: Metrics): Totals {
  for (const k in m.c) into.c[k as Counter] += m.c[k as Counter] ?? 0;
  for (const name in m.h) {
    const target = into.h[name as HistogramName];
    const h = m.h[name as HistogramName]!;
    for (const i in h) target[i] = (target[i] ?? 0) + h[i]!;
  }
  return into;
}
