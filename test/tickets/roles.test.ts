import { beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../src/domain/permissions";
import { api, makeStaff, makeUser, type TestUser } from "../helpers";
import { auditRows, historyRows, openTicket, rowOf, type TicketBody } from "./fixtures";

/**
 * Every ticket endpoint × every role (API.md "Roles"). Each case runs on a fresh ticket opened by
 * `owner` (a customer), so one case's change never decides another's outcome. "stranger" is another
 * customer: for them every ticket endpoint answers 404, never 403 (no existence oracle).
 */
type Who = Role | "stranger";
const WHO: Who[] = ["customer", "stranger", "agent", "manager", "admin"];

let s: Awaited<ReturnType<typeof makeStaff>>;
let people: Record<Who, TestUser>;
beforeAll(async () => {
  s = await makeStaff();
  people = { customer: s.customer, stranger: s.customer2, agent: s.agent, manager: s.manager, admin: s.admin };
});

interface Case {
  name: string;
  /** Prepares the ticket (as staff) before the call. */
  prepare?: (t: TicketBody) => Promise<void>;
  call: (who: TestUser, t: TicketBody) => ReturnType<typeof api>;
  expected: Record<Who, number>;
}

const asAdmin = (t: TicketBody, body: unknown) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.admin.token, body });
const resolve = async (t: TicketBody) => {
  expect((await asAdmin(t, { status: "resolved" })).status).toBe(200);
};

const CASES: Case[] = [
  {
    name: "GET /tickets/{id}",
    call: (u, t) => api("GET", `/api/v1/tickets/${t.id}`, { token: u.token }),
    expected: { customer: 200, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "GET /tickets/{number}",
    call: (u, t) => api("GET", `/api/v1/tickets/${t.number}`, { token: u.token }),
    expected: { customer: 200, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "PATCH subject",
    call: (u, t) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: u.token, body: { subject: "Renamed" } }),
    expected: { customer: 403, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "PATCH priority",
    call: (u, t) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: u.token, body: { priority: "high" } }),
    expected: { customer: 403, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "PATCH category",
    call: (u, t) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: u.token, body: { category: "other" } }),
    expected: { customer: 403, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "PATCH tags",
    call: (u, t) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: u.token, body: { tags: ["new"] } }),
    expected: { customer: 403, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "PATCH status in_progress",
    call: (u, t) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: u.token, body: { status: "in_progress" } }),
    expected: { customer: 403, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "PATCH status resolved",
    call: (u, t) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: u.token, body: { status: "resolved" } }),
    expected: { customer: 403, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "PATCH status cancelled (open ticket)",
    call: (u, t) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: u.token, body: { status: "cancelled" } }),
    expected: { customer: 200, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "PATCH status closed (resolved ticket)",
    prepare: resolve,
    call: (u, t) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: u.token, body: { status: "closed" } }),
    expected: { customer: 200, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "PATCH status open (reopen a resolved ticket)",
    prepare: resolve,
    call: (u, t) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: u.token, body: { status: "open" } }),
    expected: { customer: 200, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "PATCH assignee_id to self",
    call: (u, t) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: u.token, body: { assignee_id: u.id } }),
    expected: { customer: 403, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "PATCH assignee_id to another agent",
    call: (u, t) => api("PATCH", `/api/v1/tickets/${t.id}`, { token: u.token, body: { assignee_id: s.agent2.id } }),
    expected: { customer: 403, stranger: 404, agent: 403, manager: 200, admin: 200 },
  },
  {
    name: "POST assign to self",
    call: (u, t) => api("POST", `/api/v1/tickets/${t.id}/assign`, { token: u.token, body: { assignee_id: u.id } }),
    expected: { customer: 403, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "POST assign to another agent",
    call: (u, t) => api("POST", `/api/v1/tickets/${t.id}/assign`, { token: u.token, body: { assignee_id: s.agent2.id } }),
    expected: { customer: 403, stranger: 404, agent: 403, manager: 200, admin: 200 },
  },
  {
    name: "POST assign unassign",
    prepare: async (t) => {
      expect((await asAdmin(t, { assignee_id: s.agent2.id })).status).toBe(200);
    },
    call: (u, t) => api("POST", `/api/v1/tickets/${t.id}/assign`, { token: u.token, body: { assignee_id: null } }),
    expected: { customer: 403, stranger: 404, agent: 403, manager: 200, admin: 200 },
  },
  {
    // Auto-assignment hands the ticket to someone else, so it is manager+; a ticket in no team has nothing to route by.
    name: "POST assign strategy auto (no team)",
    call: (u, t) => api("POST", `/api/v1/tickets/${t.id}/assign`, { token: u.token, body: { strategy: "auto" } }),
    expected: { customer: 403, stranger: 404, agent: 403, manager: 422, admin: 422 },
  },
  {
    name: "POST escalate",
    call: (u, t) => api("POST", `/api/v1/tickets/${t.id}/escalate`, { token: u.token, body: { reason: "VIP" } }),
    expected: { customer: 403, stranger: 404, agent: 403, manager: 200, admin: 200 },
  },
  {
    name: "DELETE",
    call: (u, t) => api("DELETE", `/api/v1/tickets/${t.id}`, { token: u.token }),
    expected: { customer: 403, stranger: 404, agent: 403, manager: 403, admin: 204 },
  },
  {
    name: "GET comments",
    call: (u, t) => api("GET", `/api/v1/tickets/${t.id}/comments`, { token: u.token }),
    expected: { customer: 200, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
  {
    name: "POST public comment",
    call: (u, t) => api("POST", `/api/v1/tickets/${t.id}/comments`, { token: u.token, body: { body: "hello" } }),
    expected: { customer: 201, stranger: 404, agent: 201, manager: 201, admin: 201 },
  },
  {
    name: "POST internal note",
    call: (u, t) => api("POST", `/api/v1/tickets/${t.id}/comments`, { token: u.token, body: { body: "psst", internal: true } }),
    expected: { customer: 403, stranger: 404, agent: 201, manager: 201, admin: 201 },
  },
  {
    name: "GET history",
    call: (u, t) => api("GET", `/api/v1/tickets/${t.id}/history`, { token: u.token }),
    expected: { customer: 200, stranger: 404, agent: 200, manager: 200, admin: 200 },
  },
];

const grid = CASES.flatMap((c) => WHO.map((who) => ({ ...c, who, status: c.expected[who] })));

describe("every ticket endpoint × every role", () => {
  it.each(grid)("$name as $who → $status", async ({ prepare, call, who, status }) => {
    const t = await openTicket(people.customer, { tags: ["start"] });
    await prepare?.(t);
    const before = await rowOf(t.id);
    const historyBefore = (await historyRows(t.id)).length;
    const auditBefore = (await auditRows(t.id)).length;
    const res = await call(people[who], t);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (status >= 400) {
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      // A refusal changes nothing: same row, no history, no audit.
      expect(await rowOf(t.id)).toEqual(before);
      expect((await historyRows(t.id)).length).toBe(historyBefore);
      expect((await auditRows(t.id)).length).toBe(auditBefore);
    }
  });
});

describe("listing per role", () => {
  it("customers list only their own tickets; staff list everyone's", async () => {
    const mine = await openTicket(s.customer);
    const theirs = await openTicket(s.customer2);
    const ids = async (u: TestUser) => {
      const res = await api("GET", "/api/v1/tickets?limit=100", { token: u.token });
      expect(res.status).toBe(200);
      return (res.body.data as TicketBody[]).map((t) => t.id);
    };
    const customerIds = await ids(s.customer);
    expect(customerIds).toContain(mine.id);
    expect(customerIds).not.toContain(theirs.id);
    for (const t of (await api("GET", "/api/v1/tickets?limit=100", { token: s.customer.token })).body.data) {
      expect(t.requester.id).toBe(s.customer.id);
    }
    for (const u of [s.agent, s.manager, s.admin]) expect(await ids(u)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
  });

  it("a customer asking for someone else's requester_id gets an empty list", async () => {
    await openTicket(s.customer2);
    const res = await api("GET", `/api/v1/tickets?requester_id=${s.customer2.id}`, { token: s.customer.token });
    expect(res.body).toEqual({ data: [], next_cursor: null });
  });

  it("every role may create a ticket for itself", async () => {
    for (const u of [s.customer, s.agent, s.manager, s.admin]) {
      const t = await openTicket(u);
      expect(t.requester.id).toBe(u.id);
    }
  });

  it("a fresh customer with no tickets sees an empty list", async () => {
    const nobody = await makeUser("customer");
    const res = await api("GET", "/api/v1/tickets", { token: nobody.token });
    expect(res.body).toEqual({ data: [], next_cursor: null });
  });
});
