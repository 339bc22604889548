import { describe, expect, it } from "vitest";
import { NO_DUE, TICKET_PRIORITIES, type TicketPriority, type TicketStatus } from "../../src/domain/vocabulary";
import type { Role } from "../../src/domain/permissions";
import type { SlaTargets } from "../../src/domain/sla";
import { applyEdit, effectiveChanges, type TicketEdit, type TicketState, type UpdateInput } from "../../src/domain/ticket-update";

const HOURS: Record<TicketPriority, [number, number]> = { critical: [1, 4], high: [4, 24], medium: [8, 72], low: [24, 168] };
const targetsFor = (p: TicketPriority): SlaTargets => ({ name: p, firstResponseMinutes: HOURS[p][0] * 60, resolutionMinutes: HOURS[p][1] * 60 });

const T0 = Date.parse("2026-11-26T09:00:00.000Z");
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

const REQUESTER = "cust-1";
const actors: Record<Role, { id: string; role: Role }> = {
  customer: { id: REQUESTER, role: "customer" },
  agent: { id: "agent-1", role: "agent" },
  manager: { id: "mgr-1", role: "manager" },
  admin: { id: "adm-1", role: "admin" },
};

/** A medium ticket opened at T0, nobody answered yet. */
function ticket(over: Partial<TicketState> = {}): TicketState {
  return {
    subject: "Printer on fire",
    description: "It smells",
    status: "open",
    priority: "medium",
    category: null,
    tags: ["printer"],
    assigneeId: null,
    teamId: null,
    requesterId: REQUESTER,
    createdAt: iso(T0),
    firstResponseAt: null,
    resolvedAt: null,
    closedAt: null,
    slaPolicy: "medium",
    firstResponseDueAt: iso(T0 + 8 * HOUR),
    resolutionDueAt: iso(T0 + 72 * HOUR),
    slaPausedAt: null,
    slaPausedMs: 0,
    slaBreached: false,
    slaNextDueAt: iso(T0 + 8 * HOUR),
    ...over,
  };
}

const edit = (role: Role, current: TicketState, e: TicketEdit, at = T0 + HOUR, over: Partial<UpdateInput> = {}) =>
  applyEdit({ actor: actors[role], current, edit: e, targetsFor, reopenWindowDays: 7, now: new Date(at), ...over });

describe("field permissions per role", () => {
  const fieldEdits: [string, TicketEdit][] = [
    ["subject", { subject: "New subject" }],
    ["description", { description: "New description" }],
    ["priority", { priority: "high" }],
    ["category", { category: "billing" }],
    ["tags", { tags: ["printer", "urgent"] }],
  ];
  const cases = fieldEdits.flatMap(([field, e]) =>
    (["customer", "agent", "manager", "admin"] as Role[]).map((role) => ({ field, e, role, ok: role !== "customer" })),
  );
  it.each(cases)("$role changes $field → ok: $ok", ({ e, role, ok }) => {
    const r = edit(role, ticket(), e);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.reason).toBe("forbidden");
  });

  it.each([
    ["customer", "cust-1", false],
    ["customer", "agent-1", false],
    ["agent", "agent-1", true],
    ["agent", "agent-2", false],
    ["manager", "agent-2", true],
    ["admin", "agent-2", true],
  ] as const)("%s assigns to %s → ok: %s", (role, assignee, ok) => {
    const r = edit(role, ticket(), { assigneeId: assignee });
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.reason).toBe("forbidden");
  });

  it.each([
    ["customer", false],
    ["agent", false],
    ["manager", true],
    ["admin", true],
  ] as const)("%s moves the ticket to a team → ok: %s", (role, ok) => {
    expect(edit(role, ticket(), { teamId: "team-1" }).ok).toBe(ok);
  });

  it("a value equal to the current one is no change, so it needs no permission", () => {
    const r = edit("customer", ticket(), { priority: "medium", tags: ["printer"], subject: "Printer on fire", category: null });
    expect(r).toMatchObject({ ok: true, changes: {} });
  });

  it("one forbidden field refuses the whole edit", () => {
    expect(edit("customer", ticket(), { status: "cancelled", priority: "high" })).toMatchObject({ ok: false, reason: "forbidden" });
  });

  it("refusals name the wire field", () => {
    const r = edit("customer", ticket(), { priority: "low" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.detail).toContain("priority");
  });
});

describe("customer status changes", () => {
  const closedRecently = { status: "closed" as TicketStatus, resolvedAt: iso(T0), closedAt: iso(T0 + HOUR) };
  it.each([
    ["open", "cancelled", {}, true],
    ["in_progress", "cancelled", {}, true],
    ["pending", "cancelled", { slaPausedAt: iso(T0) }, true],
    ["resolved", "closed", { resolvedAt: iso(T0) }, true],
    ["resolved", "open", { resolvedAt: iso(T0) }, true],
    ["closed", "open", closedRecently, true],
    ["open", "resolved", {}, false],
    ["open", "in_progress", {}, false],
    ["open", "pending", {}, false],
    ["pending", "open", { slaPausedAt: iso(T0) }, false],
    ["in_progress", "resolved", {}, false],
  ] as const)("%s → %s: ok %s", (from, to, over, ok) => {
    const r = edit("customer", ticket({ status: from, ...over }), { status: to }, T0 + 2 * HOUR);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.reason).toBe("forbidden");
  });

  it("a workflow-invalid change is an invalid transition for everyone, customer or admin", () => {
    for (const role of ["customer", "admin"] as Role[]) {
      const r = edit(role, ticket({ status: "cancelled" }), { status: "open" });
      expect(r).toMatchObject({ ok: false, reason: "invalid_transition" });
      if (!r.ok) expect(r.detail).toContain("allowed: none");
    }
  });

  it("the refusal lists the allowed targets", () => {
    const r = edit("agent", ticket({ status: "resolved", resolvedAt: iso(T0) }), { status: "pending" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.detail).toMatch(/allowed: closed, open/);
  });

  it("an implied change (a customer's reply reopening a pending ticket) skips the role rules, not the workflow", () => {
    const pending = ticket({ status: "pending", slaPausedAt: iso(T0) });
    expect(edit("customer", pending, { status: "open" }, T0 + HOUR, { implied: true }).ok).toBe(true);
    expect(edit("customer", ticket({ status: "cancelled" }), { status: "open" }, T0 + HOUR, { implied: true }).ok).toBe(false);
  });
});

describe("resolution and close stamps", () => {
  it("resolving stamps resolved_at and stops the SLA clock", () => {
    const r = edit("agent", ticket(), { status: "resolved" }, T0 + 2 * HOUR);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.next.resolvedAt).toBe(iso(T0 + 2 * HOUR));
    expect(r.next.closedAt).toBeNull();
    expect(r.next.slaNextDueAt).toBe(NO_DUE);
    expect(r.changes).toEqual({ status: ["open", "resolved"] });
  });

  it("closing a resolved ticket keeps resolved_at and stamps closed_at", () => {
    const r = edit("customer", ticket({ status: "resolved", resolvedAt: iso(T0 + HOUR), slaNextDueAt: NO_DUE }), { status: "closed" }, T0 + 3 * HOUR);
    expect(r.ok && r.next).toMatchObject({ resolvedAt: iso(T0 + HOUR), closedAt: iso(T0 + 3 * HOUR), slaNextDueAt: NO_DUE });
  });

  it("reopening a resolved ticket clears resolved_at and restarts the clock", () => {
    const r = edit("customer", ticket({ status: "resolved", resolvedAt: iso(T0 + HOUR), slaNextDueAt: NO_DUE }), { status: "open" }, T0 + 2 * HOUR);
    expect(r.ok && r.next).toMatchObject({ status: "open", resolvedAt: null, closedAt: null, slaNextDueAt: iso(T0 + 8 * HOUR) });
  });

  it("reopening a closed ticket within the window clears both stamps", () => {
    const closed = ticket({ status: "closed", resolvedAt: iso(T0), closedAt: iso(T0 + HOUR), slaNextDueAt: NO_DUE, firstResponseAt: iso(T0) });
    const r = edit("customer", closed, { status: "open" }, T0 + HOUR + 6 * DAY + 23 * HOUR);
    expect(r.ok && r.next).toMatchObject({ resolvedAt: null, closedAt: null });
  });

  it("a closed ticket past the window cannot be reopened, by a customer or an admin", () => {
    const closed = ticket({ status: "closed", resolvedAt: iso(T0), closedAt: iso(T0 + HOUR), slaNextDueAt: NO_DUE });
    for (const role of ["customer", "admin"] as Role[]) {
      const r = edit(role, closed, { status: "open" }, T0 + HOUR + 7 * DAY + 1);
      expect(r).toMatchObject({ ok: false, reason: "invalid_transition" });
      if (!r.ok) expect(r.detail).toContain("7 days");
    }
  });

  it("cancelling stops the clock without stamping resolution", () => {
    const r = edit("customer", ticket(), { status: "cancelled" });
    expect(r.ok && r.next).toMatchObject({ status: "cancelled", resolvedAt: null, closedAt: null, slaNextDueAt: NO_DUE });
  });
});

describe("SLA effects", () => {
  it.each(TICKET_PRIORITIES.filter((p) => p !== "medium"))("a priority change to %s re-targets both due dates from creation", (p) => {
    const r = edit("agent", ticket(), { priority: p });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.next.slaPolicy).toBe(p);
    expect(r.next.firstResponseDueAt).toBe(iso(T0 + HOURS[p][0] * HOUR));
    expect(r.next.resolutionDueAt).toBe(iso(T0 + HOURS[p][1] * HOUR));
    expect(r.next.slaNextDueAt).toBe(iso(T0 + HOURS[p][0] * HOUR));
    expect(r.changes).toEqual({ priority: ["medium", p] });
  });

  it("after the first response the nearest due is the resolution target", () => {
    const r = edit("agent", ticket({ firstResponseAt: iso(T0 + MIN) }), { priority: "high" });
    expect(r.ok && r.next.slaNextDueAt).toBe(iso(T0 + 24 * HOUR));
  });

  it("a priority change that makes a target already past due marks the ticket breached", () => {
    const r = edit("agent", ticket(), { priority: "critical" }, T0 + 2 * HOUR); // first response was due at T0+1h
    expect(r.ok && r.next.slaBreached).toBe(true);
  });

  it("an edit that changes no SLA input keeps the due dates", () => {
    const r = edit("agent", ticket(), { subject: "Renamed" });
    expect(r.ok && r.next).toMatchObject({ firstResponseDueAt: iso(T0 + 8 * HOUR), resolutionDueAt: iso(T0 + 72 * HOUR), slaBreached: false });
  });

  it("pending pauses the clock: no running due date", () => {
    const r = edit("agent", ticket(), { status: "pending" }, T0 + HOUR);
    expect(r.ok && r.next).toMatchObject({ slaPausedAt: iso(T0 + HOUR), slaNextDueAt: NO_DUE, slaPausedMs: 0 });
  });

  it.each(["open", "in_progress", "resolved", "cancelled"] as const)("leaving pending for %s adds the paused time", (to) => {
    const pending = ticket({ status: "pending", slaPausedAt: iso(T0 + HOUR), slaPausedMs: 30 * MIN, slaNextDueAt: NO_DUE });
    const r = edit("agent", pending, { status: to }, T0 + 4 * HOUR);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.next.slaPausedAt).toBeNull();
    expect(r.next.slaPausedMs).toBe(30 * MIN + 3 * HOUR);
    const pushed = 30 * MIN + 3 * HOUR;
    expect(r.next.firstResponseDueAt).toBe(iso(T0 + 8 * HOUR + pushed));
    expect(r.next.resolutionDueAt).toBe(iso(T0 + 72 * HOUR + pushed));
    if (to === "open" || to === "in_progress") expect(r.next.slaNextDueAt).toBe(iso(T0 + 8 * HOUR + pushed));
    else expect(r.next.slaNextDueAt).toBe(NO_DUE);
  });

  it("a long pause past the due dates causes no breach", () => {
    const pending = ticket({ status: "pending", slaPausedAt: iso(T0 + HOUR), slaNextDueAt: NO_DUE });
    const r = edit("agent", pending, { status: "open" }, T0 + 30 * DAY);
    expect(r.ok && r.next.slaBreached).toBe(false);
  });

  it("a priority change while pending keeps the clock paused", () => {
    const pending = ticket({ status: "pending", slaPausedAt: iso(T0 + HOUR), slaNextDueAt: NO_DUE });
    const r = edit("agent", pending, { priority: "critical" }, T0 + 10 * HOUR);
    expect(r.ok && r.next).toMatchObject({ slaPausedAt: iso(T0 + HOUR), slaNextDueAt: NO_DUE, slaBreached: false, slaPolicy: "critical" });
  });

  it("a breach is never undone by an edit", () => {
    const r = edit("agent", ticket({ slaBreached: true }), { priority: "low" });
    expect(r.ok && r.next.slaBreached).toBe(true);
  });
});

describe("changes", () => {
  it("records [old, new] for every changed field and nothing else", () => {
    const r = edit("manager", ticket(), { subject: "S2", priority: "medium", tags: ["a"], assigneeId: "agent-1", teamId: "t1", category: "c" });
    expect(r.ok && r.changes).toEqual({
      subject: ["Printer on fire", "S2"],
      tags: [["printer"], ["a"]],
      assigneeId: [null, "agent-1"],
      teamId: [null, "t1"],
      category: [null, "c"],
    });
  });

  it("effectiveChanges ignores undefined and equal values", () => {
    expect(effectiveChanges(ticket(), { subject: undefined, tags: ["printer"], category: null, priority: "low" })).toEqual(["priority"]);
  });

  it("clearing a value is a change", () => {
    const r = edit("agent", ticket({ category: "billing" }), { category: null });
    expect(r.ok && r.changes).toEqual({ category: ["billing", null] });
  });
});

describe("custom statuses and custom fields in one edit", () => {
  const fields = new Map([
    [
      "order_number",
      { id: "f1", key: "order_number", label: "Order", type: "integer" as const, options: null, requiredToResolve: true, customerVisible: false, customerEditable: false, active: true },
    ],
  ]);

  it("a custom status of another category is a transition of the category; the change names both", () => {
    const r = edit("agent", ticket(), { status: "pending", customStatus: "waiting_on_vendor" });
    expect(r).toMatchObject({ ok: true, next: { status: "pending", customStatus: "waiting_on_vendor" } });
    if (!r.ok) return;
    expect(r.changes).toEqual({ status: ["open", "pending"], customStatus: ["open", "waiting_on_vendor"] });
    // The SLA clock pauses by category.
    expect(r.next.slaPausedAt).not.toBeNull();
  });

  it("another custom status of the same category is no transition: the pause goes on", () => {
    const paused = ticket({ status: "pending", customStatus: "waiting_on_vendor", slaPausedAt: iso(T0 + HOUR) });
    const r = edit("agent", paused, { status: "pending", customStatus: "waiting_on_parts" }, T0 + 2 * HOUR);
    expect(r).toMatchObject({ ok: true, next: { status: "pending", customStatus: "waiting_on_parts", slaPausedAt: iso(T0 + HOUR) } });
    if (r.ok) expect(r.changes).toEqual({ customStatus: ["waiting_on_vendor", "waiting_on_parts"] });
  });

  it("a status change without a custom status drops the old category's custom status", () => {
    const r = edit("agent", ticket({ status: "pending", customStatus: "waiting_on_vendor", slaPausedAt: iso(T0) }), { status: "open" });
    expect(r).toMatchObject({ ok: true, next: { status: "open", customStatus: null, slaPausedAt: null } });
    if (r.ok) expect(r.changes).toEqual({ status: ["pending", "open"], customStatus: ["waiting_on_vendor", "open"] });
  });

  it("the transition table applies to the category: a cancelled ticket takes no custom status", () => {
    const r = edit("agent", ticket({ status: "cancelled" }), { status: "pending", customStatus: "waiting_on_vendor" });
    expect(r).toMatchObject({ ok: false, reason: "invalid_transition" });
  });

  it("customers never set a custom status", () => {
    expect(edit("customer", ticket({ status: "resolved" }), { status: "closed", customStatus: "archived" })).toMatchObject({ ok: false, reason: "forbidden" });
  });

  it("resolving needs the required fields, filled before or in the same edit; the system obeys it too", () => {
    expect(edit("agent", ticket(), { status: "resolved" }, T0 + HOUR, { fields })).toEqual({
      ok: false,
      reason: "invalid_transition",
      detail: "Fill in order_number before resolving the ticket",
      errors: { "custom_fields.order_number": ["required to resolve"] },
    });
    const bySystem = applyEdit({ actor: null, current: ticket(), edit: { status: "resolved" }, targetsFor, reopenWindowDays: 7, now: new Date(T0 + HOUR), fields });
    expect(bySystem).toMatchObject({ ok: false, reason: "invalid_transition" });
    const together = edit("agent", ticket(), { status: "resolved", customFields: { order_number: 42 } }, T0 + HOUR, { fields });
    expect(together).toMatchObject({ ok: true, next: { status: "resolved", customFields: { order_number: 42 } }, fieldChanges: { order_number: [null, 42] } });
    expect(edit("agent", ticket({ customFields: { order_number: 1 } }), { status: "resolved" }, T0 + HOUR, { fields })).toMatchObject({ ok: true });
  });

  it("a value of the wrong type is refused by field name", () => {
    expect(edit("agent", ticket(), { customFields: { order_number: "x" } }, T0 + HOUR, { fields })).toMatchObject({
      ok: false,
      reason: "invalid_fields",
      errors: { "custom_fields.order_number": ["must be an integer"] },
    });
  });
});
