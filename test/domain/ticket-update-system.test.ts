import { describe, expect, it } from "vitest";
import type { TicketPriority } from "../../src/domain/vocabulary";
import type { SlaTargets } from "../../src/domain/sla";
import { applyEdit, type TicketState } from "../../src/domain/ticket-update";

// The system (cron jobs, SLA escalation) edits with actor null: any change the workflow allows,
// no role rules, and never one the workflow refuses.
const targetsFor = (p: TicketPriority): SlaTargets => ({ name: p, firstResponseMinutes: 60, resolutionMinutes: 240 });
const T0 = Date.parse("2026-11-26T09:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

const ticket = (over: Partial<TicketState> = {}): TicketState => ({
  subject: "s",
  description: "d",
  status: "open",
  priority: "medium",
  category: null,
  tags: [],
  assigneeId: null,
  teamId: null,
  requesterId: "cust",
  createdAt: iso(T0),
  firstResponseAt: null,
  resolvedAt: null,
  closedAt: null,
  slaPolicy: "medium",
  firstResponseDueAt: iso(T0 + 3_600_000),
  resolutionDueAt: iso(T0 + 4 * 3_600_000),
  slaPausedAt: null,
  slaPausedMs: 0,
  slaBreached: false,
  slaNextDueAt: iso(T0 + 3_600_000),
  ...over,
});

const bySystem = (current: TicketState, edit: Parameters<typeof applyEdit>[0]["edit"], at = T0 + 60_000) =>
  applyEdit({ actor: null, current, edit, targetsFor, reopenWindowDays: 7, now: new Date(at) });

describe("edits by the system (actor null)", () => {
  it.each([
    ["closes a resolved ticket (auto-close)", ticket({ status: "resolved", resolvedAt: iso(T0) }), { status: "closed" as const }],
    ["assigns to anyone (escalation to a manager)", ticket(), { assigneeId: "manager-1" }],
    ["raises the priority", ticket(), { priority: "high" as const }],
    ["moves the ticket to a team", ticket(), { teamId: "team-1" }],
    ["resolves", ticket(), { status: "resolved" as const }],
  ])("%s", (_what, current, edit) => {
    const r = bySystem(current, edit);
    expect(r.ok).toBe(true);
  });

  it.each([
    ["reopen a cancelled ticket", ticket({ status: "cancelled" }), { status: "open" as const }],
    ["close an open ticket", ticket(), { status: "closed" as const }],
    ["reopen a ticket closed longer than the window", ticket({ status: "closed", resolvedAt: iso(T0), closedAt: iso(T0) }), { status: "open" as const }, T0 + 8 * 86_400_000],
  ])("may not %s (the workflow binds it too)", (_what, current, edit, at = T0 + 60_000) => {
    expect(bySystem(current, edit, at)).toMatchObject({ ok: false, reason: "invalid_transition" });
  });

  it("a closing stamp is the system's clock", () => {
    const r = bySystem(ticket({ status: "resolved", resolvedAt: iso(T0) }), { status: "closed" }, T0 + 3 * 86_400_000);
    expect(r.ok && r.next.closedAt).toBe(iso(T0 + 3 * 86_400_000));
  });
});
