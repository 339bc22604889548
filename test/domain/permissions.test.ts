import { describe, expect, it } from "vitest";
import { TICKET_CHANNELS, TICKET_STATUSES, type TicketStatus } from "../../src/domain/vocabulary";
import { can, canSeeTicket, customerMayChangeStatus, isStaff, mayAssign, mayOpenOnChannel, reportScope, ROLES, type Capability, type Role } from "../../src/domain/permissions";

type Row = Record<Role, boolean>;
const yes: Row = { customer: true, agent: true, manager: true, admin: true };
const staff: Row = { customer: false, agent: true, manager: true, admin: true };
const managers: Row = { customer: false, agent: false, manager: true, admin: true };
const adminOnly: Row = { customer: false, agent: false, manager: false, admin: true };

// API.md "Roles", row by row. Rows with a condition ("own tickets", "self-assign only", "own
// stats") are split into the unconditional capability and the conditional one.
const MATRIX: Record<Capability, Row> = {
  "ticket.create": yes, // create ticket (for self)
  "ticket.create_for_requester": staff, // on behalf of a requester
  "ticket.comment_public": yes, // public comment (customers: own tickets, checked by visibility)
  "ticket.comment_internal": staff, // internal note: create
  "ticket.see_internal": staff, // internal note: see, by any path
  "ticket.edit_fields": staff, // change priority, category, tags afterwards
  "ticket.edit_content": staff,
  "ticket.assign_any": managers, // assign / reassign
  "ticket.assign_self": staff, // agents: self-assign only
  "ticket.escalate": managers,
  "ticket.delete": adminOnly,
  "ticket.merge": staff, // merge and split (API.md "More channels and data": agent+)
  "users.list": staff,
  "users.manage": adminOnly, // manage users, SLA policies, webhooks, rules
  "settings.manage": adminOnly,
  "settings.read": staff, // SLA policies and business hours: read by everyone who works tickets
  "routing.manage": managers, // teams, skills, capacity
  "reports.all": managers,
  "reports.own": staff, // agents: own stats
  "audit.read": adminOnly,
  "mail.release": managers, // release quarantined mail (issue 9 item 7)
  "time.log": staff, // time entries (issue 12)
  "time.manage_any": managers, // another author's time entry
  "rules.read": managers, // rules: admins manage, managers may read (API.md "Automation")
  "rules.manage": adminOnly,
  "macros.use": staff, // shared macros and one's own personal ones
  "macros.manage_shared": managers,
  "integrations.manage": adminOnly, // webhooks and channels (manage ... webhooks)
};

const cells = (Object.keys(MATRIX) as Capability[]).flatMap((capability) =>
  ROLES.map((role) => ({ capability, role, expected: MATRIX[capability][role] })),
);

describe("role × capability matrix (API.md Roles)", () => {
  it("has the four roles of the contract", () => {
    expect([...ROLES]).toEqual(["customer", "agent", "manager", "admin"]);
  });

  it.each(cells)("$role may $capability: $expected", ({ capability, role, expected }) => {
    expect(can(role, capability)).toBe(expected);
  });

  it("a customer holds no staff capability at all", () => {
    const customerCaps = (Object.keys(MATRIX) as Capability[]).filter((c) => can("customer", c));
    expect(customerCaps.sort()).toEqual(["ticket.comment_public", "ticket.create"]);
  });

  it("isStaff: everyone but customers", () => {
    expect(ROLES.filter(isStaff)).toEqual(["agent", "manager", "admin"]);
  });
});

describe("canSeeTicket", () => {
  const ticket = { requesterId: "cust-a", createdById: "agent-1", channel: "phone" as const };
  it.each([
    [{ id: "cust-a", role: "customer" as Role }, true],
    [{ id: "cust-b", role: "customer" as Role }, false],
    [{ id: "agent-1", role: "agent" as Role }, true],
    [{ id: "mgr-1", role: "manager" as Role }, true],
    [{ id: "adm-1", role: "admin" as Role }, true],
  ])("%o → %s", (actor, expected) => {
    expect(canSeeTicket(actor, ticket)).toBe(expected);
  });

  // Issue 9: until the address is proven, only what the account opened itself through the API.
  const unverified = { id: "cust-a", role: "customer" as Role, unverified: true as const };
  it.each([
    ["opened on the web by itself", { requesterId: "cust-a", createdById: "cust-a", channel: "web" as const }, true],
    ["opened through the api by itself", { requesterId: "cust-a", createdById: "cust-a", channel: "api" as const }, true],
    ["mail from the address (acts as the address)", { requesterId: "cust-a", createdById: "cust-a", channel: "email" as const }, false],
    ["opened by staff for the address", { requesterId: "cust-a", createdById: "agent-1", channel: "web" as const }, false],
    ["someone else's", { requesterId: "cust-b", createdById: "cust-b", channel: "web" as const }, false],
  ])("unverified, %s → %s", (_, t, expected) => {
    expect(canSeeTicket(unverified, t)).toBe(expected);
    // Verified, the same customer sees every ticket of theirs.
    expect(canSeeTicket({ id: "cust-a", role: "customer" }, t)).toBe(t.requesterId === "cust-a");
  });
  it("staff are never narrowed by the flag", () => {
    expect(canSeeTicket({ id: "agent-9", role: "agent", unverified: true }, ticket)).toBe(true);
  });
});

describe("mayOpenOnChannel", () => {
  it.each(TICKET_CHANNELS)("%s: staff yes, customers only web and api", (channel) => {
    for (const role of ROLES) expect(mayOpenOnChannel(role, channel)).toBe(role !== "customer" || channel === "web" || channel === "api");
  });
});

describe("customerMayChangeStatus: every from → to pair", () => {
  // API.md: cancel while open/in_progress/pending; close a resolved one; reopen a resolved or closed one.
  const allowed: Record<TicketStatus, TicketStatus[]> = {
    open: ["cancelled"],
    in_progress: ["cancelled"],
    pending: ["cancelled"],
    resolved: ["closed", "open"],
    closed: ["open"],
    cancelled: [],
  };
  const pairs = TICKET_STATUSES.flatMap((from) => TICKET_STATUSES.map((to) => ({ from, to, ok: allowed[from].includes(to) })));
  it.each(pairs)("$from → $to: $ok", ({ from, to, ok }) => {
    expect(customerMayChangeStatus(from, to)).toBe(ok);
  });
  it("a customer can never resolve, start or park a ticket", () => {
    for (const from of TICKET_STATUSES) {
      for (const to of ["resolved", "in_progress", "pending"] as const) expect(customerMayChangeStatus(from, to)).toBe(false);
    }
  });
});

describe("mayAssign", () => {
  const agent = { id: "agent-1", role: "agent" as Role };
  it.each([
    ["agent to self", agent, "agent-1", true],
    ["agent to another agent", agent, "agent-2", false],
    ["agent unassigning", agent, null, false],
    ["manager to anyone", { id: "m", role: "manager" as Role }, "agent-2", true],
    ["manager unassigning", { id: "m", role: "manager" as Role }, null, true],
    ["admin to anyone", { id: "a", role: "admin" as Role }, "agent-2", true],
    ["customer to self", { id: "c", role: "customer" as Role }, "c", false],
    ["customer to an agent", { id: "c", role: "customer" as Role }, "agent-1", false],
  ] as const)("%s → %s", (_label, actor, assignee, expected) => {
    expect(mayAssign(actor, assignee)).toBe(expected);
  });
});

describe("report scope (API.md Reports: managers all, agents their own figures, customers none)", () => {
  it.each([
    ["customer", null],
    ["agent", { kind: "agent", agentId: "u1" }],
    ["manager", { kind: "all" }],
    ["admin", { kind: "all" }],
  ] as const)("%s → %j", (role, scope) => {
    expect(reportScope({ id: "u1", role })).toEqual(scope);
  });
});
