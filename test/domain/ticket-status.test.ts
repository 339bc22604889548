import { describe, expect, it } from "vitest";
import { TICKET_STATUSES, type TicketStatus } from "../../src/domain/vocabulary";
import { allowedTransitions, checkTransition } from "../../src/domain/ticket-status";

// API.md "Status transitions", written out independently of the implementation.
const TABLE: Record<TicketStatus, TicketStatus[]> = {
  open: ["in_progress", "pending", "resolved", "cancelled"],
  in_progress: ["open", "pending", "resolved", "cancelled"],
  pending: ["open", "in_progress", "resolved", "cancelled"],
  resolved: ["closed", "open"],
  closed: ["open"],
  cancelled: [],
};

const NOW = new Date("2026-11-26T12:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const WINDOW = 7;

const pairs = TICKET_STATUSES.flatMap((from) => TICKET_STATUSES.map((to) => ({ from, to, ok: TABLE[from].includes(to) })));

describe("status transitions: every from → to pair", () => {
  it("covers all 36 pairs", () => {
    expect(pairs).toHaveLength(36);
    expect(pairs.filter((p) => p.ok)).toHaveLength(4 + 4 + 4 + 2 + 1);
  });

  it.each(pairs)("$from → $to allowed: $ok", ({ from, to, ok }) => {
    // A closed ticket closed an hour ago is inside the reopen window.
    const closedAt = from === "closed" ? ago(HOUR) : null;
    const result = checkTransition({ from, to, closedAt, reopenWindowDays: WINDOW, now: NOW });
    expect(result.ok).toBe(ok);
    if (!result.ok) {
      expect(result.reason).toBe("not_allowed");
      // The refusal names exactly the targets the table allows from here.
      expect([...result.allowed].sort()).toEqual([...TABLE[from]].sort());
    }
  });

  it("a status never 'moves' to itself", () => {
    for (const s of TICKET_STATUSES) {
      expect(checkTransition({ from: s, to: s, closedAt: ago(HOUR), reopenWindowDays: WINDOW, now: NOW }).ok).toBe(false);
    }
  });

  it("cancelled is terminal: nothing is allowed", () => {
    expect(allowedTransitions({ from: "cancelled", closedAt: null, reopenWindowDays: WINDOW, now: NOW })).toEqual([]);
  });
});

describe("reopening a closed ticket: the 7-day window", () => {
  const reopen = (closedAgoMs: number, days = WINDOW) =>
    checkTransition({ from: "closed", to: "open", closedAt: ago(closedAgoMs), reopenWindowDays: days, now: NOW });

  it.each([
    ["just closed", 0, true],
    ["6 days 23 hours ago", 6 * DAY + 23 * HOUR, true],
    ["exactly 7 days ago", 7 * DAY, true],
    ["7 days and 1 ms ago", 7 * DAY + 1, false],
    ["30 days ago", 30 * DAY, false],
  ] as const)("closed %s → reopen allowed: %s", (_label, ms, ok) => {
    const result = reopen(ms);
    expect(result.ok).toBe(ok);
    if (!result.ok) {
      expect(result.reason).toBe("reopen_window_passed");
      expect(result.allowed).toEqual([]);
    }
  });

  it("the window is a setting", () => {
    expect(reopen(2 * DAY, 3).ok).toBe(true);
    expect(reopen(3 * DAY + 1, 3).ok).toBe(false);
    expect(reopen(HOUR, 0).ok).toBe(false);
  });

  it("past the window a closed ticket allows no target at all", () => {
    expect(allowedTransitions({ from: "closed", closedAt: ago(8 * DAY), reopenWindowDays: WINDOW, now: NOW })).toEqual([]);
    expect(allowedTransitions({ from: "closed", closedAt: ago(DAY), reopenWindowDays: WINDOW, now: NOW })).toEqual(["open"]);
  });

  it("the window only concerns closed tickets: a resolved ticket resolved long ago still reopens", () => {
    expect(checkTransition({ from: "resolved", to: "open", closedAt: null, reopenWindowDays: WINDOW, now: NOW }).ok).toBe(true);
  });

  it("other targets from closed are refused as not allowed, not as a window problem", () => {
    const r = checkTransition({ from: "closed", to: "resolved", closedAt: ago(HOUR), reopenWindowDays: WINDOW, now: NOW });
    expect(r).toMatchObject({ ok: false, reason: "not_allowed", allowed: ["open"] });
  });
});
