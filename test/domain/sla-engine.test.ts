import { describe, expect, it } from "vitest";
import { NO_DUE } from "../../src/domain/vocabulary";
import type { BusinessCalendar, BusinessInterval, Weekday } from "../../src/domain/business-hours";
import {
  openSla,
  retargetSla,
  settleSla,
  slaOnMessage,
  slaOnStatus,
  slaView,
  sweepSla,
  type SlaState,
  type SlaTargets,
  type SlaTerms,
} from "../../src/domain/sla";

// ------------------------------------------------------------------------------------------------
// Fixtures

const MON_FRI: Weekday[] = [1, 2, 3, 4, 5];
const EVERY_DAY: Weekday[] = [1, 2, 3, 4, 5, 6, 7];
const hours = (start: string, end: string, days: Weekday[] = MON_FRI): BusinessInterval[] => days.map((day) => ({ day, start, end }));
const cal = (timeZone: string, intervals: BusinessInterval[], holidays: string[] = []): BusinessCalendar => ({ timeZone, intervals, holidays });

const BERLIN = cal("Europe/Berlin", hours("09:00", "18:00"), ["2026-12-25", "2026-12-26", "2027-01-01"]);
const NEW_YORK = cal("America/New_York", hours("09:00", "17:00"));
const BERLIN_NIGHTS = cal("Europe/Berlin", hours("22:00", "06:00", EVERY_DAY));
const ALWAYS_BUT_XMAS = cal("UTC", [], ["2026-12-25"]);

/** API.md defaults in minutes, with next response = first response. */
const POLICY: Record<string, SlaTargets> = {
  critical: { name: "critical", firstResponseMinutes: 60, nextResponseMinutes: 60, resolutionMinutes: 240, escalationMinutes: 120 },
  high: { name: "high", firstResponseMinutes: 240, nextResponseMinutes: 240, resolutionMinutes: 1440, escalationMinutes: 480 },
  medium: { name: "medium", firstResponseMinutes: 480, nextResponseMinutes: 480, resolutionMinutes: 4320, escalationMinutes: 1440 },
};
const terms = (policy: keyof typeof POLICY, calendar: BusinessCalendar | null = null): SlaTerms => ({ targets: POLICY[policy]!, calendar });

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (iso: string, plusMs = 0) => new Date(Date.parse(iso) + plusMs).toISOString();

// ------------------------------------------------------------------------------------------------
// Due dates

describe("due dates of a new ticket", () => {
  it.each([
    // [what, policy, calendar, created (UTC), first response due, resolution due]
    ["24/7: creation plus the table's hours", "critical", null, "2026-11-27T16:55:00.000Z", "2026-11-27T17:55:00.000Z", "2026-11-27T20:55:00.000Z"],
    // Friday 17:55 CET in a 9–18 Mon–Fri calendar: 5 minutes on Friday, the rest on Monday.
    ["Berlin, Friday 17:55, over the weekend", "critical", BERLIN, "2026-11-27T16:55:00.000Z", "2026-11-30T08:55:00.000Z", "2026-11-30T11:55:00.000Z"],
    ["Berlin, opened on Saturday: the clock starts Monday 09:00", "critical", BERLIN, "2026-11-28T09:00:00.000Z", "2026-11-30T09:00:00.000Z", "2026-11-30T12:00:00.000Z"],
    // Thursday 24 Dec 17:30 CET; 25 and 26 Dec are holidays, then the weekend.
    ["Berlin, Christmas holidays", "critical", BERLIN, "2026-12-24T16:30:00.000Z", "2026-12-28T08:30:00.000Z", "2026-12-28T11:30:00.000Z"],
    // Spring forward (Sun 29 Mar): Friday 17:00 CET = 16:00Z; Monday 09:00 is CEST = 07:00Z.
    ["Berlin, over the spring DST change", "high", BERLIN, "2026-03-27T16:00:00.000Z", "2026-03-30T10:00:00.000Z", "2026-04-01T12:00:00.000Z"],
    // Fall back (Sun 25 Oct): Friday 17:00 CEST = 15:00Z; Monday 09:00 is CET = 08:00Z.
    ["Berlin, over the autumn DST change", "high", BERLIN, "2026-10-23T15:00:00.000Z", "2026-10-26T11:00:00.000Z", "2026-10-28T13:00:00.000Z"],
    // New York springs forward on Sun 8 Mar: Friday 16:00 EST = 21:00Z; Monday 09:00 EDT = 13:00Z.
    ["New York, over the spring DST change", "high", NEW_YORK, "2026-03-06T21:00:00.000Z", "2026-03-09T16:00:00.000Z", "2026-03-11T20:00:00.000Z"],
    // Falls back on Sun 1 Nov: Friday 16:30 EDT = 20:30Z; Monday 09:00 EST = 14:00Z.
    ["New York, over the autumn DST change", "critical", NEW_YORK, "2026-10-30T20:30:00.000Z", "2026-11-02T14:30:00.000Z", "2026-11-02T17:30:00.000Z"],
    // 22:00–06:00 every night (CET): opened 05:30 local, 30 minutes left that night, the rest from 22:00.
    ["overnight intervals", "critical", BERLIN_NIGHTS, "2026-11-25T04:30:00.000Z", "2026-11-25T21:30:00.000Z", "2026-11-26T00:30:00.000Z"],
    ["24/7 with a holiday: the holiday does not count", "critical", ALWAYS_BUT_XMAS, "2026-12-24T23:30:00.000Z", "2026-12-26T00:30:00.000Z", "2026-12-26T03:30:00.000Z"],
  ] as const)("%s", (_what, policy, calendar, created, firstDue, resolutionDue) => {
    const s = openSla(terms(policy, calendar), created);
    expect(s.firstResponseDueAt).toBe(firstDue);
    expect(s.resolutionDueAt).toBe(resolutionDue);
    expect(s.slaNextDueAt).toBe(firstDue);
    expect(s.nextResponseDueAt).toBeNull();
    expect(s.slaBreached).toBe(false);
  });
});

// ------------------------------------------------------------------------------------------------
// Pauses, priority changes, replies

/** A ticket through a list of steps, each at an instant. */
type Step =
  | { at: string; status: SlaState["status"] }
  | { at: string; message: "staff" | "customer" }
  | { at: string; retarget: keyof typeof POLICY };

function run(t: SlaTerms, created: string, steps: Step[]): { state: SlaState; terms: SlaTerms } {
  let current = t;
  let s = openSla(current, created);
  for (const step of steps) {
    if ("status" in step) s = slaOnStatus(current, s, step.status, step.at);
    else if ("message" in step) s = slaOnMessage(current, s, step.message, step.at);
    else {
      current = { ...current, targets: POLICY[step.retarget]! };
      s = retargetSla(current, s, step.at);
      continue;
    }
    s = settleSla(current, s, step.at);
  }
  return { state: s, terms: current };
}

describe("pauses are measured in business time", () => {
  // Berlin, created Monday 23 Nov 09:00 CET (08:00Z), medium: first response due 17:00 the same day.
  const MONDAY_9 = "2026-11-23T08:00:00.000Z";

  it("pending from Monday 10:00 to Tuesday 10:00 pauses 9 business hours; the first response moves to Tuesday 17:00", () => {
    const { state } = run(terms("medium", BERLIN), MONDAY_9, [
      { at: "2026-11-23T09:00:00.000Z", status: "pending" },
      { at: "2026-11-24T09:00:00.000Z", status: "open" },
    ]);
    expect(state.slaPausedMs).toBe(9 * HOUR);
    expect(state.firstResponseDueAt).toBe("2026-11-24T16:00:00.000Z");
    expect(state.slaNextDueAt).toBe("2026-11-24T16:00:00.000Z");
  });

  it("a pause over the weekend counts only its business part (Friday 17:00 → Monday 09:30 = 90 minutes)", () => {
    const { state } = run(terms("medium", BERLIN), MONDAY_9, [
      { at: "2026-11-27T16:00:00.000Z", status: "pending" },
      { at: "2026-11-30T08:30:00.000Z", status: "in_progress" },
    ]);
    expect(state.slaPausedMs).toBe(90 * MIN);
  });

  it("while pending no due date runs and nothing breaches, however long", () => {
    const { state } = run(terms("critical", BERLIN), MONDAY_9, [{ at: "2026-11-23T08:30:00.000Z", status: "pending" }]);
    expect(state.slaNextDueAt).toBe(NO_DUE);
    const later = settleSla(terms("critical", BERLIN), state, "2026-12-30T00:00:00.000Z");
    expect(later.slaBreached).toBe(false);
    expect(slaView(later, "2026-12-30T00:00:00.000Z").breaches).toEqual([]);
  });

  it("a reply while pending is judged by the clock, not the wall: on time if the time had not run out at the pause", () => {
    // Critical, 30 minutes used at the pause; the reply comes a day later, still paused.
    const { state } = run(terms("critical", BERLIN), MONDAY_9, [
      { at: "2026-11-23T08:30:00.000Z", status: "pending" },
      { at: "2026-11-24T12:00:00.000Z", message: "staff" },
    ]);
    expect(state.firstResponseAt).toBe("2026-11-24T12:00:00.000Z");
    expect(state.firstResponseMinutes).toBe(30);
    expect(state.firstResponseBreached).toBe(false);
    expect(slaView(state, "2026-11-24T12:00:00.000Z").breaches).toEqual([]);
  });

  it("resolving from pending counts the resolution time without the pause", () => {
    const { state } = run(terms("medium", BERLIN), MONDAY_9, [
      { at: "2026-11-23T10:00:00.000Z", status: "pending" }, // 2 h used
      { at: "2026-11-25T10:00:00.000Z", status: "resolved" }, // paused 2 business days
    ]);
    expect(state.resolvedAt).toBe("2026-11-25T10:00:00.000Z");
    expect(state.resolutionMinutes).toBe(120);
    expect(state.slaNextDueAt).toBe(NO_DUE);
  });
});

describe("a priority change mid-flight re-targets from creation", () => {
  const MONDAY_9 = "2026-11-23T08:00:00.000Z";
  it.each([
    // [to, change at, first response due, breached]
    ["high", "2026-11-23T10:00:00.000Z", "2026-11-23T12:00:00.000Z", false],
    ["critical", "2026-11-23T10:30:00.000Z", "2026-11-23T09:00:00.000Z", true],
  ] as const)("medium → %s at %s", (to, when, due, breached) => {
    const { state } = run(terms("medium", BERLIN), MONDAY_9, [{ at: when, retarget: to }]);
    expect(state.firstResponseDueAt).toBe(due);
    expect(state.firstResponseBreached).toBe(breached);
    expect(state.slaBreached).toBe(breached);
  });

  it("after a pause the new targets keep the paused time", () => {
    const { state } = run(terms("medium", BERLIN), MONDAY_9, [
      { at: "2026-11-23T09:00:00.000Z", status: "pending" },
      { at: "2026-11-24T09:00:00.000Z", status: "open" }, // 9 business hours paused
      { at: "2026-11-24T09:30:00.000Z", retarget: "high" }, // 4 h + 9 h paused from Monday 09:00: Tuesday 13:00 CET
    ]);
    expect(state.firstResponseDueAt).toBe("2026-11-24T12:00:00.000Z");
  });

  it("a met first response keeps its due date when the priority changes later", () => {
    const { state } = run(terms("medium", BERLIN), MONDAY_9, [
      { at: "2026-11-23T09:00:00.000Z", message: "staff" },
      { at: "2026-11-23T12:00:00.000Z", retarget: "critical" },
    ]);
    expect(state.firstResponseDueAt).toBe("2026-11-23T16:00:00.000Z");
    expect(state.firstResponseBreached).toBe(false);
    expect(state.resolutionDueAt).toBe("2026-11-23T12:00:00.000Z");
  });
});

describe("next response", () => {
  const MONDAY_9 = "2026-11-23T08:00:00.000Z";
  const T = terms("critical", BERLIN);

  it("is not armed before the first response", () => {
    const { state } = run(T, MONDAY_9, [{ at: "2026-11-23T08:20:00.000Z", message: "customer" }]);
    expect(state.nextResponseStartedMs).toBeNull();
    expect(slaView(state, "2026-11-23T08:20:00.000Z").nextResponseDueAt).toBeNull();
  });

  it("is armed by the customer's message after the first response, over closed hours, and met by the next staff reply", () => {
    const { state } = run(T, MONDAY_9, [
      { at: "2026-11-23T08:30:00.000Z", message: "staff" },
      { at: "2026-11-23T16:30:00.000Z", message: "customer" }, // 17:30 CET: 30 minutes left today
    ]);
    expect(state.nextResponseDueAt).toBe("2026-11-24T08:30:00.000Z"); // Tuesday 09:30 CET
    expect(state.slaNextDueAt).toBe("2026-11-23T12:00:00.000Z"); // the resolution (4 h from 09:00) is nearer
    const met = settleSla(T, slaOnMessage(T, state, "staff", "2026-11-24T08:20:00.000Z"), "2026-11-24T08:20:00.000Z");
    expect(met.nextResponseStartedMs).toBeNull();
    expect(met.nextResponseBreached).toBe(false);
    expect(slaView(met, "2026-11-24T08:20:00.000Z").nextResponseDueAt).toBeNull();
  });

  it("re-arms after each answered message; a second message before the answer keeps the first's due date", () => {
    const steps: Step[] = [
      { at: "2026-11-23T08:10:00.000Z", message: "staff" },
      { at: "2026-11-23T08:20:00.000Z", message: "customer" },
      { at: "2026-11-23T08:50:00.000Z", message: "customer" },
    ];
    const { state } = run(T, MONDAY_9, steps);
    expect(state.nextResponseDueAt).toBe("2026-11-23T09:20:00.000Z");
    const answered = run(T, MONDAY_9, [...steps, { at: "2026-11-23T09:00:00.000Z", message: "staff" }, { at: "2026-11-23T09:30:00.000Z", message: "customer" }]);
    expect(answered.state.nextResponseDueAt).toBe("2026-11-23T10:30:00.000Z");
    expect(answered.state.nextResponseBreached).toBe(false);
  });

  it("an answer after the due date breaches the next response (flag set by the reply itself)", () => {
    const { state } = run(T, MONDAY_9, [
      { at: "2026-11-23T08:10:00.000Z", message: "staff" },
      { at: "2026-11-23T08:20:00.000Z", message: "customer" },
      { at: "2026-11-23T09:40:00.000Z", message: "staff" },
    ]);
    expect(state.nextResponseBreached).toBe(true);
    expect(state.slaBreached).toBe(true);
    expect(slaView(state, "2026-11-23T09:40:00.000Z").breaches).toEqual(["next_response"]);
    // The sweep still has to announce it.
    expect(state.slaCheckAt <= "2026-11-23T09:40:00.000Z").toBe(true);
  });

  it("a new cycle clears its own at-risk announcement bit only", () => {
    const s = { ...run(T, MONDAY_9, [{ at: "2026-11-23T08:10:00.000Z", message: "staff" }]).state, slaWarned: 0b111 };
    expect(slaOnMessage(T, s, "customer", "2026-11-23T08:20:00.000Z").slaWarned).toBe(0b101);
  });
});

describe("resolving and reopening", () => {
  it("the clock keeps running while resolved if the ticket is reopened (reopening does not forgive the wait)", () => {
    const { state } = run(terms("critical"), "2026-11-23T08:00:00.000Z", [
      { at: "2026-11-23T08:10:00.000Z", message: "staff" },
      { at: "2026-11-23T09:00:00.000Z", status: "resolved" },
      { at: "2026-11-23T13:00:00.000Z", status: "open" },
    ]);
    expect(state.resolvedAt).toBeNull();
    expect(state.resolutionMinutes).toBeNull();
    expect(state.resolutionBreached).toBe(true); // due 12:00, the ticket is open again at 13:00
  });

  it("resolution minutes exclude pauses", () => {
    const { state } = run(terms("medium"), "2026-11-23T08:00:00.000Z", [
      { at: "2026-11-23T09:00:00.000Z", status: "pending" },
      { at: "2026-11-23T19:00:00.000Z", status: "open" },
      { at: "2026-11-23T20:00:00.000Z", status: "resolved" },
    ]);
    expect(state.resolutionMinutes).toBe(120);
  });
});

// ------------------------------------------------------------------------------------------------
// The sweep

describe("the sweep's step", () => {
  const T = terms("critical"); // 24/7: fr 60, res 240, escalation 120
  const C = "2026-11-23T08:00:00.000Z";

  it("does nothing before the risk point; announces at-risk once at 80 %; a breach once after the due date", () => {
    let s = openSla(T, C);
    expect(s.slaCheckAt).toBe(at(C, 48 * MIN));
    expect(s.slaAtRiskAt).toBe(at(C, 48 * MIN));

    const early = sweepSla(T, s, at(C, 47 * MIN));
    expect(early).toMatchObject({ breached: [], atRisk: [], escalation: null });

    const risky = sweepSla(T, s, at(C, 48 * MIN));
    expect(risky).toMatchObject({ breached: [], atRisk: ["first_response"], escalation: null });
    s = risky.next;
    // Breached from the first instant past the due date: a check at the due date itself would read it for nothing.
    expect(s.slaCheckAt).toBe(at(C, 60 * MIN + 1));
    expect(sweepSla(T, s, at(C, 60 * MIN))).toMatchObject({ breached: [], atRisk: [] });
    expect(slaView(s, at(C, 50 * MIN)).atRisk).toBe(true);
    expect(sweepSla(T, s, at(C, 50 * MIN))).toMatchObject({ breached: [], atRisk: [] });

    const late = sweepSla(T, s, at(C, 61 * MIN));
    expect(late.breached).toEqual(["first_response"]);
    expect(late.escalation).toEqual({ cause: "breach", targets: ["first_response"] });
    s = late.next;
    expect(s).toMatchObject({ firstResponseBreached: true, slaBreached: true, slaEscalated: true });
    // Next: the resolution's risk point (80 % of 240 min).
    expect(s.slaCheckAt).toBe(at(C, 192 * MIN));
    expect(sweepSla(T, s, at(C, 62 * MIN))).toMatchObject({ breached: [], atRisk: [], escalation: null });
  });

  it("a breach the reply already flagged is announced by the sweep, once", () => {
    let s = settleSla(T, slaOnMessage(T, openSla(T, C), "staff", at(C, 70 * MIN)), at(C, 70 * MIN));
    expect(s.firstResponseBreached).toBe(true);
    const step = sweepSla(T, s, at(C, 71 * MIN));
    expect(step.breached).toEqual(["first_response"]);
    s = step.next;
    expect(sweepSla(T, s, at(C, 72 * MIN)).breached).toEqual([]);
  });

  it("several targets due in one run are all announced; the at-risk of a breached target is not", () => {
    const step = sweepSla(T, openSla(T, C), at(C, 5 * HOUR));
    expect(step.breached).toEqual(["first_response", "resolution"]);
    expect(step.atRisk).toEqual([]);
  });

  it("the escalation checkpoint fires once for an unresolved ticket that breached nothing", () => {
    let s = settleSla(T, slaOnMessage(T, openSla(T, C), "staff", at(C, 10 * MIN)), at(C, 10 * MIN));
    s = sweepSla(T, s, at(C, 119 * MIN)).next;
    const step = sweepSla(T, s, at(C, 120 * MIN));
    expect(step.escalation).toEqual({ cause: "unresolved", minutes: 120 });
    expect(sweepSla(T, step.next, at(C, 121 * MIN)).escalation).toBeNull();
  });

  it("a resolved ticket has nothing left to check", () => {
    const s = settleSla(T, slaOnStatus(T, settleSla(T, slaOnMessage(T, openSla(T, C), "staff", at(C, MIN)), at(C, MIN)), "resolved", at(C, 30 * MIN)), at(C, 30 * MIN));
    expect(s.slaCheckAt).toBe(NO_DUE);
    expect(s.slaAtRiskAt).toBe(NO_DUE);
    expect(s.slaNextDueAt).toBe(NO_DUE);
  });

  it("a paused ticket is checked only for what happened before the pause", () => {
    const paused = settleSla(T, slaOnStatus(T, openSla(T, C), "pending", at(C, 50 * MIN)), at(C, 50 * MIN));
    // 80 % (48 min) passed before the pause: still to announce; nothing else.
    expect(paused.slaCheckAt).toBe(at(C, 48 * MIN));
    const step = sweepSla(T, paused, at(C, 10 * HOUR));
    expect(step).toMatchObject({ breached: [], atRisk: ["first_response"], escalation: null });
    expect(step.next.slaCheckAt).toBe(NO_DUE);
  });
});
