import { describe, expect, it } from "vitest";
import type { TicketPriority } from "../../src/db/schema";
import { breaches, dueDates, nextDue, resume, type SlaClock, type SlaTargets } from "../../src/domain/sla";

// API.md "SLA defaults", in hours.
const DEFAULTS: Record<TicketPriority, { first: number; resolution: number }> = {
  critical: { first: 1, resolution: 4 },
  high: { first: 4, resolution: 24 },
  medium: { first: 8, resolution: 72 },
  low: { first: 24, resolution: 168 },
};
const targets = (p: TicketPriority): SlaTargets => ({
  name: p,
  firstResponseMinutes: DEFAULTS[p].first * 60,
  resolutionMinutes: DEFAULTS[p].resolution * 60,
});

const T0 = Date.parse("2026-11-26T09:30:00.000Z");
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();
const clock = (over: Partial<SlaClock> = {}): SlaClock => ({
  createdAt: iso(T0),
  pausedMs: 0,
  pausedAt: null,
  firstResponseAt: null,
  resolvedAt: null,
  ...over,
});

describe("due dates per priority (24/7 calendar)", () => {
  it.each(Object.entries(DEFAULTS) as [TicketPriority, { first: number; resolution: number }][])(
    "%s: first response +%o",
    (priority, hours) => {
      const due = dueDates(targets(priority), clock());
      expect(due.firstResponseDueAt).toBe(iso(T0 + hours.first * HOUR));
      expect(due.resolutionDueAt).toBe(iso(T0 + hours.resolution * HOUR));
    },
  );

  it("completed pauses push both due dates by the paused time", () => {
    const due = dueDates(targets("high"), clock({ pausedMs: 90 * MIN }));
    expect(due.firstResponseDueAt).toBe(iso(T0 + 4 * HOUR + 90 * MIN));
    expect(due.resolutionDueAt).toBe(iso(T0 + 24 * HOUR + 90 * MIN));
  });

  it("minute-level targets are honoured exactly", () => {
    const due = dueDates({ name: "x", firstResponseMinutes: 1, resolutionMinutes: 61 }, clock());
    expect(due).toEqual({ firstResponseDueAt: iso(T0 + MIN), resolutionDueAt: iso(T0 + 61 * MIN) });
  });
});

describe("pause and resume", () => {
  it("resuming adds the running pause to the completed ones", () => {
    const r = resume({ pausedMs: 10 * MIN, pausedAt: iso(T0 + HOUR) }, iso(T0 + 3 * HOUR));
    expect(r).toEqual({ pausedMs: 10 * MIN + 2 * HOUR, pausedAt: null });
  });

  it("resuming a clock that is not paused changes nothing", () => {
    expect(resume({ pausedMs: 5, pausedAt: null }, iso(T0))).toEqual({ pausedMs: 5, pausedAt: null });
  });

  it("a pause that 'ends' before it began never shortens the clock", () => {
    expect(resume({ pausedMs: 0, pausedAt: iso(T0 + HOUR) }, iso(T0))).toEqual({ pausedMs: 0, pausedAt: null });
  });

  it("pause 2 h then resume: due dates move by exactly 2 h", () => {
    const before = dueDates(targets("critical"), clock());
    const { pausedMs } = resume({ pausedMs: 0, pausedAt: iso(T0 + 30 * MIN) }, iso(T0 + 150 * MIN));
    const after = dueDates(targets("critical"), clock({ pausedMs }));
    expect(Date.parse(after.firstResponseDueAt) - Date.parse(before.firstResponseDueAt)).toBe(2 * HOUR);
    expect(Date.parse(after.resolutionDueAt) - Date.parse(before.resolutionDueAt)).toBe(2 * HOUR);
  });
});

describe("breaches", () => {
  const due = dueDates(targets("critical"), clock()); // first response T0+1h, resolution T0+4h

  it("nothing is breached before the due dates", () => {
    expect(breaches(due, clock(), iso(T0 + 59 * MIN))).toEqual([]);
  });

  it("a due date reached exactly is not yet breached; one ms later it is", () => {
    expect(breaches(due, clock(), iso(T0 + HOUR))).toEqual([]);
    expect(breaches(due, clock(), iso(T0 + HOUR + 1))).toEqual(["first_response"]);
  });

  it("unmet targets past due are breached", () => {
    expect(breaches(due, clock(), iso(T0 + 5 * HOUR))).toEqual(["first_response", "resolution"]);
  });

  it("a target met in time stays met however late it is now", () => {
    const c = clock({ firstResponseAt: iso(T0 + 30 * MIN), resolvedAt: iso(T0 + 3 * HOUR) });
    expect(breaches(due, c, iso(T0 + 100 * HOUR))).toEqual([]);
  });

  it("a target met late is breached", () => {
    const c = clock({ firstResponseAt: iso(T0 + 2 * HOUR), resolvedAt: iso(T0 + 3 * HOUR) });
    expect(breaches(due, c, iso(T0 + 3 * HOUR))).toEqual(["first_response"]);
  });

  it("while paused the clock stands still: breaches do not grow", () => {
    const paused = clock({ pausedAt: iso(T0 + 30 * MIN) });
    expect(breaches(due, paused, iso(T0 + 10 * HOUR))).toEqual([]);
    expect(breaches(due, paused, iso(T0 + 1000 * HOUR))).toEqual([]);
  });

  it("a breach that happened before the pause stays, and no new one is added while paused", () => {
    const paused = clock({ pausedAt: iso(T0 + 2 * HOUR) }); // first response already late at the pause
    expect(breaches(due, paused, iso(T0 + 1000 * HOUR))).toEqual(["first_response"]);
  });
});

describe("nextDue", () => {
  const due = dueDates(targets("medium"), clock());
  it("is the first response due until someone answers", () => {
    expect(nextDue(due, clock())).toBe(due.firstResponseDueAt);
  });
  it("then the resolution due", () => {
    expect(nextDue(due, clock({ firstResponseAt: iso(T0 + MIN) }))).toBe(due.resolutionDueAt);
  });
  it("nothing while paused or once resolved", () => {
    expect(nextDue(due, clock({ pausedAt: iso(T0) }))).toBeNull();
    expect(nextDue(due, clock({ firstResponseAt: iso(T0), resolvedAt: iso(T0 + HOUR) }))).toBeNull();
  });
});
