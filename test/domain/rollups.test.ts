import { describe, expect, it } from "vitest";
import { startOfLocalDay } from "../../src/domain/business-hours";
import {
  applyLoggedTime,
  backlogDelta,
  bucketOf,
  openCounterMoves,
  withoutMember,
  contributions,
  dayNumber,
  groupDeltas,
  histogramEstimate,
  histogramIndex,
  histogramLowerBound,
  HISTOGRAM_SIZE,
  isQuarterBoundary,
  loggedMinutes,
  percentile,
  PERCENTILE_MAX_RELATIVE_ERROR,
  periodStarts,
  QUARTER_MS,
  rollupDelta,
  pointsOf,
  sameFacts,
  type TicketFacts,
} from "../../src/domain/rollups";

const base: TicketFacts = {
  id: "t1",
  deletedAt: null,
  status: "open",
  priority: "high",
  channel: "email",
  category: "billing",
  teamId: "team-a",
  assigneeId: null,
  slaPolicy: "high",
  createdAt: "2026-03-02T09:00:00.000Z",
  assignedAt: null,
  firstResponseAt: null,
  firstResponseMinutes: null,
  resolvedAt: null,
  resolutionMinutes: null,
  reopens: [],
  firstResponseDueAt: "2026-03-02T13:00:00.000Z",
  nextResponseDueAt: null,
  resolutionDueAt: "2026-03-03T09:00:00.000Z",
  firstResponseBreached: false,
  nextResponseBreached: false,
  resolutionBreached: false,
  nextResponseStartedMs: null,
  slaBreached: false,
  slaWarned: 0,
  satisfactionScore: null,
  satisfactionRatedAt: null,
  timeLog: [],
};

describe("duration histogram", () => {
  it("is exact below 16 minutes and log-spaced above, four buckets per doubling", () => {
    expect([0, 1, 7, 15].map(histogramIndex)).toEqual([0, 1, 7, 15]);
    expect(histogramIndex(16)).toBe(16);
    expect(histogramIndex(19)).toBe(16); // [16, 19.03)
    expect(histogramIndex(20)).toBe(17);
    expect(histogramIndex(32)).toBe(20); // a doubling is four buckets
    expect(histogramIndex(64)).toBe(24);
    expect(histogramIndex(-5)).toBe(0);
    expect(histogramIndex(10_000_000)).toBe(HISTOGRAM_SIZE - 1);
  });

  it("estimates every duration within the documented bound (plus rounding to the minute)", () => {
    for (let m = 0; m <= 1_048_576; m += m < 5000 ? 1 : 97) {
      const est = histogramEstimate(histogramIndex(m));
      if (m < 16) expect(est).toBe(m);
      else expect(Math.abs(est - m)).toBeLessThanOrEqual(m * PERCENTILE_MAX_RELATIVE_ERROR + 0.5);
    }
    expect(PERCENTILE_MAX_RELATIVE_ERROR).toBeCloseTo(0.0905, 3);
  });

  it("puts every whole minute in exactly the bucket whose bounds hold it", () => {
    for (let m = 16; m < 200_000; m += 7) {
      const i = histogramIndex(m);
      expect(histogramLowerBound(i)).toBeLessThanOrEqual(m);
      expect(histogramLowerBound(i + 1)).toBeGreaterThan(m);
    }
  });

  it("gives nearest-rank percentiles", () => {
    const h = { [histogramIndex(5)]: 1, [histogramIndex(10)]: 1, [histogramIndex(12)]: 1, [histogramIndex(30)]: 1 };
    expect(percentile(h, 50)).toBe(10); // rank 2 of 4
    expect(percentile(h, 90)).toBe(histogramEstimate(histogramIndex(30))); // rank 4: 29 stands for [26.9, 32)
    expect(percentile(h, 90)).toBe(29);
    expect(percentile({}, 50)).toBeNull();
    expect(percentile({ "3": 0 }, 50)).toBeNull();
  });

  it("gives a period's percentile from the histograms at its two ends, as of their difference", () => {
    // Later minus earlier, as a period's series takes it: buckets only one side has, negative and zero differences.
    const later = { "2": 3, "17": 5, "40": 2, "79": 1 };
    const earlier = { "2": 3, "17": 1, "30": -2, "79": 4 };
    const difference = { "2": 0, "17": 4, "30": 2, "40": 2, "79": -3 };
    for (const p of [1, 25, 50, 75, 90, 99, 100]) expect(percentile(later, p, earlier)).toBe(percentile(difference, p));
    expect(percentile(later, 50, earlier)).toBe(histogramEstimate(17)); // rank 4 of 8: bucket 17 holds the first 4
    expect(percentile(later, 75, earlier)).toBe(histogramEstimate(30)); // rank 6: bucket 30 (0 − (−2))
    expect(percentile(later, 50, later)).toBeNull();
    expect(percentile({}, 50, { "5": -2 })).toBe(5);
  });
});

describe("buckets and periods", () => {
  it("cuts instants into UTC days and quarter hours", () => {
    expect(bucketOf(Date.parse("1970-01-02T00:14:59.999Z"))).toEqual({ day: 1, quarter: 0 });
    expect(bucketOf(Date.parse("2026-03-02T23:45:00.000Z"))).toEqual({ day: dayNumber("2026-03-02"), quarter: 95 });
  });

  it("every zone's local midnight is on a quarter hour (so a report in any zone is exact)", () => {
    const zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "Australia/Eucla", "America/St_Johns", "America/Santiago", "Asia/Tehran"];
    for (const tz of zones) {
      for (let d = dayNumber("2025-01-01"); d < dayNumber("2027-01-01"); d += 3) expect(isQuarterBoundary(startOfLocalDay(tz, d)), `${tz} day ${d}`).toBe(true);
    }
  });

  it("starts periods on the first day, then each day, Monday or first of the month", () => {
    const from = dayNumber("2026-03-27"); // a Friday
    const to = dayNumber("2026-04-07");
    expect(periodStarts(from, to, "day")).toHaveLength(12);
    expect(periodStarts(from, to, "week").map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10))).toEqual(["2026-03-27", "2026-03-30", "2026-04-06"]);
    expect(periodStarts(from, to, "month").map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10))).toEqual(["2026-03-27", "2026-04-01"]);
  });
});

describe("what a ticket row contributes", () => {
  it("a new ticket: created, under each of its dimensions", () => {
    const [c, ...rest] = contributions(base);
    expect(rest).toEqual([]);
    expect(c!.at).toBe(Date.parse(base.createdAt));
    expect(c!.metrics.c).toEqual({ created: 1 });
    expect(c!.keys).toEqual([
      { dim: "all", key: "" },
      { dim: "priority", key: "high" },
      { dim: "channel", key: "email" },
      { dim: "policy", key: "high" },
      { dim: "team", key: "team-a" },
      { dim: "category", key: "billing" },
    ]);
  });

  it("a resolved ticket: first response, resolution, SLA outcomes, reopenings, satisfaction and time", () => {
    const row: TicketFacts = {
      ...base,
      status: "resolved",
      assigneeId: "agent-1",
      assignedAt: "2026-03-02T09:05:00.000Z",
      firstResponseAt: "2026-03-02T10:00:00.000Z",
      firstResponseMinutes: 60,
      resolvedAt: "2026-03-04T10:00:00.000Z",
      resolutionMinutes: 2940,
      reopens: ["2026-03-03T08:00:00.000Z"],
      resolutionBreached: true,
      satisfactionScore: 4,
      satisfactionRatedAt: "2026-03-04T11:00:00.000Z",
      timeLog: [[Math.floor(Date.parse("2026-03-02T09:30:00.000Z") / QUARTER_MS), "agent-2", 20, 5]],
    };
    const byAt = new Map<string, Record<string, unknown>>();
    for (const c of contributions(row)) byAt.set(new Date(c.at).toISOString(), { ...byAt.get(new Date(c.at).toISOString()), ...c.metrics.c, ...c.metrics.h });
    expect(Object.fromEntries(byAt)).toEqual({
      "2026-03-02T09:00:00.000Z": { created: 1 },
      "2026-03-02T09:05:00.000Z": { assigned: 1 },
      "2026-03-02T10:00:00.000Z": { fr_count: 1, fr_minutes: 60, fr_hist: { [histogramIndex(60)]: 1 }, fr_met: 1 },
      // breached: dated by its due date, not by the late resolution
      "2026-03-03T09:00:00.000Z": { res_breached: 1 },
      "2026-03-04T10:00:00.000Z": { solved: 1, res_minutes: 2940, res_hist: { [histogramIndex(2940)]: 1 } },
      "2026-03-03T08:00:00.000Z": { reopened: 1 },
      "2026-03-04T11:00:00.000Z": { csat_count: 1, csat_positive: 1, csat_sum: 4 },
      "2026-03-02T09:30:00.000Z": { time_billable: 20, time_nonbillable: 5 },
    });
    // Logged time counts under its author, not the assignee, and not per policy.
    const time = contributions(row).find((c) => c.metrics.c.time_billable)!;
    expect(time.keys).toContainEqual({ dim: "agent", key: "agent-2" });
    expect(time.keys).not.toContainEqual({ dim: "agent", key: "agent-1" });
    expect(time.keys.some((k) => k.dim === "policy")).toBe(false);
  });

  it("a deleted ticket contributes nothing, so deleting it takes everything back", () => {
    const row = { ...base, firstResponseAt: "2026-03-02T10:00:00.000Z", firstResponseMinutes: 60 };
    expect(contributions({ ...row, deletedAt: "2026-03-05T00:00:00.000Z" })).toEqual([]);
    const delta = rollupDelta(row, { ...row, deletedAt: "2026-03-05T00:00:00.000Z" });
    expect(delta.length).toBeGreaterThan(0);
    expect(delta.every((p) => Object.values(p.metrics.c).every((n) => n! < 0))).toBe(true);
  });

  it("moving a ticket to another team moves its figures, dated as they were", () => {
    const row = { ...base, firstResponseAt: "2026-03-02T10:00:00.000Z", firstResponseMinutes: 60 };
    const delta = rollupDelta(row, { ...row, teamId: "team-b" });
    expect(delta.every((p) => p.dim === "team")).toBe(true);
    const created = delta.filter((p) => p.metrics.c.created);
    expect(created.map((p) => [p.key, p.metrics.c.created, p.day])).toEqual([
      ["team-a", -1, dayNumber("2026-03-02")],
      ["team-b", 1, dayNumber("2026-03-02")],
    ]);
    // One statement per bucket and metrics: team-a's −1 and team-b's +1 are two groups.
    expect(groupDeltas(delta).length).toBe(4);
  });

  it("a change that moves nothing writes nothing", () => {
    expect(rollupDelta(base, { ...base, slaWarned: 0 })).toEqual([]);
  });

  it("tells a row whose facts changed from one whose did not, and both rows' contributions agree", () => {
    const answered = { ...base, status: "resolved" as const, assigneeId: "agent-1", assignedAt: "2026-03-02T09:30:00.000Z", firstResponseAt: "2026-03-02T10:00:00.000Z", firstResponseMinutes: 60, resolvedAt: "2026-03-02T12:00:00.000Z", resolutionMinutes: 180, reopens: ["2026-03-02T11:00:00.000Z"], timeLog: [[100, "agent-1", 5, 0]] as TicketFacts["timeLog"] };
    // Copies (new arrays) and columns the rollups do not read are no change.
    const copy = { ...answered, reopens: [...answered.reopens], timeLog: answered.timeLog.map((t) => [...t] as const), subject: "other" } as TicketFacts;
    expect(sameFacts(answered, copy)).toBe(true);
    expect(rollupDelta(answered, copy)).toEqual([]);
    const changes: Partial<TicketFacts>[] = [
      { deletedAt: "2026-03-05T00:00:00.000Z" }, { status: "open" }, { priority: "low" }, { channel: "web" }, { category: null }, { teamId: "team-b" },
      { assigneeId: "agent-2" }, { slaPolicy: "low" }, { createdAt: "2026-03-01T09:00:00.000Z" }, { assignedAt: null }, { firstResponseAt: null },
      { firstResponseMinutes: 61 }, { resolvedAt: null }, { resolutionMinutes: 181 }, { reopens: [] }, { reopens: ["2026-03-02T11:15:00.000Z"] },
      { firstResponseDueAt: null }, { nextResponseDueAt: "2026-03-02T13:00:00.000Z" }, { resolutionDueAt: null }, { firstResponseBreached: true },
      { nextResponseBreached: true }, { resolutionBreached: true }, { nextResponseStartedMs: 1 }, { slaBreached: true }, { slaWarned: 1 },
      { satisfactionScore: 4, satisfactionRatedAt: "2026-03-03T00:00:00.000Z" }, { satisfactionRatedAt: "2026-03-03T00:00:00.000Z" },
      { timeLog: [] }, { timeLog: [[100, "agent-1", 6, 0]] }, { timeLog: [[100, "agent-2", 5, 0]] },
    ];
    for (const change of changes) {
      const after = { ...answered, ...change };
      expect(sameFacts(answered, after), JSON.stringify(change)).toBe(false);
      // The delta is the difference of the two rows' contributions, computed in full.
      const full = [...pointsOf(contributions(after), 1, pointsOf(contributions(answered), -1)).values()].filter((p) => Object.values(p.metrics.c).some((n) => n) || Object.values(p.metrics.h).some((h) => Object.values(h ?? {}).some((n) => n)));
      expect(rollupDelta(answered, after).length, JSON.stringify(change)).toBe(full.length);
    }
  });
});

describe("the backlog counters", () => {
  it("count open, in progress and pending tickets by team, assignee, channel, status, priority and SLA state", () => {
    expect(backlogDelta(null, base)).toEqual([{ cell: { team: "team-a", agent: "", channel: "email", status: "open", priority: "high", sla: "ok" }, n: 1 }]);
    expect(backlogDelta(base, { ...base, status: "resolved", resolvedAt: "x" })).toEqual([{ cell: { team: "team-a", agent: "", channel: "email", status: "open", priority: "high", sla: "ok" }, n: -1 }]);
    expect(backlogDelta(base, { ...base, slaWarned: 4 }).map((m) => [m.cell.sla, m.n])).toEqual([
      ["ok", -1],
      ["at_risk", 1],
    ]);
    expect(backlogDelta(base, { ...base, resolutionBreached: true, slaBreached: true }).at(-1)!.cell.sla).toBe("breached");
    // A met first response's warning does not keep the ticket at risk.
    expect(backlogDelta(null, { ...base, slaWarned: 1, firstResponseAt: "x" })[0]!.cell.sla).toBe("ok");
    expect(backlogDelta(base, { ...base, subjectChanged: true } as TicketFacts)).toEqual([]);
  });

  it("count each open ticket under everyone, its team, its assignee and its channel, and per assignee and team", () => {
    const assigned = { ...base, assigneeId: "agent-1" };
    expect(openCounterMoves(backlogDelta(null, assigned))).toEqual({
      cells: ["", "team:team-a", "agent:agent-1", "channel:email"].map((scope) => ({ scope, status: "open", priority: "high", sla: "ok", n: 1 })),
      members: [
        { scope: "", kind: "assignee", member: "agent-1", n: 1 },
        { scope: "", kind: "team", member: "team-a", n: 1 },
        { scope: "team:team-a", kind: "assignee", member: "agent-1", n: 1 },
        { scope: "agent:agent-1", kind: "team", member: "team-a", n: 1 },
      ],
    });
    // No team, unassigned: no team or agent scope, and no member rows (what by_team and by_assignee
    // show as null is the scope's total less its members').
    expect(openCounterMoves(backlogDelta(null, { ...base, teamId: null }))).toEqual({
      cells: [
        { scope: "", status: "open", priority: "high", sla: "ok", n: 1 },
        { scope: "channel:email", status: "open", priority: "high", sla: "ok", n: 1 },
      ],
      members: [],
    });
    // A team, unassigned: the team's row for everyone, none for the team's unassigned.
    expect(openCounterMoves(backlogDelta(null, base)).members).toEqual([{ scope: "", kind: "team", member: "team-a", n: 1 }]);
    expect(withoutMember(new Map([["agent-1", 2], ["agent-2", 1]]), 5)).toEqual(new Map([["agent-1", 2], ["agent-2", 1], ["", 2]]));
    expect(withoutMember(new Map([["agent-1", 2], ["", 7]]), 2)).toEqual(new Map([["agent-1", 2]]));
  });

  it("leave the rows a change does not move: a reassignment moves its assignees' rows only", () => {
    const a1 = { ...base, assigneeId: "agent-1" };
    const moves = openCounterMoves(backlogDelta(a1, { ...a1, assigneeId: "agent-2" }));
    expect(moves.cells).toEqual([
      { scope: "agent:agent-1", status: "open", priority: "high", sla: "ok", n: -1 },
      { scope: "agent:agent-2", status: "open", priority: "high", sla: "ok", n: 1 },
    ]);
    expect(moves.members).toEqual([
      { scope: "", kind: "assignee", member: "agent-1", n: -1 },
      { scope: "team:team-a", kind: "assignee", member: "agent-1", n: -1 },
      { scope: "agent:agent-1", kind: "team", member: "team-a", n: -1 },
      { scope: "", kind: "assignee", member: "agent-2", n: 1 },
      { scope: "team:team-a", kind: "assignee", member: "agent-2", n: 1 },
      { scope: "agent:agent-2", kind: "team", member: "team-a", n: 1 },
    ]);
    // A rebuild's chunk: one row per counter, summed.
    const chunk = openCounterMoves([a1, a1, { ...a1, priority: "low" }].map((f) => ({ cell: backlogDelta(null, f as TicketFacts)[0]!.cell, n: 1 })));
    expect(chunk.cells.find((m) => m.scope === "" && m.priority === "high")!.n).toBe(2);
    expect(chunk.members.find((m) => m.scope === "" && m.kind === "assignee")!.n).toBe(3);
  });
});

describe("time logged on a ticket", () => {
  it("sums entries per quarter hour and author, and takes a changed or removed entry back", () => {
    const e1 = { authorId: "a", startedAt: "2026-03-02T09:01:00.000Z", minutes: 30, billable: true };
    const e2 = { authorId: "a", startedAt: "2026-03-02T09:14:00.000Z", minutes: 10, billable: false };
    const q = Math.floor(Date.parse("2026-03-02T09:00:00.000Z") / QUARTER_MS);
    let log = applyLoggedTime([], null, e1);
    log = applyLoggedTime(log, null, e2);
    expect(log).toEqual([[q, "a", 30, 10]]);
    expect(loggedMinutes(log)).toBe(40);
    log = applyLoggedTime(log, e1, { ...e1, startedAt: "2026-03-02T10:00:00.000Z", minutes: 45 });
    expect(log).toEqual([
      [q, "a", 0, 10],
      [q + 4, "a", 45, 0],
    ]);
    log = applyLoggedTime(log, e2, null);
    expect(log).toEqual([[q + 4, "a", 45, 0]]);
  });
});
