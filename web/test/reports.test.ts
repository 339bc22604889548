import { describe, expect, it } from "vitest";
import {
  backlogMatrix,
  checkMinutes,
  exportFiltersFromList,
  exportPollDelay,
  exportProgress,
  formatMinutes,
  formatPct,
  parseMinutes,
  parseReportSearch,
  parseSatisfactionSearch,
  satisfactionQuery,
  periodInstants,
  periodLabel,
  periodProblem,
  presetPeriod,
  reportPeriod,
  scoreText,
  seriesColumns,
  seriesSummary,
  startOfDayIn,
  todayIn,
} from "../src/lib/reports";

describe("report periods in the user's zone", () => {
  // 23:30 UTC on 30 Nov: already 1 Dec in Berlin, still 30 Nov in New York.
  const now = Date.parse("2026-11-30T23:30:00.000Z");
  it("today is the user's calendar day", () => {
    expect(todayIn("Europe/Berlin", now)).toBe("2026-12-01");
    expect(todayIn("America/New_York", now)).toBe("2026-11-30");
  });

  it("opens on the last 30 days ending today, per day, in the user's zone", () => {
    expect(reportPeriod({}, "Europe/Berlin", now)).toEqual({ from: "2026-11-02", to: "2026-12-01", granularity: "day", tz: "Europe/Berlin" });
    expect(reportPeriod({ from: "2026-01-01", to: "2026-03-31", granularity: "month", team: "t1" }, "UTC", now)).toEqual({
      from: "2026-01-01",
      to: "2026-03-31",
      granularity: "month",
      tz: "UTC",
      team_id: "t1",
    });
  });

  it("presets end today", () => {
    expect(presetPeriod("7d", "Europe/Berlin", now)).toEqual({ from: "2026-11-25", to: "2026-12-01" });
    expect(presetPeriod("365d", "UTC", now)).toEqual({ from: "2025-12-01", to: "2026-11-30" });
  });

  it("takes only well-formed keys from the URL", () => {
    expect(parseReportSearch({ from: "2026-02-30", to: "2026-03-01", granularity: "year", team: "a b", group: "ticket", extra: "x" })).toEqual({ to: "2026-03-01", group: "ticket" });
    expect(parseReportSearch({ from: "2026-02-01", granularity: "week", team: "tm_1" })).toEqual({ from: "2026-02-01", granularity: "week", team: "tm_1" });
  });

  it.each([
    ["2026-01-01", "2026-01-31", null],
    ["2026-02-01", "2026-01-31", "The first day must not be after the last day."],
    ["2024-01-01", "2026-01-01", "A report covers at most two years."],
    ["", "2026-01-31", "Enter both dates."],
  ])("%s..%s: %s", (from, to, problem) => {
    expect(periodProblem(from, to)).toBe(problem);
  });

  it("a day starts at local midnight, across DST changes", () => {
    expect(startOfDayIn("2026-11-26", "Europe/Berlin")).toBe("2026-11-25T23:00:00.000Z");
    expect(startOfDayIn("2026-07-01", "Europe/Berlin")).toBe("2026-06-30T22:00:00.000Z");
    // Berlin moves to summer time on 29 Mar 2026 at 02:00; midnight is still winter time.
    expect(startOfDayIn("2026-03-29", "Europe/Berlin")).toBe("2026-03-28T23:00:00.000Z");
    expect(startOfDayIn("2026-03-30", "Europe/Berlin")).toBe("2026-03-29T22:00:00.000Z");
    expect(startOfDayIn("2026-11-01", "America/New_York")).toBe("2026-11-01T04:00:00.000Z");
    expect(startOfDayIn("2026-11-02", "America/New_York")).toBe("2026-11-02T05:00:00.000Z");
    expect(startOfDayIn("2026-11-26", "Asia/Kolkata")).toBe("2026-11-25T18:30:00.000Z");
    expect(startOfDayIn("2026-11-26", "UTC")).toBe("2026-11-26T00:00:00.000Z");
  });

  it("a period's instants run from its first local midnight to the midnight after its last day", () => {
    expect(periodInstants({ from: "2026-03-01", to: "2026-03-31", tz: "Europe/Berlin" })).toEqual({ from: "2026-02-28T23:00:00.000Z", to: "2026-03-31T22:00:00.000Z" });
  });
});

describe("figures", () => {
  it.each([
    [null, "—"],
    [0, "0 min"],
    [45, "45 min"],
    [60, "1 h"],
    [125, "2 h 05 min"],
    [3130, "52 h 10 min"],
    [120_000, "2,000 h"],
  ])("%s minutes read %s", (m, text) => {
    expect(formatMinutes(m)).toBe(text);
  });

  it("percentages: one decimal, whole numbers plain, nothing measured is a dash", () => {
    expect(formatPct(93.4)).toBe("93.4 %");
    expect(formatPct(100)).toBe("100 %");
    expect(formatPct(null)).toBe("—");
  });

  it("series periods are calendar dates, never shifted by a zone", () => {
    expect(periodLabel("2026-11-02", "day")).toBe("2 Nov 2026");
    expect(periodLabel("2026-11-02", "week")).toBe("Week of 2 Nov 2026");
    expect(periodLabel("2026-11-01", "month")).toBe("Nov 2026");
  });

  const series = [
    { period: "2026-11-01", created: 3, solved: 1, breaches: 0, median_first_response_minutes: 12 },
    { period: "2026-11-02", created: 7, solved: 4, breaches: 2, median_first_response_minutes: null },
  ];
  it("the chart's columns are seconds at each period's UTC midnight, then the counts", () => {
    expect(seriesColumns(series)).toEqual([[1793491200, 1793577600], [3, 7], [1, 4], [0, 2]]);
  });

  it("the chart's text alternative sums the series and names the busiest period", () => {
    expect(seriesSummary(series, "day")).toBe("Tickets per day over 2 days: 10 created, 5 solved, 2 SLA breaches. Most created: 7 in 2 Nov 2026.");
    expect(seriesSummary([], "week")).toBe("No periods to chart.");
  });

  it("the backlog matrix has known statuses and priorities in order, unknown ones after, and totals", () => {
    const m = backlogMatrix({ pending: { low: 2 }, open: { critical: 1, high: 3, urgent: 4 } });
    expect(m.statuses).toEqual(["open", "in_progress", "pending"]);
    expect(m.priorities).toEqual(["critical", "high", "medium", "low", "urgent"]);
    expect(m.rows).toEqual([
      { status: "open", cells: [1, 3, 0, 0, 4], total: 8 },
      { status: "in_progress", cells: [0, 0, 0, 0, 0], total: 0 },
      { status: "pending", cells: [0, 0, 0, 2, 0], total: 2 },
    ]);
    expect(m.totals).toEqual([1, 3, 0, 2, 4]);
    expect(m.total).toBe(10);
  });

  it("satisfaction scores in words", () => {
    expect(scoreText(5)).toBe("5 of 5 (Very satisfied)");
    expect(scoreText(1)).toBe("1 of 5 (Very dissatisfied)");
  });
});

describe("exports", () => {
  const at = (status: "queued" | "running" | "done" | "failed" | "expired", done: number, estimated: number | null, error: string | null = null) => ({
    status,
    progress: { rows_done: done, rows_estimated: estimated },
    error,
  });
  it.each([
    [at("queued", 0, null), { pct: 0, text: "Waiting to start…" }],
    [at("running", 2500, 10_000), { pct: 25, text: "2,500 of about 10,000 rows (25 %)" }],
    [at("running", 10_400, 10_000), { pct: 99, text: "10,400 of about 10,000 rows (99 %)" }],
    [at("running", 300, null), { pct: null, text: "300 rows so far…" }],
    [at("done", 1, 1), { pct: 100, text: "Done: 1 row" }],
    [at("failed", 5, 10, "R2 unavailable"), { pct: null, text: "Failed: R2 unavailable" }],
    [at("expired", 5, 5), { pct: null, text: "Expired: the file was deleted. Export again." }],
  ])("%j reads %j", (state, expected) => {
    expect(exportProgress(state)).toEqual(expected);
  });

  it("polls soon, then every 5 s at most", () => {
    expect([0, 1, 2, 3, 4, 5, 20].map(exportPollDelay)).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it("the list's query becomes the export's filters, custom field filters included, without paging or empty values", () => {
    expect(exportFiltersFromList({ status: "open,pending", assignee_id: "me", q: "", sort: "sla_due", limit: "50", cursor: "abc", "cf.product": "pro" })).toEqual({
      status: "open,pending",
      assignee_id: "me",
      sort: "sla_due",
      "cf.product": "pro",
    });
    expect(exportFiltersFromList({ sort: "-created_at", q: "refund" })).toEqual({ sort: "-created_at", q: "refund" });
  });
});

describe("durations agents type", () => {
  it.each([
    ["45", 45],
    ["45m", 45],
    ["90 min", 90],
    ["1:30", 90],
    ["1h 30m", 90],
    ["1h30", 90],
    ["2h", 120],
    ["1.5h", 90],
    ["1,25 hours", 75],
    ["", null],
    ["abc", null],
    ["1:75", null],
    ["1h 75m", null],
    ["-5", null],
  ])("%j is %s minutes", (text, minutes) => {
    expect(parseMinutes(text)).toBe(minutes);
  });

  it("an entry is 1 minute to a day", () => {
    expect(checkMinutes("24h")).toEqual({ minutes: 1440 });
    expect(checkMinutes("0")).toEqual({ error: "One entry is 1 minute to 24 hours." });
    expect(checkMinutes("25h")).toEqual({ error: "One entry is 1 minute to 24 hours." });
    expect(checkMinutes("soon")).toEqual({ error: "Enter minutes (45), hours and minutes (1:30 or 1h 30m) or hours (1.5h)." });
  });
});

describe("the satisfaction answers screen", () => {
  it("takes only well-formed keys from the URL", () => {
    expect(parseSatisfactionSearch({ from: "2026-11-01", to: "2026-11-30", agent: "u_1", score: 4 })).toEqual({ from: "2026-11-01", to: "2026-11-30", agent: "u_1", score: 4 });
    expect(parseSatisfactionSearch({ from: "2026-02-30", to: "soon", agent: "a b", score: 6 })).toEqual({});
    expect(parseSatisfactionSearch({ score: "2" })).toEqual({ score: 2 });
    expect(parseSatisfactionSearch({ score: 2.5 })).toEqual({});
  });

  it("asks for the period's instants in the user's zone, `to` exclusive, with agent and score", () => {
    const { period, query } = satisfactionQuery({ from: "2026-11-01", to: "2026-11-30", agent: "u_1", score: 1 }, "Europe/Berlin");
    expect(period).toEqual({ from: "2026-11-01", to: "2026-11-30", tz: "Europe/Berlin" });
    expect(query).toEqual({ from: "2026-10-31T23:00:00.000Z", to: "2026-11-30T23:00:00.000Z", agent_id: "u_1", score: 1 });
  });

  it("defaults to the last 30 days ending today in the zone, everyone, any score", () => {
    const now = Date.parse("2026-12-05T23:30:00Z");
    const { period, query } = satisfactionQuery({}, "Europe/Berlin", now);
    expect(period).toEqual({ from: "2026-11-07", to: "2026-12-06", tz: "Europe/Berlin" });
    expect(query).toEqual({ from: "2026-11-06T23:00:00.000Z", to: "2026-12-06T23:00:00.000Z" });
  });
});
