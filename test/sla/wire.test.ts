import { beforeAll, describe, expect, it } from "vitest";
import { api, makeStaff } from "../helpers";
import { editAt, HOUR, iso, MIN, replyAt, ticketAt } from "./helpers";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const get = async (id: string, token = s.agent.token) => (await api("GET", `/api/v1/tickets/${id}`, { token })).body;

// These tickets start in the recent past, so the API (which judges at the real time) sees their clocks run.
describe("the ticket's sla object", () => {
  it("a new ticket: the API.md fields plus next_response_due_at, at_risk and breaches", async () => {
    const res = await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "s", description: "d", priority: "critical" } });
    const created = Date.parse(res.body.created_at);
    expect(res.body.sla).toEqual({
      policy: "critical",
      first_response_due_at: iso(created + HOUR),
      next_response_due_at: null,
      resolution_due_at: iso(created + 4 * HOUR),
      breached: false,
      breaches: [],
      at_risk: false,
      paused: false,
    });
  });

  it("at 80 % of a running target the ticket is at risk; past it, breached (before any sweep ran)", async () => {
    const risky = await ticketAt(s.customer, Date.now() - 50 * MIN, { priority: "critical" });
    expect((await get(risky.id)).sla).toMatchObject({ at_risk: true, breached: false, breaches: [] });
    const late = await ticketAt(s.customer, Date.now() - 2 * HOUR, { priority: "critical" });
    expect((await get(late.id)).sla).toMatchObject({ breached: true, breaches: ["first_response"] });
    // The list filter finds it too.
    const list = await api("GET", "/api/v1/tickets?breached=true&limit=100", { token: s.agent.token });
    expect(list.body.data.map((t: { id: string }) => t.id)).toContain(late.id);
    expect(list.body.data.map((t: { id: string }) => t.id)).not.toContain(risky.id);
  });

  it("a pending ticket is paused: no longer at risk of more, and a customer's reply re-opens it and arms the next response", async () => {
    const t0 = Date.now() - 30 * MIN;
    const t = await ticketAt(s.customer, t0, { priority: "critical" });
    await replyAt(s.agent, t0 + 5 * MIN, t.id);
    await editAt(s.agent, t0 + 6 * MIN, t.id, { status: "pending" });
    expect((await get(t.id)).sla).toMatchObject({ paused: true, next_response_due_at: null });
    const reply = await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.customer.token, body: { body: "Still broken" } });
    expect(reply.status).toBe(201);
    const after = await get(t.id);
    expect(after.status).toBe("open");
    expect(after.sla.paused).toBe(false);
    // Armed at the reply: an hour of next-response time from then.
    const due = Date.parse(after.sla.next_response_due_at);
    expect(Math.abs(due - (Date.parse(reply.body.created_at) + HOUR))).toBeLessThan(1000);
    // The agent's public answer meets it; an internal note does not.
    await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, body: { body: "looking", internal: true } });
    expect((await get(t.id)).sla.next_response_due_at).not.toBeNull();
    await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, body: { body: "Fixed now?" } });
    const answered = await get(t.id);
    expect(answered.sla).toMatchObject({ next_response_due_at: null, breached: false });
    // Customers see the same sla object on their ticket.
    expect((await get(t.id, s.customer.token)).sla).toEqual(answered.sla);
  });

  it("sort=sla_due lists the most overdue unmet target first; tickets with no running clock come last", async () => {
    const base = Date.now() - 3 * HOUR;
    const older = await ticketAt(s.customer2, base, { priority: "critical", category: "sort-probe" });
    const newer = await ticketAt(s.customer2, base + 30 * MIN, { priority: "critical", category: "sort-probe" });
    const stopped = await ticketAt(s.customer2, base - HOUR, { priority: "critical", category: "sort-probe" });
    await editAt(s.agent, base, stopped.id, { status: "resolved" });
    const res = await api("GET", `/api/v1/tickets?sort=sla_due&category=sort-probe&limit=10`, { token: s.agent.token });
    expect(res.body.data.map((t: { id: string }) => t.id)).toEqual([older.id, newer.id, stopped.id]);
  });
});
