import { describe, expect, it } from "vitest";
import type { TicketPriority } from "../../src/domain/vocabulary";
import {
  breaches,
  dueDates,
  nextDue,
  openSla,
  resume,
  settleSla,
  slaOnMessage,
  slaOnStatus,
  slaView,
  type SlaClock,
  type SlaState,
  type SlaTargets,
  type SlaTerms,
} from "../../src/domain/sla";

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

// The foundation's building blocks (dueDates, resume, breaches, nextDue) first, then the engine made of them.
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

// ------------------------------------------------------------------------------------------------
// The engine the services run on (openSla → slaOnStatus/slaOnMessage → settleSla), on the 24/7 calendar.

const terms = (p: TicketPriority): SlaTerms => ({ targets: targets(p), calendar: null });
const at = (ms: number) => iso(T0 + ms);
/** A status change as the services make it: the clock's share, then settling. */
const move = (p: TicketPriority, s: SlaState, to: SlaState["status"], ms: number) => settleSla(terms(p), slaOnStatus(terms(p), s, to, at(ms)), at(ms));

describe("engine: a new ticket", () => {
  it.each(Object.entries(DEFAULTS) as [TicketPriority, { first: number; resolution: number }][])("%s: due dates are creation plus the table's hours", (p, hours) => {
    const s = openSla(terms(p), iso(T0));
    expect(s).toMatchObject({
      status: "open",
      firstResponseDueAt: at(hours.first * HOUR),
      resolutionDueAt: at(hours.resolution * HOUR),
      slaNextDueAt: at(hours.first * HOUR),
      slaBreached: false,
      slaPausedAt: null,
      slaPausedMs: 0,
    });
  });
});

describe("engine: pending pauses the clock", () => {
  it("pause 1 h → 3 h: due dates move by exactly 2 h; nothing is due while paused", () => {
    const open = openSla(terms("high"), iso(T0));
    const pending = move("high", open, "pending", HOUR);
    expect(pending).toMatchObject({ slaPausedAt: at(HOUR), slaNextDueAt: "9999-12-31T23:59:59.999Z" });
    const resumed = move("high", pending, "open", 3 * HOUR);
    expect(resumed).toMatchObject({
      slaPausedAt: null,
      slaPausedMs: 2 * HOUR,
      firstResponseDueAt: at(6 * HOUR),
      resolutionDueAt: at(26 * HOUR),
      slaNextDueAt: at(6 * HOUR),
      slaBreached: false,
    });
  });

  it("while paused, settling at any later instant adds no breach", () => {
    const pending = move("critical", openSla(terms("critical"), iso(T0)), "pending", 30 * MIN);
    for (const later of [2 * HOUR, 10 * HOUR, 1000 * HOUR]) {
      const settled = settleSla(terms("critical"), pending, at(later));
      expect(settled.slaBreached).toBe(false);
      expect(slaView(settled, at(later)).breaches).toEqual([]);
    }
  });

  it("a breach from before the pause stays; the pause adds no other", () => {
    const pending = move("critical", openSla(terms("critical"), iso(T0)), "pending", 2 * HOUR); // first response due at 1 h
    const settled = settleSla(terms("critical"), pending, at(1000 * HOUR));
    expect(slaView(settled, at(1000 * HOUR)).breaches).toEqual(["first_response"]);
  });

  it("after resuming, the pushed due date is what counts", () => {
    const resumed = move("critical", move("critical", openSla(terms("critical"), iso(T0)), "pending", 30 * MIN), "open", 5 * HOUR + 30 * MIN);
    expect(resumed.firstResponseDueAt).toBe(at(6 * HOUR));
    expect(slaView(settleSla(terms("critical"), resumed, at(6 * HOUR)), at(6 * HOUR)).breaches).toEqual([]);
    expect(slaView(settleSla(terms("critical"), resumed, at(6 * HOUR + 1)), at(6 * HOUR + 1)).breaches).toEqual(["first_response"]);
  });
});

describe("engine: responses and resolution", () => {
  it("the first staff reply meets the first response; the resolution target runs on", () => {
    const s = openSla(terms("medium"), iso(T0));
    const replied = settleSla(terms("medium"), slaOnMessage(terms("medium"), s, "staff", at(HOUR)), at(HOUR));
    expect(replied).toMatchObject({ firstResponseAt: at(HOUR), slaBreached: false, slaNextDueAt: at(72 * HOUR) });
  });

  it("a customer message does not meet the first response", () => {
    const s = openSla(terms("medium"), iso(T0));
    const msg = settleSla(terms("medium"), slaOnMessage(terms("medium"), s, "customer", at(HOUR)), at(HOUR));
    expect(msg.firstResponseAt).toBeNull();
  });

  it("resolving stops the clock; reopening clears the resolution and runs it again", () => {
    const s = openSla(terms("critical"), iso(T0));
    const resolved = move("critical", s, "resolved", 2 * HOUR);
    expect(resolved).toMatchObject({ resolvedAt: at(2 * HOUR), slaNextDueAt: "9999-12-31T23:59:59.999Z" });
    expect(slaView(settleSla(terms("critical"), resolved, at(1000 * HOUR)), at(1000 * HOUR)).breaches).toEqual(["first_response"]);
    const reopened = move("critical", resolved, "open", 3 * HOUR);
    expect(reopened).toMatchObject({ resolvedAt: null, resolutionDueAt: at(4 * HOUR) });
  });
});
