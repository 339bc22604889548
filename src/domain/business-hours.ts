/**
 * Business-hours arithmetic for SLAs (issue 5). Pure: no I/O, no clock; every instant is a parameter.
 *
 * A calendar is a time zone, weekly intervals in local wall time and holiday dates. Open time is
 * defined by the local wall clock, so an interval 09:00–18:00 is 9 business hours on every day,
 * DST days included, and an overnight 22:00–06:00 across a DST change is 7 or 9 real hours.
 *
 * Rules for the edge cases (all tested in test/domain/business-hours.test.ts):
 * - Intervals: `day` 1 = Monday … 7 = Sunday, `start`/`end` "HH:MM" (00:00–23:59). The interval
 *   belongs to the day it starts on. `end` < `start` ends on the next day; `end` "00:00" means the
 *   midnight ending the day, so "00:00"–"00:00" is the whole day. Any other `end` == `start` is a
 *   zero-length interval and invalid. Intervals may not overlap, the spill of an overnight interval
 *   into the next day (and Sunday into Monday) included; touching intervals are fine.
 * - No intervals at all means open around the clock (24/7); holidays still apply to it.
 * - A holiday closes its whole local day, 00:00 to the next 00:00, whatever interval covers it: an
 *   overnight interval starting the evening before a holiday closes at midnight, one starting on
 *   the evening of a holiday opens at midnight ending it (the part on the next, working, day stays open).
 * - DST gap (spring forward): a local time that does not exist maps to the instant the clock jumps
 *   (e.g. Berlin 02:30 on 2026-03-29 → 03:00 CEST), so an interval only counts wall times that exist.
 * - DST overlap (fall back): a local time that occurs twice maps to its first occurrence; an
 *   interval whose wall-time range contains the repeated hour counts it twice (it is real time).
 * - Windows are half-open [open, close): an instant equal to a closing time is closed (unless the next
 *   interval opens there).
 * - `addBusinessMinutes` returns the earliest instant at which the minutes have elapsed: 0 minutes
 *   returns the start itself (even when closed); a target that is used up exactly at a closing time
 *   is due at that closing time, not at the next opening.
 * - `businessMinutesBetween` is exact (fractional when the instants are not whole minutes) and
 *   antisymmetric: to < from gives the negative of the reverse.
 * - `nextOpening` of an instant that is open is the instant itself.
 * - Bounds: every walk goes interval by interval (never minute by minute) and throws
 *   `BusinessCalendarError` with code "no_open_time" after scanning 2 years without open time;
 *   `validateCalendar` already rejects calendars with more than a year of consecutive closed days,
 *   so a validated calendar never reaches that bound.
 */

export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface BusinessInterval {
  /** 1 = Monday … 7 = Sunday: the local day the interval starts on. */
  day: Weekday;
  /** Local wall time "HH:MM". */
  start: string;
  /** Local wall time "HH:MM"; < start (or "00:00") ends on the next day. */
  end: string;
}

export interface BusinessCalendar {
  /** IANA time zone, e.g. "Europe/Berlin". */
  timeZone: string;
  /** Weekly open intervals; none means 24/7. */
  intervals: readonly BusinessInterval[];
  /** Local dates "YYYY-MM-DD" closed all day. */
  holidays: readonly string[];
}

export type CalendarErrorCode =
  | "not_an_object"
  | "invalid_time_zone"
  | "invalid_intervals"
  | "invalid_interval"
  | "invalid_day"
  | "invalid_time"
  | "zero_length_interval"
  | "overlapping_intervals"
  | "invalid_holidays"
  | "invalid_holiday"
  | "no_open_time";

export interface CalendarErrorReason {
  code: CalendarErrorCode;
  /** Where in the input, e.g. "intervals[2].end" ("" for the whole calendar). */
  path: string;
  message: string;
}

export type CalendarValidation = { ok: true; calendar: BusinessCalendar } | { ok: false; reason: CalendarErrorReason };

/** Thrown by the arithmetic for an invalid calendar or input instant. */
export class BusinessCalendarError extends RangeError {
  readonly reason: CalendarErrorReason;
  constructor(reason: CalendarErrorReason) {
    super(reason.message);
    this.name = "BusinessCalendarError";
    this.reason = reason;
  }
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DAY_MINUTES = 1440;
const WEEK_MINUTES = 7 * DAY_MINUTES;
/** validateCalendar rejects longer runs of closed local days. */
export const MAX_CLOSED_DAYS = 366;
/** The walks give up after this many consecutive days without open time. */
const SCAN_LIMIT_DAYS = 731;

// ---------------------------------------------------------------------------------------------
// Validation

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

const fail = (code: CalendarErrorCode, path: string, message: string): CalendarValidation => ({
  ok: false,
  reason: { code, path, message },
});

function parseHHMM(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const m = HHMM.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Days since 1970-01-01 of a valid "YYYY-MM-DD", else null. */
function parseDate(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const m = YMD.exec(value);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1000 || mo < 1 || mo > 12 || d < 1) return null;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

/** Interval end in minutes after the midnight starting its day (1440 = midnight ending it; up to 2879). */
function relativeEnd(start: number, end: number): number {
  return end > start ? end : DAY_MINUTES + end;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Validates unknown input (e.g. a request body or a stored row) into a `BusinessCalendar`. */
export function validateCalendar(input: unknown): CalendarValidation {
  if (!isRecord(input)) return fail("not_an_object", "", "the calendar must be an object");

  const timeZone = input.timeZone;
  if (typeof timeZone !== "string" || timeZone === "" || !formatterFor(timeZone)) {
    return fail("invalid_time_zone", "timeZone", `unknown time zone ${JSON.stringify(timeZone)}`);
  }

  const rawIntervals = input.intervals;
  if (!Array.isArray(rawIntervals)) return fail("invalid_intervals", "intervals", "intervals must be an array");
  const intervals: BusinessInterval[] = [];
  const weekly: { from: number; to: number; index: number }[] = [];
  for (const [index, raw] of rawIntervals.entries()) {
    const path = `intervals[${index}]`;
    if (!isRecord(raw)) return fail("invalid_interval", path, `${path} must be an object {day, start, end}`);
    const day = raw.day;
    if (typeof day !== "number" || !Number.isInteger(day) || day < 1 || day > 7) {
      return fail("invalid_day", `${path}.day`, `${path}.day must be an integer 1 (Monday) … 7 (Sunday)`);
    }
    const start = parseHHMM(raw.start);
    if (start === null) return fail("invalid_time", `${path}.start`, `${path}.start must be "HH:MM" (00:00–23:59)`);
    const end = parseHHMM(raw.end);
    if (end === null) return fail("invalid_time", `${path}.end`, `${path}.end must be "HH:MM" (00:00–23:59)`);
    if (start === end && start !== 0) {
      return fail("zero_length_interval", path, `${path} is empty (start == end); "00:00"–"00:00" is the whole day`);
    }
    intervals.push({ day: day as Weekday, start: raw.start as string, end: raw.end as string });
    const from = (day - 1) * DAY_MINUTES + start;
    weekly.push({ from, to: from + relativeEnd(start, end) - start, index });
  }

  // Overlaps on the weekly circle (an overnight interval spills into the next day, Sunday into Monday).
  weekly.sort((a, b) => a.from - b.from);
  for (let i = 0; i < weekly.length; i++) {
    const cur = weekly[i]!;
    const next = i + 1 < weekly.length ? weekly[i + 1]! : weekly[0]!;
    const nextFrom = i + 1 < weekly.length ? next.from : next.from + WEEK_MINUTES;
    if (next !== cur && cur.to > nextFrom) {
      const [a, b] = [cur.index, next.index].sort((x, y) => x - y) as [number, number];
      return fail("overlapping_intervals", `intervals[${b}]`, `intervals[${a}] and intervals[${b}] overlap`);
    }
  }

  const rawHolidays = input.holidays ?? [];
  if (!Array.isArray(rawHolidays)) return fail("invalid_holidays", "holidays", "holidays must be an array");
  const holidays: string[] = [];
  const holidayDays: number[] = [];
  for (const [index, raw] of rawHolidays.entries()) {
    const dn = parseDate(raw);
    if (dn === null) {
      return fail("invalid_holiday", `holidays[${index}]`, `holidays[${index}] must be a valid date "YYYY-MM-DD"`);
    }
    holidays.push(raw as string);
    holidayDays.push(dn);
  }

  const calendar: BusinessCalendar = { timeZone, intervals, holidays };
  const closed = longestClosedRun(calendar, holidayDays);
  if (closed) {
    return fail(
      "no_open_time",
      "holidays",
      `the calendar has no open time for ${closed.days} consecutive days from ${formatDate(closed.from)} (max ${MAX_CLOSED_DAYS})`,
    );
  }
  return { ok: true, calendar };
}

/** The first run of more than MAX_CLOSED_DAYS consecutive local days without open time, if any. */
function longestClosedRun(calendar: BusinessCalendar, holidayDays: number[]): { from: number; days: number } | null {
  if (holidayDays.length === 0) return null; // at most 6 weekdays in a row without intervals
  const openWeekday = new Array<boolean>(8).fill(calendar.intervals.length === 0);
  for (const iv of calendar.intervals) {
    openWeekday[iv.day] = true;
    const s = parseHHMM(iv.start)!;
    if (relativeEnd(s, parseHHMM(iv.end)!) > DAY_MINUTES) openWeekday[(iv.day % 7) + 1] = true;
  }
  const holidays = new Set(holidayDays);
  const closed = (dn: number) => holidays.has(dn) || !openWeekday[isoWeekday(dn)];
  const sorted = [...holidays].sort((a, b) => a - b);
  let coveredUntil = -Infinity;
  for (const h of sorted) {
    if (h <= coveredUntil) continue;
    let from = h;
    while (closed(from - 1) && h - from < 7) from--;
    let to = h;
    while (closed(to + 1)) {
      to++;
      if (to - from + 1 > MAX_CLOSED_DAYS) return { from, days: to - from + 1 };
    }
    coveredUntil = to;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Time zones (Intl; workerd ships full ICU)

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      f = null;
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** UTC offset in ms (local = utc + offset) in force at instant `t`. */
function offsetAt(fmt: Intl.DateTimeFormat, t: number): number {
  const whole = Math.floor(t / 1000) * 1000;
  let y = 1970;
  let mo = 1;
  let d = 1;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const p of fmt.formatToParts(whole)) {
    switch (p.type) {
      case "year": y = Number(p.value); break;
      case "month": mo = Number(p.value); break;
      case "day": d = Number(p.value); break;
      case "hour": h = Number(p.value); break;
      case "minute": mi = Number(p.value); break;
      case "second": s = Number(p.value); break;
      default: break;
    }
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) - whole;
}

/**
 * The instant of a local wall time, given as "wall ms" (the wall time read as if it were UTC).
 * Repeated wall times → first occurrence; skipped wall times → the instant the clock jumps.
 */
function wallToInstant(fmt: Intl.DateTimeFormat, wall: number): number {
  const before = offsetAt(fmt, wall - DAY_MS);
  const after = offsetAt(fmt, wall + DAY_MS);
  if (before === after) return wall - before;
  const tBefore = wall - before;
  const tAfter = wall - after;
  const validBefore = offsetAt(fmt, tBefore) === before;
  const validAfter = offsetAt(fmt, tAfter) === after;
  if (validBefore && validAfter) return Math.min(tBefore, tAfter);
  if (validBefore) return tBefore;
  if (validAfter) return tAfter;
  // In the gap: the transition lies between tAfter (old offset) and tBefore (new offset).
  let lo = Math.min(tBefore, tAfter);
  let hi = Math.max(tBefore, tAfter);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(fmt, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Local date (days since 1970-01-01) of instant `t`. */
function localDay(fmt: Intl.DateTimeFormat, t: number): number {
  return Math.floor((t + offsetAt(fmt, t)) / DAY_MS);
}

/** 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
function isoWeekday(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

function formatDate(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Compiled calendar and the interval walk

interface Rule {
  /** Minutes after the start day's midnight. */
  start: number;
  /** Minutes after the start day's midnight, (start, 2880). */
  end: number;
}

interface Compiled {
  fmt: Intl.DateTimeFormat;
  /** Index 1..7 = weekday; rules sorted by start. */
  rules: Rule[][];
  holidays: Set<number>;
  /** 24/7 without holidays: plain wall-clock arithmetic. */
  alwaysOpen: boolean;
}

function compile(calendar: BusinessCalendar): Compiled {
  const result = validateCalendar(calendar);
  if (!result.ok) throw new BusinessCalendarError(result.reason);
  const cal = result.calendar;
  const rules: Rule[][] = [[], [], [], [], [], [], [], []];
  if (cal.intervals.length === 0) {
    for (let d = 1; d <= 7; d++) rules[d]!.push({ start: 0, end: DAY_MINUTES });
  }
  for (const iv of cal.intervals) {
    const start = parseHHMM(iv.start)!;
    rules[iv.day]!.push({ start, end: relativeEnd(start, parseHHMM(iv.end)!) });
  }
  for (const r of rules) r.sort((a, b) => a.start - b.start);
  return {
    fmt: formatterFor(cal.timeZone)!,
    rules,
    holidays: new Set(cal.holidays.map((h) => parseDate(h)!)),
    alwaysOpen: cal.intervals.length === 0 && cal.holidays.length === 0,
  };
}

/** Open windows [start, end) in epoch ms, in order, ending after `from`; adjacent windows are not merged. */
function* windows(c: Compiled, from: number): Generator<readonly [number, number]> {
  let day = localDay(c.fmt, from) - 1; // an overnight interval of the day before may still be open
  let idle = 0;
  for (;;) {
    let found = false;
    const wallMidnight = day * DAY_MS;
    const holidayToday = c.holidays.has(day);
    const holidayTomorrow = c.holidays.has(day + 1);
    for (const rule of c.rules[isoWeekday(day)]!) {
      const s = wallToInstant(c.fmt, wallMidnight + rule.start * MINUTE_MS);
      const e = wallToInstant(c.fmt, wallMidnight + rule.end * MINUTE_MS);
      const pieces: [number, number][] = [];
      if (rule.end <= DAY_MINUTES) {
        if (!holidayToday) pieces.push([s, e]);
      } else {
        const midnight = wallToInstant(c.fmt, wallMidnight + DAY_MS);
        if (!holidayToday) pieces.push([s, Math.min(e, midnight)]);
        if (!holidayTomorrow) pieces.push([Math.max(s, midnight), e]);
      }
      for (const [ps, pe] of pieces) {
        if (pe > ps && pe > from) {
          found = true;
          yield [ps, pe];
        }
      }
    }
    if (found) idle = 0;
    else if (++idle > SCAN_LIMIT_DAYS) {
      throw new BusinessCalendarError({
        code: "no_open_time",
        path: "",
        message: `no open time within ${SCAN_LIMIT_DAYS} days after ${new Date(from).toISOString()}`,
      });
    }
    day++;
  }
}

function parseInstant(iso: string, name: string): number {
  const t = typeof iso === "string" ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(t)) {
    throw new BusinessCalendarError({ code: "invalid_time", path: name, message: `${name} is not an ISO instant: ${String(iso)}` });
  }
  return t;
}

const toIso = (t: number) => new Date(t).toISOString();

// ---------------------------------------------------------------------------------------------
// Public arithmetic

/** The earliest instant at which `minutes` business minutes have elapsed since `startIso`. */
export function addBusinessMinutes(calendar: BusinessCalendar, startIso: string, minutes: number): string {
  const start = parseInstant(startIso, "start");
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new BusinessCalendarError({ code: "invalid_time", path: "minutes", message: `minutes must be a finite number ≥ 0, got ${minutes}` });
  }
  const c = compile(calendar);
  let remaining = Math.round(minutes * MINUTE_MS);
  if (remaining === 0 || c.alwaysOpen) return toIso(start + remaining);
  for (const [ws, we] of windows(c, start)) {
    const from = Math.max(ws, start);
    const available = we - from;
    if (remaining <= available) return toIso(from + remaining);
    remaining -= available;
  }
  throw new Error("unreachable: the window walk is endless or throws");
}

/** Business minutes in [fromIso, toIso); negative when toIso is before fromIso. */
export function businessMinutesBetween(calendar: BusinessCalendar, fromIso: string, toIso_: string): number {
  const from = parseInstant(fromIso, "from");
  const to = parseInstant(toIso_, "to");
  const c = compile(calendar);
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  let total = 0;
  if (c.alwaysOpen) total = hi - lo;
  else if (hi > lo) {
    for (const [ws, we] of windows(c, lo)) {
      if (ws >= hi) break;
      total += Math.min(we, hi) - Math.max(ws, lo);
    }
  }
  const minutes = total / MINUTE_MS;
  return to < from ? -minutes : minutes;
}

/** Whether the calendar is open at the instant (windows are [open, close)). */
export function isOpenAt(calendar: BusinessCalendar, iso: string): boolean {
  const t = parseInstant(iso, "at");
  const c = compile(calendar);
  if (c.alwaysOpen) return true;
  for (const [ws] of windows(c, t)) return ws <= t;
  return false;
}

/** The instant itself when open, else the next instant the calendar opens. */
export function nextOpening(calendar: BusinessCalendar, iso: string): string {
  const t = parseInstant(iso, "at");
  const c = compile(calendar);
  if (c.alwaysOpen) return toIso(t);
  for (const [ws] of windows(c, t)) return toIso(Math.max(ws, t));
  throw new Error("unreachable: the window walk is endless or throws");
}

// ---------------------------------------------------------------------------------------------
// Local days (reports: a period's days in a time zone)

/** Whether `timeZone` is an IANA time zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  return formatterFor(timeZone) !== null;
}

/**
 * The instant a local day starts in `timeZone` (`dayNumber`: days since 1970-01-01 of the local
 * date). Where midnight does not exist (a DST jump at 00:00) the day starts when the clock jumps.
 */
export function startOfLocalDay(timeZone: string, dayNumber: number): number {
  const fmt = formatterFor(timeZone);
  if (!fmt) throw new BusinessCalendarError({ code: "invalid_time_zone", path: "time_zone", message: `unknown time zone ${timeZone}` });
  return wallToInstant(fmt, dayNumber * DAY_MS);
}

/** The local date (days since 1970-01-01) of instant `t` in `timeZone`. */
export function localDayOf(timeZone: string, t: number): number {
  const fmt = formatterFor(timeZone);
  if (!fmt) throw new BusinessCalendarError({ code: "invalid_time_zone", path: "time_zone", message: `unknown time zone ${timeZone}` });
  return localDay(fmt, t);
}
