/**
 * How the console shows reports, time and exports: periods in the user's time zone, business
 * minutes, percentages, the backlog matrix, export progress, durations typed by agents. Pure
 * functions (the zone and "now" are parameters), so tests pin them.
 */

export const GRANULARITIES = ["day", "week", "month"] as const;
export type Granularity = (typeof GRANULARITIES)[number];
export const TIME_GROUPS = ["agent", "ticket", "category", "team"] as const;
export type TimeGroup = (typeof TIME_GROUPS)[number];

/** The API refuses periods longer than two years (API.md "Reports"). */
export const MAX_PERIOD_DAYS = 731;
/** A report opens on the last 30 days, as the API's own default. */
export const DEFAULT_PERIOD_DAYS = 30;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

export const isDate = (s: unknown): s is string => typeof s === "string" && DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

/** Today's calendar date (YYYY-MM-DD) in `timeZone`. */
export function todayIn(timeZone: string, now = Date.now()): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(now));
}

export const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;

export interface ReportSearch {
  from?: string;
  to?: string;
  granularity?: Granularity;
  team?: string;
  group?: TimeGroup;
}

/** Only known, well-formed keys from the URL (a hand-edited link cannot send the API anything else). */
export function parseReportSearch(raw: Record<string, unknown>): ReportSearch {
  const out: ReportSearch = {};
  if (isDate(raw.from)) out.from = raw.from;
  if (isDate(raw.to)) out.to = raw.to;
  if (GRANULARITIES.includes(raw.granularity as Granularity)) out.granularity = raw.granularity as Granularity;
  if (typeof raw.team === "string" && /^[\w-]{1,64}$/.test(raw.team)) out.team = raw.team;
  if (TIME_GROUPS.includes(raw.group as TimeGroup)) out.group = raw.group as TimeGroup;
  return out;
}

export interface Period {
  from: string;
  to: string;
  granularity: Granularity;
  tz: string;
  team_id?: string;
}

/** The period a report asks for: the URL's choice, else the last 30 days ending today in the user's zone. */
export function reportPeriod(search: ReportSearch, timeZone: string, now = Date.now()): Period {
  const to = search.to ?? todayIn(timeZone, now);
  const from = search.from ?? addDays(to, -(DEFAULT_PERIOD_DAYS - 1));
  return { from, to, granularity: search.granularity ?? "day", tz: timeZone, ...(search.team ? { team_id: search.team } : {}) };
}

/** Why a period cannot be asked for, in the words of the form; null when it can. */
export function periodProblem(from: string, to: string): string | null {
  if (!isDate(from) || !isDate(to)) return "Enter both dates.";
  if (from > to) return "The first day must not be after the last day.";
  if (daysBetween(from, to) > MAX_PERIOD_DAYS) return "A report covers at most two years.";
  return null;
}

/** The preset periods offered beside the date fields, ending today in the user's zone. */
export function presetPeriod(preset: "7d" | "30d" | "90d" | "365d", timeZone: string, now = Date.now()): { from: string; to: string } {
  const days = { "7d": 7, "30d": 30, "90d": 90, "365d": 365 }[preset];
  const to = todayIn(timeZone, now);
  return { from: addDays(to, -(days - 1)), to };
}

/**
 * The instant a calendar day starts in `timeZone` (ISO, UTC): the export filters take instants,
 * the reports take dates in a zone, and both must mean the same days.
 */
export function startOfDayIn(date: string, timeZone: string): string {
  const guess = Date.parse(`${date}T00:00:00Z`);
  // The zone's offset at the guess, then once more at the corrected instant (a DST change that day).
  let at = guess - offsetMs(guess, timeZone);
  at = guess - offsetMs(at, timeZone);
  return new Date(at).toISOString();
}

function offsetMs(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return local - Math.floor(instant / 1000) * 1000;
}

/** A period of dates in a zone as the [from, to) instants the export filters take. */
export const periodInstants = (p: { from: string; to: string; tz: string }) => ({ from: startOfDayIn(p.from, p.tz), to: startOfDayIn(addDays(p.to, 1), p.tz) });

/** Business minutes for people: "—" (nothing measured), "45 min", "2 h 05 min", "52 h 10 min". */
export function formatMinutes(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return "—";
  const m = Math.max(0, Math.round(minutes));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return rest ? `${h.toLocaleString("en-GB")} h ${String(rest).padStart(2, "0")} min` : `${h.toLocaleString("en-GB")} h`;
}

/** "93.4 %", or "—" when nothing was measured (the API's null). */
export const formatPct = (pct: number | null | undefined) => (pct === null || pct === undefined ? "—" : `${Number.isInteger(pct) ? pct : pct.toFixed(1)} %`);

export const formatCount = (n: number) => n.toLocaleString("en-GB");

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const dayText = (date: string) => `${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1]} ${date.slice(0, 4)}`;

/** A series period (its first day) for people: "2 Nov 2026", "Week of 2 Nov 2026", "Nov 2026". Calendar dates: no zone shifts them. */
export function periodLabel(period: string, granularity: Granularity): string {
  if (!isDate(period)) return period;
  if (granularity === "month") return `${MONTHS[Number(period.slice(5, 7)) - 1]} ${period.slice(0, 4)}`;
  return granularity === "week" ? `Week of ${dayText(period)}` : dayText(period);
}

export interface SeriesPoint {
  period: string;
  created: number;
  solved: number;
  breaches: number;
  median_first_response_minutes: number | null;
}

/** uPlot's columns: x in seconds at each period's UTC midnight (the chart shows it in UTC, so a date stays its date). */
export function seriesColumns(series: readonly SeriesPoint[]): [number[], number[], number[], number[]] {
  const x: number[] = [];
  const created: number[] = [];
  const solved: number[] = [];
  const breaches: number[] = [];
  for (const p of series) {
    x.push(Date.parse(`${p.period}T00:00:00Z`) / 1000);
    created.push(p.created);
    solved.push(p.solved);
    breaches.push(p.breaches);
  }
  return [x, created, solved, breaches];
}

/** One sentence saying what the chart shows, for screen readers (the table below holds every value). */
export function seriesSummary(series: readonly SeriesPoint[], granularity: Granularity): string {
  if (!series.length) return "No periods to chart.";
  const sum = (k: "created" | "solved" | "breaches") => series.reduce((n, p) => n + p[k], 0);
  const busiest = series.reduce((a, b) => (b.created > a.created ? b : a));
  const unit = granularity === "day" ? "days" : granularity === "week" ? "weeks" : "months";
  return (
    `Tickets per ${granularity} over ${series.length} ${unit}: ${formatCount(sum("created"))} created, ${formatCount(sum("solved"))} solved, ` +
    `${formatCount(sum("breaches"))} SLA breaches. Most created: ${formatCount(busiest.created)} in ${periodLabel(busiest.period, granularity)}.`
  );
}

export const STATUS_ORDER = ["open", "in_progress", "pending"] as const;
export const PRIORITY_ORDER = ["critical", "high", "medium", "low"] as const;

/** The backlog as rows of statuses × columns of priorities, with totals; statuses or priorities the API adds are kept, after the known ones. */
export function backlogMatrix(byStatusPriority: Record<string, Record<string, number>>) {
  const order = <T extends string>(known: readonly T[], seen: Iterable<string>) => [...known, ...[...new Set(seen)].filter((s) => !known.includes(s as T)).sort()];
  const statuses = order(STATUS_ORDER, Object.keys(byStatusPriority));
  const priorities = order(
    PRIORITY_ORDER,
    Object.values(byStatusPriority).flatMap((row) => Object.keys(row)),
  );
  const cell = (s: string, p: string) => byStatusPriority[s]?.[p] ?? 0;
  const rows = statuses.map((status) => {
    const cells = priorities.map((p) => cell(status, p));
    return { status, cells, total: cells.reduce((a, b) => a + b, 0) };
  });
  const totals = priorities.map((p) => statuses.reduce((n, s) => n + cell(s, p), 0));
  return { statuses, priorities, rows, totals, total: totals.reduce((a, b) => a + b, 0) };
}

export interface ExportState {
  status: "queued" | "running" | "done" | "failed" | "expired";
  progress: { rows_done: number; rows_estimated: number | null };
  error?: string | null;
}

/** What an export's progress bar and text say: percent (null when no estimate), and words. */
export function exportProgress(e: ExportState): { pct: number | null; text: string } {
  const { rows_done: done, rows_estimated: estimated } = e.progress;
  if (e.status === "queued") return { pct: 0, text: "Waiting to start…" };
  if (e.status === "failed") return { pct: null, text: `Failed${e.error ? `: ${e.error}` : ""}` };
  if (e.status === "expired") return { pct: null, text: "Expired: the file was deleted. Export again." };
  if (e.status === "done") return { pct: 100, text: `Done: ${formatCount(done)} ${done === 1 ? "row" : "rows"}` };
  if (!estimated) return { pct: null, text: `${formatCount(done)} rows so far…` };
  // An estimate counted when the job started can be passed by tickets created since: never over 99 while running.
  const pct = Math.min(99, Math.floor((done / estimated) * 100));
  return { pct, text: `${formatCount(done)} of about ${formatCount(estimated)} rows (${pct} %)` };
}

export const exportFinished = (status: string) => status === "done" || status === "failed" || status === "expired";

/** How often the page asks about a running export: soon at first, then less often (a million rows take minutes). */
export const exportPollDelay = (attempt: number) => Math.min(5_000, 500 * 2 ** Math.min(attempt, 4));

/**
 * The ticket list's query (its view and the user's filters) as the export's `filters`: the same keys
 * the list takes, custom field filters (`cf.<key>`) included, without paging. `assignee_id=me`
 * stays: the API resolves it for whoever asks.
 */
export function exportFiltersFromList(query: Record<string, string | undefined>): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === "" || key === "limit" || key === "cursor") continue;
    filters[key] = value;
  }
  return filters;
}

/** The longest time entry the API takes, one day (API.md "Time tracking"). */
export const MAX_ENTRY_MINUTES = 1440;

/**
 * Minutes from what an agent types: "45", "1:30", "1h 30m", "1.5h", "90 min". null when it is not a
 * duration; the caller says why (range is checked separately, with the API's own bounds).
 */
export function parseMinutes(text: string): number | null {
  const s = text.trim().toLowerCase();
  if (!s) return null;
  let m = /^(\d{1,4})\s*(?:m|min|mins|minutes?)?$/.exec(s);
  if (m) return Number(m[1]);
  m = /^(\d{1,2}):([0-5]\d)$/.exec(s);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  m = /^(\d{1,2}(?:[.,]\d{1,2})?)\s*(?:h|hr|hrs|hours?)$/.exec(s);
  if (m) return Math.round(Number(m[1]!.replace(",", ".")) * 60);
  m = /^(\d{1,2})\s*(?:h|hr|hrs|hours?)\s*(\d{1,2})\s*(?:m|min|mins|minutes?)?$/.exec(s);
  if (m && Number(m[2]) < 60) return Number(m[1]) * 60 + Number(m[2]);
  return null;
}

/** Why a typed duration cannot be logged, or its minutes. */
export function checkMinutes(text: string): { minutes: number } | { error: string } {
  const minutes = parseMinutes(text);
  if (minutes === null) return { error: "Enter minutes (45), hours and minutes (1:30 or 1h 30m) or hours (1.5h)." };
  if (minutes < 1 || minutes > MAX_ENTRY_MINUTES) return { error: "One entry is 1 minute to 24 hours." };
  return { minutes };
}

/** A satisfaction score for people: "5 of 5 (Very satisfied)". */
export const SCORE_WORDS = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"] as const;
export const scoreText = (score: number) => `${score} of 5 (${SCORE_WORDS[score - 1] ?? "?"})`;

/** The satisfaction answers screen's URL state: a period of dates in the user's zone, an agent, a score. */
export interface SatisfactionSearch {
  from?: string;
  to?: string;
  agent?: string;
  score?: number;
}

/** Only well-formed keys from the URL (TanStack Router hands `score=4` over as a number). */
export function parseSatisfactionSearch(raw: Record<string, unknown>): SatisfactionSearch {
  const out: SatisfactionSearch = {};
  if (isDate(raw.from)) out.from = raw.from;
  if (isDate(raw.to)) out.to = raw.to;
  if (typeof raw.agent === "string" && /^[\w-]{1,64}$/.test(raw.agent)) out.agent = raw.agent;
  const score = Number(raw.score);
  if (Number.isInteger(score) && score >= 1 && score <= 5) out.score = score;
  return out;
}

/**
 * The query of GET /satisfaction-ratings for the screen: the period's dates become the instants that
 * start and end them in the user's zone (`to` is exclusive), as the reports ask for them.
 */
export function satisfactionQuery(search: SatisfactionSearch, timeZone: string, now = Date.now()) {
  const period = reportPeriod({ from: search.from, to: search.to }, timeZone, now);
  return {
    period: { from: period.from, to: period.to, tz: timeZone },
    query: { ...periodInstants({ from: period.from, to: period.to, tz: timeZone }), ...(search.agent ? { agent_id: search.agent } : {}), ...(search.score ? { score: search.score } : {}) },
  };
}
