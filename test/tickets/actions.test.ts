import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { api, db, expectProblem, makeStaff, makeUser } from "../helpers";
import { closeAll, FEED_PATH, open } from "../helpers/sockets";
import { before, bindings, settled } from "../rules/support";
import { auditRows, historyRows, HOUR, openTicket, rowOf } from "./fixtures";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

afterEach(closeAll);

const assign = (token: string, id: string, body: unknown) => api("POST", `/api/v1/tickets/${id}/assign`, { token, body });
const escalate = (token: string, id: string, body: unknown) => api("POST", `/api/v1/tickets/${id}/escalate`, { token, body });

describe("POST /tickets/{id}/assign", () => {
  it("an agent takes a ticket: assignee set, version +1, ETag, history with reason, audit row", async () => {
    const t = await openTicket(s.customer);
    const res = await assign(s.agent.token, t.id, { assignee_id: s.agent.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ assignee_id: s.agent.id, version: 2 });
    expect(res.headers.get("etag")).toBe('"2"');
    const history = await api("GET", `/api/v1/tickets/${t.id}/history`, { token: s.customer.token });
    expect(history.body.data.at(-1)).toMatchObject({
      type: "assigned",
      version: 2,
      actor: { id: s.agent.id, role: "agent" },
      changes: { assignee_id: [null, s.agent.id], reason: "manual" },
    });
    expect((await auditRows(t.id)).map((a) => a.action)).toEqual(["ticket.created", "ticket.assigned"]);
  });

  it("an agent cannot hand a ticket to someone else (403, nothing changes)", async () => {
    const t = await openTicket(s.customer);
    expectProblem(await assign(s.agent.token, t.id, { assignee_id: s.agent2.id }), 403, "FORBIDDEN");
    expect((await rowOf(t.id))!).toMatchObject({ assigneeId: null, version: 1 });
  });

  it("an agent may take a ticket already assigned to a colleague (self-assign)", async () => {
    const t = await openTicket(s.customer);
    await assign(s.manager.token, t.id, { assignee_id: s.agent2.id });
    const res = await assign(s.agent.token, t.id, { assignee_id: s.agent.id });
    expect(res.body).toMatchObject({ assignee_id: s.agent.id, version: 3 });
  });

  it("a manager assigns anyone on staff, reassigns and unassigns", async () => {
    const t = await openTicket(s.customer);
    expect((await assign(s.manager.token, t.id, { assignee_id: s.agent2.id })).body.assignee_id).toBe(s.agent2.id);
    expect((await assign(s.manager.token, t.id, { assignee_id: s.admin.id })).body.assignee_id).toBe(s.admin.id);
    const cleared = await assign(s.manager.token, t.id, { assignee_id: null });
    expect(cleared.body).toMatchObject({ assignee_id: null, version: 4 });
    const changes = (await historyRows(t.id)).map((h) => h.changes.assignee_id);
    expect(changes.slice(1)).toEqual([
      [null, s.agent2.id],
      [s.agent2.id, s.admin.id],
      [s.admin.id, null],
    ]);
  });

  it("assigning to the current assignee changes nothing and keeps the version", async () => {
    const t = await openTicket(s.customer);
    await assign(s.agent.token, t.id, { assignee_id: s.agent.id });
    const again = await assign(s.agent.token, t.id, { assignee_id: s.agent.id });
    expect(again.body.version).toBe(2);
    expect(await historyRows(t.id)).toHaveLength(2);
  });

  it("assignee must be active staff: a customer, an unknown id or a deactivated agent → 400", async () => {
    const t = await openTicket(s.customer);
    const gone = await makeUser("agent");
    await db().update(users).set({ active: false }).where(eq(users.id, gone.id));
    for (const id of [s.customer.id, s.customer2.id, "01jz0000000000000000000000", gone.id, "' OR 1=1 --"]) {
      const res = await assign(s.manager.token, t.id, { assignee_id: id });
      expectProblem(res, 400, "VALIDATION_ERROR");
      expect(res.body.errors).toHaveProperty("assignee_id");
    }
    expect((await rowOf(t.id))!).toMatchObject({ assigneeId: null, version: 1 });
  });

  it('{strategy: "auto"} with nothing to route by → 422, nothing changes; agents may not auto-assign (403)', async () => {
    const t = await openTicket(s.customer);
    const res = await assign(s.manager.token, t.id, { strategy: "auto" });
    expectProblem(res, 422, "INVALID_TRANSITION");
    expect(res.body.detail.length).toBeGreaterThan(0);
    expectProblem(await assign(s.agent.token, t.id, { strategy: "auto" }), 403, "FORBIDDEN");
    expect((await rowOf(t.id))!).toMatchObject({ version: 1, assigneeId: null });
  });

  it('{strategy: "auto"}, the ticket moved to another team between its read and its write: routed in the team it is in now', async () => {
    // One online agent in each team (routing picks online members only: their agents' feed is open).
    const [inFirst, inSecond] = [await makeUser("agent"), await makeUser("agent")];
    for (const agent of [inFirst, inSecond]) await (await open(FEED_PATH, agent.token)).next("presence");
    const team = async (members: string[]) => (await api("POST", "/api/v1/teams", { token: s.admin.token, body: { name: `Team ${crypto.randomUUID()}`, strategy: "round_robin", members } })).body;
    const [first, second] = [await team([inFirst.id]), await team([inSecond.id])];
    const t = await openTicket(s.customer);
    expect((await api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.manager.token, body: { team_id: first.id } })).status).toBe(200);
    const held = before(/insert into "ticket_history"/, async () => expect((await api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.manager.token, body: { team_id: second.id } })).status).toBe(200));
    const res = await settled("POST", `/api/v1/tickets/${t.id}/assign`, { token: s.manager.token, body: { strategy: "auto" } }, { ...bindings, DB: held.db });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(held.wasHeld()).toBe(true);
    expect(res.body).toMatchObject({ team_id: second.id, assignee_id: inSecond.id });
    // The history's reason is the routing that chose them (in the second team: one candidate).
    const entry = (await historyRows(t.id)).find((h) => h.type === "assigned");
    expect(entry?.changes).toMatchObject({ assignee_id: [null, inSecond.id], reason: { strategy: "round_robin", candidates: 1 } });
  });

  it.each([
    ["empty body", {}],
    ["numeric id", { assignee_id: 7 }],
    ["unknown strategy", { strategy: "round_robin" }],
    ["both", { assignee_id: "x", strategy: "auto" }],
    ["id too long", { assignee_id: "x".repeat(65) }],
  ])("%s → 400", async (_l, body) => {
    const t = await openTicket(s.customer);
    expectProblem(await assign(s.manager.token, t.id, body), 400, "VALIDATION_ERROR");
  });
});

describe("POST /tickets/{id}/escalate", () => {
  it("an agent may not escalate (403, nothing changes)", async () => {
    const t = await openTicket(s.customer);
    expectProblem(await escalate(s.agent.token, t.id, { reason: "angry" }), 403, "FORBIDDEN");
    expect((await rowOf(t.id))!).toMatchObject({ priority: "medium", version: 1 });
    expect(await historyRows(t.id)).toHaveLength(1);
  });

  it("a manager raises priority one step, re-targets the SLA and records an internal escalated entry with the reason", async () => {
    const t = await openTicket(s.customer, { priority: "low" });
    const res = await escalate(s.manager.token, t.id, { reason: "Customer is a VIP" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ priority: "medium", version: 2, sla: { policy: "medium" } });
    expect(res.body.sla.first_response_due_at).toBe(new Date(Date.parse(t.created_at) + 8 * HOUR).toISOString());
    const staff = await api("GET", `/api/v1/tickets/${t.id}/history`, { token: s.agent.token });
    expect(staff.body.data.at(-1)).toMatchObject({
      type: "escalated",
      version: 2,
      actor: { id: s.manager.id, role: "manager" },
      changes: { priority: ["low", "medium"], reason: "Customer is a VIP" },
    });
    const customer = await api("GET", `/api/v1/tickets/${t.id}/history`, { token: s.customer.token });
    expect(customer.body.data.map((h: { type: string }) => h.type)).toEqual(["created"]);
    expect((await auditRows(t.id)).at(-1)).toMatchObject({ action: "ticket.escalated", actorId: s.manager.id });
  });

  it("steps through the priorities and stops at critical, still recording each escalation", async () => {
    const t = await openTicket(s.customer, { priority: "high" });
    expect((await escalate(s.admin.token, t.id, { reason: "one" })).body).toMatchObject({ priority: "critical", version: 2 });
    const again = await escalate(s.admin.token, t.id, { reason: "two" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ priority: "critical", version: 2 });
    const entries = (await historyRows(t.id)).filter((h) => h.type === "escalated");
    expect(entries.map((h) => [h.version, h.changes.reason, h.internal])).toEqual([
      [2, "one", true],
      [2, "two", true],
    ]);
  });

  it("to_user_id reassigns in the same change; to a customer → 400 and nothing changes", async () => {
    const t = await openTicket(s.customer);
    expectProblem(await escalate(s.manager.token, t.id, { reason: "r", to_user_id: s.customer.id }), 400, "VALIDATION_ERROR");
    expect((await rowOf(t.id))!).toMatchObject({ priority: "medium", version: 1, assigneeId: null });
    const res = await escalate(s.manager.token, t.id, { reason: "r", to_user_id: s.agent2.id });
    expect(res.body).toMatchObject({ priority: "high", assignee_id: s.agent2.id, version: 2 });
  });

  it("the priority raised by someone else between its read and its write: raised one step from there, not set back to one step above the old", async () => {
    const t = await openTicket(s.customer, { priority: "low" });
    const held = before(/insert into "ticket_history"/, async () => expect((await api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, body: { priority: "high" } })).status).toBe(200));
    const res = await settled("POST", `/api/v1/tickets/${t.id}/escalate`, { token: s.manager.token, body: { reason: "VIP" } }, { ...bindings, DB: held.db });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(held.wasHeld()).toBe(true);
    expect(res.body).toMatchObject({ priority: "critical", version: 3 });
    expect((await historyRows(t.id)).find((h) => h.type === "escalated")?.changes).toMatchObject({ priority: ["high", "critical"], reason: "VIP" });
  });

  it("cancelled by someone else between its read and its write: refused (422) on the ticket as the write finds it, nothing escalated", async () => {
    const t = await openTicket(s.customer, { priority: "low" });
    const held = before(/insert into "ticket_history"/, async () => expect((await api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, body: { status: "cancelled" } })).status).toBe(200));
    const res = await settled("POST", `/api/v1/tickets/${t.id}/escalate`, { token: s.manager.token, body: { reason: "VIP" } }, { ...bindings, DB: held.db });
    expect(held.wasHeld()).toBe(true);
    expectProblem(res, 422, "INVALID_TRANSITION");
    expect((await rowOf(t.id))!).toMatchObject({ status: "cancelled", priority: "low" });
    expect((await historyRows(t.id)).map((h) => h.type)).not.toContain("escalated");
  });

  it("a resolved, closed or cancelled ticket cannot be escalated (422)", async () => {
    const t = await openTicket(s.customer);
    await api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, body: { status: "cancelled" } });
    expectProblem(await escalate(s.manager.token, t.id, { reason: "r" }), 422, "INVALID_TRANSITION");
  });

  it.each([["no reason", {}], ["blank reason", { reason: "   " }], ["reason too long", { reason: "r".repeat(2001) }]])("%s → 400", async (_l, body) => {
    const t = await openTicket(s.customer);
    expectProblem(await escalate(s.manager.token, t.id, body), 400, "VALIDATION_ERROR");
  });
});

describe("DELETE /tickets/{id}", () => {
  it("only admins delete; then the ticket is 404 for everyone on every path, gone from lists, its audit trail kept", async () => {
    const t = await openTicket(s.customer, { tags: ["doomed"] });
    await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, body: { body: "hi" } });
    for (const u of [s.customer, s.agent, s.manager]) expectProblem(await api("DELETE", `/api/v1/tickets/${t.id}`, { token: u.token }), 403, "FORBIDDEN");
    const del = await api("DELETE", `/api/v1/tickets/${t.id}`, { token: s.admin.token });
    expect(del.status).toBe(204);
    expect(del.body).toBeNull();

    for (const u of [s.customer, s.agent, s.manager, s.admin]) {
      for (const ref of [t.id, t.number]) {
        expectProblem(await api("GET", `/api/v1/tickets/${ref}`, { token: u.token }), 404, "NOT_FOUND");
        expectProblem(await api("GET", `/api/v1/tickets/${ref}/comments`, { token: u.token }), 404, "NOT_FOUND");
        expectProblem(await api("GET", `/api/v1/tickets/${ref}/history`, { token: u.token }), 404, "NOT_FOUND");
        expectProblem(await api("PATCH", `/api/v1/tickets/${ref}`, { token: u.token, body: { status: "cancelled" } }), 404, "NOT_FOUND");
        expectProblem(await api("POST", `/api/v1/tickets/${ref}/comments`, { token: u.token, body: { body: "x" } }), 404, "NOT_FOUND");
        expectProblem(await api("DELETE", `/api/v1/tickets/${ref}`, { token: u.token }), 404, "NOT_FOUND");
      }
      for (const q of ["?limit=100", "?tag=doomed", `?requester_id=${s.customer.id}&limit=100`, "?sort=sla_due&limit=100"]) {
        const list = await api("GET", `/api/v1/tickets${q}`, { token: u.token });
        expect(list.body.data.map((x: { id: string }) => x.id)).not.toContain(t.id);
      }
    }
    expectProblem(await api("POST", `/api/v1/tickets/${t.id}/assign`, { token: s.admin.token, body: { assignee_id: s.admin.id } }), 404, "NOT_FOUND");
    expectProblem(await api("POST", `/api/v1/tickets/${t.id}/escalate`, { token: s.admin.token, body: { reason: "r" } }), 404, "NOT_FOUND");

    const audit = await api("GET", `/api/v1/audit-logs?entity_id=${t.id}`, { token: s.admin.token });
    expect(audit.status).toBe(200);
    const actions = audit.body.data.map((a: { action: string }) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["ticket.created", "ticket.deleted"]));
    expect(audit.body.data.find((a: { action: string }) => a.action === "ticket.deleted")).toMatchObject({ actor_id: s.admin.id });
    // The row and its history stay in D1 (soft delete); the number is never handed out again.
    const row = await rowOf(t.id);
    expect(row!.deletedAt).not.toBeNull();
    expect((await historyRows(t.id)).map((h) => h.type)).toEqual(["created", "commented", "deleted"]);
  });

  it("two concurrent deletes: one 204, the other 404, never a 500", async () => {
    const t = await openTicket(s.customer);
    const results = await Promise.all([1, 2, 3].map(() => api("DELETE", `/api/v1/tickets/${t.id}`, { token: s.admin.token })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses, JSON.stringify(results.map((r) => r.body))).toEqual([204, 404, 404]);
    expect((await auditRows(t.id)).filter((a) => a.action === "ticket.deleted")).toHaveLength(1);
  });

  it("no token → 401", async () => {
    const t = await openTicket(s.customer);
    expectProblem(await api("DELETE", `/api/v1/tickets/${t.id}`), 401, "UNAUTHORIZED");

  });
});
