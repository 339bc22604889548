import { afterEach, describe, expect, it, vi } from "vitest";
import {
  addBusinessMinutes,
  BusinessCalendarError,
  businessMinutesBetween,
  isOpenAt,
  MAX_CLOSED_DAYS,
  nextOpening,
  validateCalendar,
  type BusinessCalendar,
  type BusinessInterval,
  type CalendarErrorCode,
  type Weekday,
} from "../../src/domain/business-hours";
import { prng } from "../helpers/random";

// ------------------------------------------------------------------------------------------------
// Fixtures

const MON_FRI: Weekday[] = [1, 2, 3, 4, 5];
const EVERY_DAY: Weekday[] = [1, 2, 3, 4, 5, 6, 7];
const hours = (start: string, end: string, days: Weekday[] = MON_FRI): BusinessInterval[] =>
  days.map((day) => ({ day, start, end }));
const cal = (timeZone: string, intervals: BusinessInterval[], holidays: string[] = []): BusinessCalendar => ({
  timeZone,
  intervals,
  holidays,
});

const BERLIN = cal("Europe/Berlin", hours("09:00", "18:00"));
const BERLIN_HOLIDAYS = cal("Europe/Berlin", hours("09:00", "18:00"), ["2026-12-25", "2026-12-26", "2027-01-01"]);
const BERLIN_DAILY = cal("Europe/Berlin", hours("09:00", "18:00", EVERY_DAY));
const BERLIN_NIGHT = cal("Europe/Berlin", hours("22:00", "06:00", EVERY_DAY));
const BERLIN_NIGHT_XMAS = cal("Europe/Berlin", hours("22:00", "06:00", EVERY_DAY), ["2026-12-25"]);
/** Sundays only, with boundaries around the 02:00–03:00 DST hour. */
const BERLIN_SUN_EARLY = cal("Europe/Berlin", [{ day: 7, start: "01:00", end: "04:00" }]);
const BERLIN_SUN_GAP = cal("Europe/Berlin", [{ day: 7, start: "02:30", end: "05:00" }]);
const BERLIN_SAT_LATE = cal("Europe/Berlin", [{ day: 6, start: "22:00", end: "02:30" }]);
const NY = cal("America/New_York", hours("09:00", "17:00"));
const NY_DAILY = cal("America/New_York", hours("09:00", "18:00", EVERY_DAY));
const NY_NIGHT = cal("America/New_York", hours("22:00", "06:00", EVERY_DAY));
const NY_SUN_EARLY = cal("America/New_York", [{ day: 7, start: "01:00", end: "03:00" }]);
const NY_SUN_MIDNIGHT = cal("America/New_York", [{ day: 7, start: "00:00", end: "02:30" }]);
const FRIDAY_NIGHT = cal("Europe/Berlin", [{ day: 5, start: "22:00", end: "04:00" }]);
const SUNDAY_INTO_MONDAY = cal("Europe/Berlin", [
  { day: 7, start: "22:00", end: "02:00" },
  { day: 1, start: "02:00", end: "06:00" },
]);
const MONDAY_EVENING = cal("Europe/Berlin", [{ day: 1, start: "18:00", end: "00:00" }]);
const WHOLE_MONDAY = cal("Europe/Berlin", [{ day: 1, start: "00:00", end: "00:00" }]);
const ALWAYS = cal("Europe/Berlin", []);
const ALWAYS_XMAS = cal("Europe/Berlin", [], ["2026-12-25"]);
const ALWAYS_EXPLICIT = cal("Europe/Berlin", hours("00:00", "00:00", EVERY_DAY));
/** Santiago switches DST at midnight: 2026-04-05 00:00 -03 → 04-04 23:00 -04; 2026-09-06 00:00 -04 → 01:00 -03. */
const SANTIAGO = cal(
  "America/Santiago",
  [...hours("08:00", "17:00"), { day: 6, start: "22:00", end: "02:00" }, { day: 7, start: "12:00", end: "00:00" }],
  ["2026-04-05", "2026-09-06", "2026-09-18"],
);
/** Lord Howe Island has a 30-minute DST (02:00 → 01:30 on 2026-04-05, 02:00 → 02:30 on 2026-10-04). */
const LORD_HOWE = cal("Australia/Lord_Howe", [...hours("08:00", "16:30"), { day: 7, start: "00:00", end: "04:00" }]);
const KATHMANDU = cal("Asia/Kathmandu", [...hours("10:00", "13:00"), ...hours("14:00", "18:45")], ["2026-10-21"]);
const MIXED_NY = cal(
  "America/New_York",
  [...hours("07:30", "12:00"), ...hours("13:00", "19:15"), { day: 5, start: "20:00", end: "03:00" }, { day: 6, start: "10:00", end: "14:00" }],
  ["2026-07-03", "2026-11-26", "2026-12-25"],
);

/** Local wall time "YYYY-MM-DD HH:MM" of an instant in a zone. */
function local(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

const iso = (s: string) => new Date(s).toISOString();

// ------------------------------------------------------------------------------------------------
// addBusinessMinutes

interface AddCase {
  name: string;
  calendar: BusinessCalendar;
  start: string;
  minutes: number;
  due: string;
  dueLocal?: string;
}

const addCases: AddCase[] = [
  // The example: critical ticket (60 business minutes) at 17:55 on a Friday.
  { name: "critical at Fri 17:55 → Mon 09:55", calendar: BERLIN, start: "2026-01-09T17:55:00+01:00", minutes: 60, due: "2026-01-12T08:55:00.000Z", dueLocal: "2026-01-12 09:55" },
  { name: "critical at Fri 17:55 before spring-forward weekend", calendar: BERLIN, start: "2026-03-27T17:55:00+01:00", minutes: 60, due: "2026-03-30T07:55:00.000Z", dueLocal: "2026-03-30 09:55" },
  { name: "critical at Fri 17:55 before fall-back weekend", calendar: BERLIN, start: "2026-10-23T17:55:00+02:00", minutes: 60, due: "2026-10-26T08:55:00.000Z", dueLocal: "2026-10-26 09:55" },
  { name: "opened on Saturday starts Monday 09:00", calendar: BERLIN, start: "2026-01-10T12:00:00+01:00", minutes: 30, due: "2026-01-12T08:30:00.000Z" },
  { name: "opened on Sunday night", calendar: BERLIN, start: "2026-01-11T23:59:00+01:00", minutes: 1, due: "2026-01-12T08:01:00.000Z" },
  { name: "within one day", calendar: BERLIN, start: "2026-01-12T10:00:00+01:00", minutes: 120, due: "2026-01-12T11:00:00.000Z" },
  { name: "used up exactly at closing → due at closing", calendar: BERLIN, start: "2026-01-12T17:00:00+01:00", minutes: 60, due: "2026-01-12T17:00:00.000Z" },
  { name: "one minute past closing → next morning", calendar: BERLIN, start: "2026-01-12T17:00:00+01:00", minutes: 61, due: "2026-01-13T08:01:00.000Z" },
  { name: "before opening", calendar: BERLIN, start: "2026-01-12T07:00:00+01:00", minutes: 1, due: "2026-01-12T08:01:00.000Z" },
  { name: "a full day", calendar: BERLIN, start: "2026-01-12T09:00:00+01:00", minutes: 540, due: "2026-01-12T17:00:00.000Z" },
  { name: "zero minutes on a weekend is the start itself", calendar: BERLIN, start: "2026-01-10T12:00:00+01:00", minutes: 0, due: "2026-01-10T11:00:00.000Z" },
  { name: "a week of business time", calendar: BERLIN, start: "2026-01-12T09:00:00+01:00", minutes: 5 * 540, due: "2026-01-16T17:00:00.000Z" },
  { name: "fractional minutes (30 s)", calendar: BERLIN, start: "2026-01-12T17:59:45+01:00", minutes: 0.5, due: "2026-01-13T08:00:15.000Z" },
  { name: "start with seconds", calendar: BERLIN, start: "2026-01-12T10:00:30.250+01:00", minutes: 1, due: "2026-01-12T09:01:30.250Z" },
  // 10,000 minutes = 18 business days (9,720) + 280 minutes: Mon 12 Jan … Wed 4 Feb, then Thu 5 Feb 13:40.
  { name: "10,000 minutes", calendar: BERLIN, start: "2026-01-12T09:00:00+01:00", minutes: 10_000, due: "2026-02-05T12:40:00.000Z", dueLocal: "2026-02-05 13:40" },
  // Holidays: 25 Dec 2026 is a Friday, 1 Jan 2027 too.
  { name: "Christmas Eve 17:30 skips the holiday and the weekend", calendar: BERLIN_HOLIDAYS, start: "2026-12-24T17:30:00+01:00", minutes: 60, due: "2026-12-28T08:30:00.000Z", dueLocal: "2026-12-28 09:30" },
  { name: "New Year's Eve skips 1 Jan", calendar: BERLIN_HOLIDAYS, start: "2026-12-31T17:00:00+01:00", minutes: 120, due: "2027-01-04T09:00:00.000Z", dueLocal: "2027-01-04 10:00" },
  { name: "opened on the holiday", calendar: BERLIN_HOLIDAYS, start: "2026-12-25T10:00:00+01:00", minutes: 1, due: "2026-12-28T08:01:00.000Z" },
  { name: "same date without holidays", calendar: BERLIN, start: "2026-12-24T17:30:00+01:00", minutes: 60, due: "2026-12-25T08:30:00.000Z" },
  // New York
  { name: "NY Fri 16:30 before spring-forward", calendar: NY, start: "2026-03-06T16:30:00-05:00", minutes: 60, due: "2026-03-09T13:30:00.000Z", dueLocal: "2026-03-09 09:30" },
  { name: "NY Fri 16:30 before fall-back", calendar: NY, start: "2026-10-30T16:30:00-04:00", minutes: 60, due: "2026-11-02T14:30:00.000Z", dueLocal: "2026-11-02 09:30" },
  // DST days with every-day 09:00–18:00: still 9 business hours, at the new offset.
  { name: "Berlin spring-forward Sunday: 540 minutes end at 18:00 CEST", calendar: BERLIN_DAILY, start: "2026-03-29T00:00:00+01:00", minutes: 540, due: "2026-03-29T16:00:00.000Z", dueLocal: "2026-03-29 18:00" },
  { name: "Berlin fall-back Sunday: 540 minutes end at 18:00 CET", calendar: BERLIN_DAILY, start: "2026-10-25T00:00:00+02:00", minutes: 540, due: "2026-10-25T17:00:00.000Z", dueLocal: "2026-10-25 18:00" },
  { name: "NY spring-forward Sunday", calendar: NY_DAILY, start: "2026-03-08T00:00:00-05:00", minutes: 540, due: "2026-03-08T22:00:00.000Z", dueLocal: "2026-03-08 18:00" },
  { name: "NY fall-back Sunday", calendar: NY_DAILY, start: "2026-11-01T00:00:00-04:00", minutes: 540, due: "2026-11-01T23:00:00.000Z", dueLocal: "2026-11-01 18:00" },
  // Overnight 22:00–06:00 across DST: the night is 7 (spring) or 9 (fall) real hours.
  { name: "Berlin night of spring-forward is 420 minutes", calendar: BERLIN_NIGHT, start: "2026-03-28T22:00:00+01:00", minutes: 420, due: "2026-03-29T04:00:00.000Z", dueLocal: "2026-03-29 06:00" },
  { name: "Berlin night of spring-forward: minute 421 is the next night", calendar: BERLIN_NIGHT, start: "2026-03-28T22:00:00+01:00", minutes: 421, due: "2026-03-29T20:01:00.000Z", dueLocal: "2026-03-29 22:01" },
  { name: "Berlin 01:30 CET + 120 across the jump → 04:30 CEST", calendar: BERLIN_NIGHT, start: "2026-03-29T01:30:00+01:00", minutes: 120, due: "2026-03-29T02:30:00.000Z", dueLocal: "2026-03-29 04:30" },
  { name: "Berlin night of fall-back is 540 minutes", calendar: BERLIN_NIGHT, start: "2026-10-24T22:00:00+02:00", minutes: 540, due: "2026-10-25T05:00:00.000Z", dueLocal: "2026-10-25 06:00" },
  { name: "Berlin 01:30 CEST + 120 across the repeat → 02:30 CET", calendar: BERLIN_NIGHT, start: "2026-10-25T01:30:00+02:00", minutes: 120, due: "2026-10-25T01:30:00.000Z", dueLocal: "2026-10-25 02:30" },
  { name: "NY night of spring-forward is 420 minutes", calendar: NY_NIGHT, start: "2026-03-07T22:00:00-05:00", minutes: 420, due: "2026-03-08T10:00:00.000Z", dueLocal: "2026-03-08 06:00" },
  { name: "NY 01:30 EST + 60 → 03:30 EDT", calendar: NY_NIGHT, start: "2026-03-08T01:30:00-05:00", minutes: 60, due: "2026-03-08T07:30:00.000Z", dueLocal: "2026-03-08 03:30" },
  { name: "NY night of fall-back is 540 minutes", calendar: NY_NIGHT, start: "2026-10-31T22:00:00-04:00", minutes: 540, due: "2026-11-01T11:00:00.000Z", dueLocal: "2026-11-01 06:00" },
  { name: "NY 01:30 EDT + 60 → 01:30 EST", calendar: NY_NIGHT, start: "2026-11-01T01:30:00-04:00", minutes: 60, due: "2026-11-01T06:30:00.000Z", dueLocal: "2026-11-01 01:30" },
  // Overnight intervals
  { name: "Friday night shift to its end at Sat 04:00", calendar: FRIDAY_NIGHT, start: "2026-01-09T23:00:00+01:00", minutes: 300, due: "2026-01-10T03:00:00.000Z" },
  { name: "Friday night shift, one more minute → next Friday", calendar: FRIDAY_NIGHT, start: "2026-01-09T23:00:00+01:00", minutes: 301, due: "2026-01-16T21:01:00.000Z" },
  { name: "started inside the overnight part after midnight", calendar: FRIDAY_NIGHT, start: "2026-01-10T02:00:00+01:00", minutes: 60, due: "2026-01-10T02:00:00.000Z" },
  { name: "Sunday-into-Monday adjacent intervals run on", calendar: SUNDAY_INTO_MONDAY, start: "2026-01-11T23:00:00+01:00", minutes: 240, due: "2026-01-12T02:00:00.000Z" },
  { name: "end 00:00 is midnight", calendar: MONDAY_EVENING, start: "2026-01-12T23:00:00+01:00", minutes: 61, due: "2026-01-19T17:01:00.000Z" },
  { name: "00:00–00:00 is the whole day", calendar: WHOLE_MONDAY, start: "2026-01-12T00:00:00+01:00", minutes: 1440, due: "2026-01-12T23:00:00.000Z" },
  // Overnight interval crossing midnight into a holiday: the holiday's local day is closed.
  { name: "night shift into Christmas stops at midnight, resumes 26 Dec 00:00", calendar: BERLIN_NIGHT_XMAS, start: "2026-12-24T23:00:00+01:00", minutes: 120, due: "2026-12-26T00:00:00.000Z", dueLocal: "2026-12-26 01:00" },
  // 24/7
  { name: "24/7 is wall-clock", calendar: ALWAYS, start: "2026-01-09T17:55:00+01:00", minutes: 60, due: "2026-01-09T17:55:00.000Z" },
  { name: "24/7 across spring-forward is real time", calendar: ALWAYS, start: "2026-03-29T00:00:00Z", minutes: 180, due: "2026-03-29T03:00:00.000Z" },
  { name: "24/7 with a holiday skips its local day", calendar: ALWAYS_XMAS, start: "2026-12-24T23:00:00+01:00", minutes: 120, due: "2026-12-26T00:00:00.000Z" },
];

describe("addBusinessMinutes", () => {
  it.each(addCases)("$name", ({ calendar, start, minutes, due, dueLocal }) => {
    const got = addBusinessMinutes(calendar, start, minutes);
    expect(got).toBe(due);
    if (dueLocal) expect(local(got, calendar.timeZone)).toBe(dueLocal);
    // every case is consistent with the inverse
    expect(businessMinutesBetween(calendar, start, got)).toBeCloseTo(minutes, 9);
  });

  afterEach(() => vi.restoreAllMocks());

  it("walks interval by interval: 10,000 minutes cost a few hundred time-zone lookups, not 10,000", () => {
    const spy = vi.spyOn(Intl.DateTimeFormat.prototype, "formatToParts");
    expect(addBusinessMinutes(BERLIN, "2026-01-12T09:00:00+01:00", 10_000)).toBe("2026-02-05T12:40:00.000Z");
    expect(spy.mock.calls.length).toBeGreaterThan(0);
    expect(spy.mock.calls.length).toBeLessThan(600);
  });

  it("a million minutes (≈ 7 years of 9–18) is due on the expected local date and time", () => {
    // 1,000,000 = 1,851 business days (999,540) + 460 minutes; 1,851 days = 370 weeks + 1 day from Mon 12 Jan 2026.
    const due = addBusinessMinutes(BERLIN, "2026-01-12T09:00:00+01:00", 1_000_000);
    const day = new Date(Date.UTC(2026, 0, 12) + (370 * 7 + 1) * 86_400_000).toISOString().slice(0, 10);
    expect(local(due, "Europe/Berlin")).toBe(`${day} 16:40`);
    expect(businessMinutesBetween(BERLIN, "2026-01-12T09:00:00+01:00", due)).toBe(1_000_000);
  });
});

// ------------------------------------------------------------------------------------------------
// businessMinutesBetween

interface BetweenCase {
  name: string;
  calendar: BusinessCalendar;
  from: string;
  to: string;
  minutes: number;
}

const betweenCases: BetweenCase[] = [
  { name: "Fri 17:00 → Mon 10:00 over a weekend", calendar: BERLIN, from: "2026-01-09T17:00:00+01:00", to: "2026-01-12T10:00:00+01:00", minutes: 120 },
  { name: "a whole weekend", calendar: BERLIN, from: "2026-01-10T00:00:00+01:00", to: "2026-01-12T00:00:00+01:00", minutes: 0 },
  { name: "same instant", calendar: BERLIN, from: "2026-01-12T10:00:00+01:00", to: "2026-01-12T10:00:00+01:00", minutes: 0 },
  { name: "reversed is negative", calendar: BERLIN, from: "2026-01-12T10:00:00+01:00", to: "2026-01-09T17:00:00+01:00", minutes: -120 },
  { name: "a week", calendar: BERLIN, from: "2026-01-12T00:00:00+01:00", to: "2026-01-19T00:00:00+01:00", minutes: 2700 },
  { name: "30 seconds", calendar: BERLIN, from: "2026-01-12T10:00:00+01:00", to: "2026-01-12T10:00:30+01:00", minutes: 0.5 },
  { name: "Christmas fortnight with holidays", calendar: BERLIN_HOLIDAYS, from: "2026-12-21T00:00:00+01:00", to: "2027-01-04T00:00:00+01:00", minutes: 8 * 540 },
  { name: "Christmas fortnight without holidays", calendar: BERLIN, from: "2026-12-21T00:00:00+01:00", to: "2027-01-04T00:00:00+01:00", minutes: 10 * 540 },
  { name: "holiday day itself", calendar: BERLIN_HOLIDAYS, from: "2026-12-25T00:00:00+01:00", to: "2026-12-26T00:00:00+01:00", minutes: 0 },
  // DST: local intervals stay 9 business hours.
  { name: "Berlin 2026-03-29 (23 h day): 9 business hours", calendar: BERLIN_DAILY, from: "2026-03-29T00:00:00+01:00", to: "2026-03-30T00:00:00+02:00", minutes: 540 },
  { name: "Berlin 2026-10-25 (25 h day): 9 business hours", calendar: BERLIN_DAILY, from: "2026-10-25T00:00:00+02:00", to: "2026-10-26T00:00:00+01:00", minutes: 540 },
  { name: "NY 2026-03-08: 9 business hours", calendar: NY_DAILY, from: "2026-03-08T00:00:00-05:00", to: "2026-03-09T00:00:00-04:00", minutes: 540 },
  { name: "NY 2026-11-01: 9 business hours", calendar: NY_DAILY, from: "2026-11-01T00:00:00-04:00", to: "2026-11-02T00:00:00-05:00", minutes: 540 },
  { name: "Berlin Mon–Fri week spanning spring-forward", calendar: BERLIN, from: "2026-03-23T00:00:00+01:00", to: "2026-04-04T00:00:00+02:00", minutes: 10 * 540 },
  { name: "NY Mon–Fri week spanning fall-back", calendar: NY, from: "2026-10-26T00:00:00-04:00", to: "2026-11-07T00:00:00-05:00", minutes: 10 * 480 },
  // Overnight 22:00–06:00 across DST: 8 wall hours are 7 or 9 real hours.
  { name: "Berlin night 28→29 Mar: 420", calendar: BERLIN_NIGHT, from: "2026-03-28T12:00:00+01:00", to: "2026-03-29T12:00:00+02:00", minutes: 420 },
  { name: "Berlin night 24→25 Oct: 540", calendar: BERLIN_NIGHT, from: "2026-10-24T12:00:00+02:00", to: "2026-10-25T12:00:00+01:00", minutes: 540 },
  { name: "Berlin ordinary night: 480", calendar: BERLIN_NIGHT, from: "2026-01-10T12:00:00+01:00", to: "2026-01-11T12:00:00+01:00", minutes: 480 },
  { name: "NY night 7→8 Mar: 420", calendar: NY_NIGHT, from: "2026-03-07T12:00:00-05:00", to: "2026-03-08T12:00:00-04:00", minutes: 420 },
  { name: "NY night 31 Oct→1 Nov: 540", calendar: NY_NIGHT, from: "2026-10-31T12:00:00-04:00", to: "2026-11-01T12:00:00-05:00", minutes: 540 },
  // Interval boundaries inside the DST hour.
  { name: "Berlin Sun 01:00–04:00 on spring-forward: 2 h", calendar: BERLIN_SUN_EARLY, from: "2026-03-28T00:00:00Z", to: "2026-03-30T00:00:00Z", minutes: 120 },
  { name: "Berlin Sun 01:00–04:00 on fall-back: 4 h", calendar: BERLIN_SUN_EARLY, from: "2026-10-24T00:00:00Z", to: "2026-10-26T00:00:00Z", minutes: 240 },
  { name: "Berlin Sun 01:00–04:00 ordinary: 3 h", calendar: BERLIN_SUN_EARLY, from: "2026-01-10T00:00:00Z", to: "2026-01-12T00:00:00Z", minutes: 180 },
  { name: "Berlin Sun 02:30–05:00, start skipped → opens 03:00 CEST", calendar: BERLIN_SUN_GAP, from: "2026-03-28T00:00:00Z", to: "2026-03-30T00:00:00Z", minutes: 120 },
  { name: "Berlin Sun 02:30–05:00, start repeated → first 02:30", calendar: BERLIN_SUN_GAP, from: "2026-10-24T00:00:00Z", to: "2026-10-26T00:00:00Z", minutes: 210 },
  { name: "Berlin Sat 22:00–02:30, end skipped → closes at the jump", calendar: BERLIN_SAT_LATE, from: "2026-03-28T00:00:00Z", to: "2026-03-30T00:00:00Z", minutes: 240 },
  { name: "Berlin Sat 22:00–02:30, end repeated → first 02:30", calendar: BERLIN_SAT_LATE, from: "2026-10-24T00:00:00Z", to: "2026-10-26T00:00:00Z", minutes: 270 },
  { name: "NY Sun 01:00–03:00 on spring-forward: 1 h", calendar: NY_SUN_EARLY, from: "2026-03-07T00:00:00Z", to: "2026-03-09T12:00:00Z", minutes: 60 },
  { name: "NY Sun 01:00–03:00 on fall-back: 3 h", calendar: NY_SUN_EARLY, from: "2026-10-31T00:00:00Z", to: "2026-11-02T12:00:00Z", minutes: 180 },
  { name: "NY Sun 00:00–02:30 on spring-forward: 2 h", calendar: NY_SUN_MIDNIGHT, from: "2026-03-07T00:00:00Z", to: "2026-03-09T12:00:00Z", minutes: 120 },
  // Overnight and holidays
  { name: "night shift around Christmas: 24th 22–24 + 26th 00–06", calendar: BERLIN_NIGHT_XMAS, from: "2026-12-24T12:00:00+01:00", to: "2026-12-26T12:00:00+01:00", minutes: 120 + 360 },
  { name: "Sunday 22:00 → Monday 06:00 across the week boundary", calendar: SUNDAY_INTO_MONDAY, from: "2026-01-11T21:00:00+01:00", to: "2026-01-12T07:00:00+01:00", minutes: 480 },
  { name: "Monday 18:00–00:00", calendar: MONDAY_EVENING, from: "2026-01-12T00:00:00+01:00", to: "2026-01-14T00:00:00+01:00", minutes: 360 },
  { name: "Friday 22:00–04:00", calendar: FRIDAY_NIGHT, from: "2026-01-05T00:00:00+01:00", to: "2026-01-19T00:00:00+01:00", minutes: 720 },
  // 24/7
  { name: "24/7 over spring-forward day: 23 h", calendar: ALWAYS, from: "2026-03-29T00:00:00+01:00", to: "2026-03-30T00:00:00+02:00", minutes: 23 * 60 },
  { name: "24/7 with Christmas: 2 days of 3", calendar: ALWAYS_XMAS, from: "2026-12-24T00:00:00+01:00", to: "2026-12-27T00:00:00+01:00", minutes: 2 * 1440 },
  { name: "explicit 00:00–00:00 every day over fall-back: 25 h", calendar: ALWAYS_EXPLICIT, from: "2026-10-25T00:00:00+02:00", to: "2026-10-26T00:00:00+01:00", minutes: 25 * 60 },
  // Time zones with odd offsets and midnight transitions
  { name: "Santiago: 2026-04-05 is a holiday; Sat 22:00–02:00 stops at its midnight (after the repeated 23:00)", calendar: SANTIAGO, from: "2026-04-04T12:00:00-03:00", to: "2026-04-06T00:00:00-04:00", minutes: 180 },
  { name: "Santiago: holiday 2026-09-06 begins at the skipped midnight", calendar: SANTIAGO, from: "2026-09-05T12:00:00-04:00", to: "2026-09-07T00:00:00-03:00", minutes: 120 },
  { name: "Kathmandu (+05:45) split shift", calendar: KATHMANDU, from: "2026-01-12T00:00:00+05:45", to: "2026-01-13T00:00:00+05:45", minutes: 180 + 285 },
];

describe("businessMinutesBetween", () => {
  it.each(betweenCases)("$name", ({ calendar, from, to, minutes }) => {
    expect(businessMinutesBetween(calendar, from, to)).toBeCloseTo(minutes, 9);
    expect(businessMinutesBetween(calendar, to, from)).toBeCloseTo(-minutes, 9);
  });
});

// ------------------------------------------------------------------------------------------------
// isOpenAt / nextOpening

interface OpenCase {
  name: string;
  calendar: BusinessCalendar;
  at: string;
  open: boolean;
  next: string;
}

const openCases: OpenCase[] = [
  { name: "Mon 09:00 opens (inclusive)", calendar: BERLIN, at: "2026-01-12T09:00:00+01:00", open: true, next: "2026-01-12T08:00:00.000Z" },
  { name: "Mon 18:00 closes (exclusive)", calendar: BERLIN, at: "2026-01-12T18:00:00+01:00", open: false, next: "2026-01-13T08:00:00.000Z" },
  { name: "Mon 17:59:59.999 is open", calendar: BERLIN, at: "2026-01-12T17:59:59.999+01:00", open: true, next: "2026-01-12T16:59:59.999Z" },
  { name: "Saturday → Monday", calendar: BERLIN, at: "2026-01-10T10:00:00+01:00", open: false, next: "2026-01-12T08:00:00.000Z" },
  { name: "Saturday before spring-forward → Monday 09:00 CEST", calendar: BERLIN, at: "2026-03-28T10:00:00+01:00", open: false, next: "2026-03-30T07:00:00.000Z" },
  { name: "Christmas → Monday 28th", calendar: BERLIN_HOLIDAYS, at: "2026-12-25T10:00:00+01:00", open: false, next: "2026-12-28T08:00:00.000Z" },
  { name: "Christmas Eve before opening", calendar: BERLIN_HOLIDAYS, at: "2026-12-24T08:00:00+01:00", open: false, next: "2026-12-24T08:00:00.000Z" },
  { name: "night shift on the 24th before midnight", calendar: BERLIN_NIGHT_XMAS, at: "2026-12-24T23:30:00+01:00", open: true, next: "2026-12-24T22:30:00.000Z" },
  { name: "night shift spilling into Christmas is closed", calendar: BERLIN_NIGHT_XMAS, at: "2026-12-25T00:30:00+01:00", open: false, next: "2026-12-25T23:00:00.000Z" },
  { name: "Christmas evening shift is closed until the 26th's midnight", calendar: BERLIN_NIGHT_XMAS, at: "2026-12-25T23:00:00+01:00", open: false, next: "2026-12-25T23:00:00.000Z" },
  { name: "the 26th after midnight is open", calendar: BERLIN_NIGHT_XMAS, at: "2026-12-26T01:00:00+01:00", open: true, next: "2026-12-26T00:00:00.000Z" },
  { name: "Berlin first 02:30 of fall-back night is open", calendar: BERLIN_NIGHT, at: "2026-10-25T00:30:00Z", open: true, next: "2026-10-25T00:30:00.000Z" },
  { name: "Berlin second 02:30 of fall-back night is open", calendar: BERLIN_NIGHT, at: "2026-10-25T01:30:00Z", open: true, next: "2026-10-25T01:30:00.000Z" },
  { name: "Sat 22:00–02:30 ends at the first 02:30: the second pass is closed", calendar: BERLIN_SAT_LATE, at: "2026-10-25T01:15:00Z", open: false, next: "2026-10-31T21:00:00.000Z" },
  { name: "02:30–05:00 on spring-forward opens at the jump (03:00 CEST)", calendar: BERLIN_SUN_GAP, at: "2026-03-29T01:30:00+01:00", open: false, next: "2026-03-29T01:00:00.000Z" },
  { name: "Friday night shift at Sat 03:59", calendar: FRIDAY_NIGHT, at: "2026-01-10T03:59:00+01:00", open: true, next: "2026-01-10T02:59:00.000Z" },
  { name: "Friday night shift at Sat 04:00", calendar: FRIDAY_NIGHT, at: "2026-01-10T04:00:00+01:00", open: false, next: "2026-01-16T21:00:00.000Z" },
  { name: "Monday 02:00 joins Sunday's shift", calendar: SUNDAY_INTO_MONDAY, at: "2026-01-12T02:00:00+01:00", open: true, next: "2026-01-12T01:00:00.000Z" },
  { name: "Tuesday 00:00 after Monday 18:00–00:00", calendar: MONDAY_EVENING, at: "2026-01-13T00:00:00+01:00", open: false, next: "2026-01-19T17:00:00.000Z" },
  { name: "24/7 is always open", calendar: ALWAYS, at: "2026-12-25T03:00:00+01:00", open: true, next: "2026-12-25T02:00:00.000Z" },
  { name: "24/7 with a holiday is closed on it", calendar: ALWAYS_XMAS, at: "2026-12-25T03:00:00+01:00", open: false, next: "2026-12-25T23:00:00.000Z" },
  { name: "Santiago 2026-09-05 23:30 before the skipped midnight (Saturday shift)", calendar: SANTIAGO, at: "2026-09-05T23:30:00-04:00", open: true, next: "2026-09-06T03:30:00.000Z" },
  { name: "Santiago holiday 2026-09-06 begins at the jump (01:00 -03)", calendar: SANTIAGO, at: "2026-09-06T01:30:00-03:00", open: false, next: "2026-09-07T11:00:00.000Z" },
];

describe("isOpenAt / nextOpening", () => {
  it.each(openCases)("$name", ({ calendar, at, open, next }) => {
    expect(isOpenAt(calendar, at)).toBe(open);
    expect(nextOpening(calendar, at)).toBe(next);
    expect(isOpenAt(calendar, next)).toBe(true);
  });
});

// ------------------------------------------------------------------------------------------------
// Seeded properties


const YEAR_START = Date.parse("2026-01-01T00:00:00Z");
const YEAR_MS = 365 * 86_400_000;
const propertyCalendars: [string, BusinessCalendar][] = [
  ["Berlin 9–18 with holidays", BERLIN_HOLIDAYS],
  ["Berlin nights", BERLIN_NIGHT_XMAS],
  ["New York mixed", MIXED_NY],
  ["New York nights", NY_NIGHT],
  ["Santiago", SANTIAGO],
  ["Lord Howe", LORD_HOWE],
  ["Kathmandu", KATHMANDU],
  ["Berlin DST-hour boundaries", cal("Europe/Berlin", [...BERLIN_SUN_GAP.intervals, ...BERLIN_SAT_LATE.intervals, ...hours("09:00", "18:00")])],
  ["24/7 with a holiday", ALWAYS_XMAS],
];

describe.each(propertyCalendars)("seeded properties: %s", (_name, calendar) => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  it.each(seeds)("seed %i: between(start, add(start, m)) = m and the due instant is the end of open time", (seed) => {
    const rnd = prng(seed * 7919);
    for (let i = 0; i < 12; i++) {
      // whole seconds, as stored timestamps are
      const start = new Date(YEAR_START + Math.floor(rnd() * (YEAR_MS / 1000)) * 1000).toISOString();
      const minutes = i === 0 ? 0 : Math.floor(rnd() * 12_000) + (i % 3 === 0 ? 0.25 : 0);
      const due = addBusinessMinutes(calendar, start, minutes);
      expect(due >= start).toBe(true);
      expect(businessMinutesBetween(calendar, start, due)).toBeCloseTo(minutes, 9);
      if (minutes > 0) {
        // the last millisecond before the due instant is business time
        expect(isOpenAt(calendar, new Date(Date.parse(due) - 1).toISOString())).toBe(true);
      }
    }
  });

  it.each(seeds)("seed %i: add(start, between(start, t)) lands on t or on the closing before it; additivity", (seed) => {
    const rnd = prng(seed * 104_729 + 17);
    for (let i = 0; i < 12; i++) {
      const a = YEAR_START + Math.floor(rnd() * (YEAR_MS / 60_000)) * 60_000;
      const b = a + Math.floor(rnd() * 40 * 1440) * 60_000;
      const c = b + Math.floor(rnd() * 10 * 1440) * 60_000;
      const [ai, bi, ci] = [a, b, c].map((t) => new Date(t).toISOString()) as [string, string, string];
      const ab = businessMinutesBetween(calendar, ai, bi);
      const bc = businessMinutesBetween(calendar, bi, ci);
      expect(ab).toBeGreaterThanOrEqual(0);
      expect(businessMinutesBetween(calendar, ai, ci)).toBe(ab + bc);
      expect(Number.isInteger(ab)).toBe(true);
      const back = addBusinessMinutes(calendar, ai, ab);
      // b inside open time (the millisecond before it is business time) → exactly b
      if (isOpenAt(calendar, new Date(b - 1).toISOString())) expect(back).toBe(bi);
      expect(back <= bi).toBe(true);
      expect(businessMinutesBetween(calendar, back, bi)).toBe(0);
      // nextOpening is open and no business time passes until it
      const next = nextOpening(calendar, bi);
      expect(isOpenAt(calendar, next)).toBe(true);
      expect(businessMinutesBetween(calendar, bi, next)).toBe(0);
      expect(next === bi).toBe(isOpenAt(calendar, bi));
    }
  });
});

describe("24/7 equals wall-clock", () => {
  it.each([11, 12, 13, 14])("seed %i", (seed) => {
    const rnd = prng(seed);
    for (let i = 0; i < 25; i++) {
      const a = YEAR_START + Math.floor(rnd() * YEAR_MS);
      const minutes = Math.floor(rnd() * 100_000);
      const b = a + Math.floor(rnd() * 30 * 86_400_000);
      const [ai, bi] = [new Date(a).toISOString(), new Date(b).toISOString()];
      expect(addBusinessMinutes(ALWAYS, ai, minutes)).toBe(new Date(a + minutes * 60_000).toISOString());
      expect(businessMinutesBetween(ALWAYS, ai, bi)).toBe((b - a) / 60_000);
      expect(isOpenAt(ALWAYS, ai)).toBe(true);
      expect(nextOpening(ALWAYS, ai)).toBe(ai);
      // seven explicit 00:00–00:00 days walk windows instead of the shortcut, and agree
      expect(addBusinessMinutes(ALWAYS_EXPLICIT, ai, minutes % 20_000)).toBe(new Date(a + (minutes % 20_000) * 60_000).toISOString());
      expect(businessMinutesBetween(ALWAYS_EXPLICIT, ai, bi)).toBe((b - a) / 60_000);
    }
  });
});

// ------------------------------------------------------------------------------------------------
// Brute-force oracle: minute by minute, reading the local wall clock through Intl

function wallOf(fmt: Intl.DateTimeFormat, t: number): { day: number; minute: number } {
  const p = Object.fromEntries(fmt.formatToParts(t).map((x) => [x.type, Number(x.value)]));
  return { day: Date.UTC(p.year!, p.month! - 1, p.day!) / 86_400_000, minute: p.hour! * 60 + p.minute! };
}

const hm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
const weekday = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1;

/** Open iff the local wall time falls in an interval of its date or the spill of the day before's, on a non-holiday date. */
function oracleOpen(calendar: BusinessCalendar, fmt: Intl.DateTimeFormat, t: number): boolean {
  const { day, minute } = wallOf(fmt, t);
  const holidays = new Set(calendar.holidays.map((h) => Date.parse(`${h}T00:00:00Z`) / 86_400_000));
  if (holidays.has(day)) return false;
  if (calendar.intervals.length === 0) return true;
  return calendar.intervals.some((iv) => {
    const s = hm(iv.start);
    const e = hm(iv.end);
    const end = e > s ? e : 1440 + e;
    if (iv.day === weekday(day) && minute >= s && minute < Math.min(end, 1440)) return true;
    return iv.day === weekday(day - 1) && end > 1440 && minute < end - 1440;
  });
}

const oracleRanges: [string, BusinessCalendar, string, number][] = [
  ["Berlin 9–18 around spring-forward", BERLIN_DAILY, "2026-03-27T00:00:00Z", 4],
  ["Berlin nights around spring-forward", BERLIN_NIGHT, "2026-03-27T00:00:00Z", 4],
  ["Berlin nights around fall-back", BERLIN_NIGHT, "2026-10-23T00:00:00Z", 4],
  ["Berlin 01:00–04:00 Sundays both ways", BERLIN_SUN_EARLY, "2026-03-28T12:00:00Z", 2],
  ["Berlin 01:00–04:00 Sundays fall-back", BERLIN_SUN_EARLY, "2026-10-24T12:00:00Z", 2],
  ["Berlin 02:30–05:00 spring-forward (boundary in the gap)", BERLIN_SUN_GAP, "2026-03-28T12:00:00Z", 2],
  ["Berlin nights at Christmas", BERLIN_NIGHT_XMAS, "2026-12-23T00:00:00Z", 4],
  ["New York nights around spring-forward", NY_NIGHT, "2026-03-06T00:00:00Z", 4],
  ["New York nights around fall-back", NY_NIGHT, "2026-10-30T00:00:00Z", 4],
  ["New York mixed around fall-back", MIXED_NY, "2026-10-29T00:00:00Z", 5],
  ["Santiago around the April midnight change", SANTIAGO, "2026-04-02T00:00:00Z", 5],
  ["Santiago around the September midnight change", SANTIAGO, "2026-09-03T00:00:00Z", 5],
  ["Lord Howe 30-minute DST in April", LORD_HOWE, "2026-04-02T00:00:00Z", 5],
  ["Lord Howe 30-minute DST in October", LORD_HOWE, "2026-10-01T00:00:00Z", 5],
  ["Kathmandu +05:45 with a holiday", KATHMANDU, "2026-10-19T00:00:00Z", 4],
];

describe("agrees with a minute-by-minute oracle", () => {
  it.each(oracleRanges)("%s", (_name, calendar, fromIso, days) => {
    const fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: calendar.timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    const from = Date.parse(fromIso);
    const open: boolean[] = [];
    for (let m = 0; m < days * 1440; m++) open.push(oracleOpen(calendar, fmt, from + m * 60_000));
    const total = open.filter(Boolean).length;
    expect(total).toBeGreaterThan(0);
    expect(businessMinutesBetween(calendar, fromIso, new Date(from + days * 86_400_000).toISOString())).toBe(total);
    // every transition instant agrees with isOpenAt, and the cumulative count with businessMinutesBetween
    let cumulative = 0;
    for (let m = 0; m < open.length; m++) {
      const at = new Date(from + m * 60_000).toISOString();
      if (m === 0 || open[m] !== open[m - 1]) {
        expect(isOpenAt(calendar, at), at).toBe(open[m]);
        expect(businessMinutesBetween(calendar, fromIso, at), at).toBe(cumulative);
      }
      if (open[m]) cumulative++;
    }
  });
});

// ------------------------------------------------------------------------------------------------
// validateCalendar

const validCases: [string, unknown][] = [
  ["Mon–Fri 9–18", BERLIN],
  ["no intervals (24/7)", ALWAYS],
  ["touching intervals", cal("Europe/Berlin", [{ day: 1, start: "09:00", end: "12:00" }, { day: 1, start: "12:00", end: "18:00" }])],
  ["overnight touching the next day's interval", SUNDAY_INTO_MONDAY],
  ["00:00–00:00 every day", ALWAYS_EXPLICIT],
  ["holidays may be omitted", { timeZone: "UTC", intervals: [{ day: 3, start: "08:00", end: "09:00" }] }],
  ["UTC", cal("UTC", hours("00:00", "23:59"))],
  ["exactly MAX_CLOSED_DAYS consecutive holidays", cal("UTC", [], consecutiveDays("2026-01-01", MAX_CLOSED_DAYS))],
];

function consecutiveDays(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

const mondays = (first: string, count: number) => consecutiveDays(first, count * 7).filter((_, i) => i % 7 === 0);

const invalidCases: [string, unknown, CalendarErrorCode, string][] = [
  ["null", null, "not_an_object", ""],
  ["an array", [], "not_an_object", ""],
  ["unknown time zone", { timeZone: "Mars/Olympus_Mons", intervals: [], holidays: [] }, "invalid_time_zone", "timeZone"],
  ["empty time zone", { timeZone: "", intervals: [], holidays: [] }, "invalid_time_zone", "timeZone"],
  ["missing time zone", { intervals: [], holidays: [] }, "invalid_time_zone", "timeZone"],
  ["intervals missing", { timeZone: "UTC", holidays: [] }, "invalid_intervals", "intervals"],
  ["intervals not an array", { timeZone: "UTC", intervals: "9-5", holidays: [] }, "invalid_intervals", "intervals"],
  ["interval not an object", { timeZone: "UTC", intervals: ["mon 9-5"], holidays: [] }, "invalid_interval", "intervals[0]"],
  ["day 0", cal("UTC", [{ day: 0 as Weekday, start: "09:00", end: "17:00" }]), "invalid_day", "intervals[0].day"],
  ["day 8", cal("UTC", [{ day: 8 as Weekday, start: "09:00", end: "17:00" }]), "invalid_day", "intervals[0].day"],
  ["day 1.5", cal("UTC", [{ day: 1.5 as Weekday, start: "09:00", end: "17:00" }]), "invalid_day", "intervals[0].day"],
  ["day as a string", { timeZone: "UTC", intervals: [{ day: "1", start: "09:00", end: "17:00" }], holidays: [] }, "invalid_day", "intervals[0].day"],
  ["start 9:00", cal("UTC", [{ day: 1, start: "9:00", end: "17:00" }]), "invalid_time", "intervals[0].start"],
  ["start 24:00", cal("UTC", [{ day: 1, start: "24:00", end: "17:00" }]), "invalid_time", "intervals[0].start"],
  ["start 12:60", cal("UTC", [{ day: 1, start: "12:60", end: "17:00" }]), "invalid_time", "intervals[0].start"],
  ["end 25:00", cal("UTC", [{ day: 1, start: "09:00", end: "25:00" }]), "invalid_time", "intervals[0].end"],
  ["end as a number", { timeZone: "UTC", intervals: [{ day: 1, start: "09:00", end: 1700 }], holidays: [] }, "invalid_time", "intervals[0].end"],
  ["zero length", cal("UTC", [{ day: 1, start: "09:00", end: "09:00" }]), "zero_length_interval", "intervals[0]"],
  ["overlap on the same day", cal("UTC", [{ day: 2, start: "09:00", end: "12:00" }, { day: 2, start: "11:00", end: "13:00" }]), "overlapping_intervals", "intervals[1]"],
  ["duplicate interval", cal("UTC", [{ day: 2, start: "09:00", end: "12:00" }, { day: 2, start: "09:00", end: "12:00" }]), "overlapping_intervals", "intervals[1]"],
  ["whole day and another interval", cal("UTC", [{ day: 1, start: "12:00", end: "13:00" }, { day: 1, start: "00:00", end: "00:00" }]), "overlapping_intervals", "intervals[1]"],
  ["overnight spill overlaps the next day", cal("UTC", [{ day: 1, start: "22:00", end: "06:00" }, { day: 2, start: "05:00", end: "09:00" }]), "overlapping_intervals", "intervals[1]"],
  ["Sunday overnight overlaps Monday (week wrap)", cal("UTC", [{ day: 1, start: "00:30", end: "02:00" }, { day: 7, start: "23:00", end: "01:00" }]), "overlapping_intervals", "intervals[1]"],
  ["holidays not an array", { timeZone: "UTC", intervals: [], holidays: "2026-12-25" }, "invalid_holidays", "holidays"],
  ["holiday 2026-02-30", cal("UTC", [], ["2026-12-25", "2026-02-30"]), "invalid_holiday", "holidays[1]"],
  ["holiday 2026-13-01", cal("UTC", [], ["2026-13-01"]), "invalid_holiday", "holidays[0]"],
  ["holiday 26-12-25", cal("UTC", [], ["26-12-25"]), "invalid_holiday", "holidays[0]"],
  ["holiday with a time", cal("UTC", [], ["2026-12-25T00:00"]), "invalid_holiday", "holidays[0]"],
  ["holiday as a number", { timeZone: "UTC", intervals: [], holidays: [20261225] }, "invalid_holiday", "holidays[0]"],
  ["more than a year of consecutive holidays (24/7)", cal("UTC", [], consecutiveDays("2026-01-01", MAX_CLOSED_DAYS + 1)), "no_open_time", "holidays"],
  ["Mondays only, every Monday a holiday for 2 years", cal("Europe/Berlin", [{ day: 1, start: "09:00", end: "17:00" }], mondays("2026-01-05", 105)), "no_open_time", "holidays"],
];

describe("validateCalendar", () => {
  it.each(validCases)("accepts %s", (_name, input) => {
    const result = validateCalendar(input);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) {
      const i = input as Partial<BusinessCalendar>;
      expect(result.calendar).toEqual({ timeZone: i.timeZone, intervals: i.intervals, holidays: i.holidays ?? [] });
    }
  });

  it.each(invalidCases)("rejects %s", (_name, input, code, path) => {
    const result = validateCalendar(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason.code).toBe(code);
      expect(result.reason.path).toBe(path);
      expect(result.reason.message.length).toBeGreaterThan(0);
    }
  });

  it("drops unknown properties", () => {
    const result = validateCalendar({ ...BERLIN, extra: 1, intervals: [{ day: 1, start: "09:00", end: "10:00", note: "x" }] });
    expect(result).toEqual({ ok: true, calendar: { timeZone: "Europe/Berlin", intervals: [{ day: 1, start: "09:00", end: "10:00" }], holidays: [] } });
  });
});

// ------------------------------------------------------------------------------------------------
// Errors from the arithmetic

describe("errors", () => {
  const bad = cal("Nowhere/Atlantis", hours("09:00", "17:00"));
  const closedForYears = cal("Europe/Berlin", [{ day: 1, start: "09:00", end: "17:00" }], mondays("2026-01-05", 105));

  it.each([
    ["addBusinessMinutes with an invalid calendar", () => addBusinessMinutes(bad, "2026-01-12T10:00:00Z", 5), "invalid_time_zone"],
    ["businessMinutesBetween with an invalid calendar", () => businessMinutesBetween(bad, "2026-01-12T10:00:00Z", "2026-01-13T10:00:00Z"), "invalid_time_zone"],
    ["isOpenAt with an invalid calendar", () => isOpenAt(bad, "2026-01-12T10:00:00Z"), "invalid_time_zone"],
    ["nextOpening on a calendar closed for two years", () => nextOpening(closedForYears, "2026-01-01T00:00:00Z"), "no_open_time"],
    ["addBusinessMinutes on a calendar closed for two years", () => addBusinessMinutes(closedForYears, "2026-01-01T00:00:00Z", 1), "no_open_time"],
    ["an unparsable instant", () => addBusinessMinutes(BERLIN, "next Friday", 5), "invalid_time"],
    ["negative minutes", () => addBusinessMinutes(BERLIN, "2026-01-12T10:00:00Z", -1), "invalid_time"],
    ["infinite minutes", () => addBusinessMinutes(BERLIN, "2026-01-12T10:00:00Z", Number.POSITIVE_INFINITY), "invalid_time"],
  ] as [string, () => unknown, CalendarErrorCode][])("%s throws BusinessCalendarError", (_name, call, code) => {
    try {
      call();
      expect.unreachable("should have thrown");
    } catch (e) {
      expect(e).toBeInstanceOf(BusinessCalendarError);
      expect(e).toBeInstanceOf(RangeError);
      expect((e as BusinessCalendarError).reason.code).toBe(code);
    }
  });

  it("accepts instants with any offset and returns UTC ISO", () => {
    expect(addBusinessMinutes(BERLIN, "2026-01-12T04:00:00-05:00", 0)).toBe(iso("2026-01-12T09:00:00Z"));
    expect(nextOpening(BERLIN, "2026-01-12T04:00:00-05:00")).toBe("2026-01-12T09:00:00.000Z");
  });
});
