import { afterEach, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff, type TestUser } from "../helpers";
import { closeAll, open, roomPath } from "../helpers/sockets";

afterEach(closeAll);

async function newTicket(requester: TestUser) {
  const res = await api("POST", "/api/v1/tickets", { token: requester.token, body: { subject: "Edits meet in the room", description: "d" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string; version: number };
}

const patch = (id: string, token: string, body: unknown, version?: number, headers: Record<string, string> = {}) =>
  api("PATCH", `/api/v1/tickets/${id}`, { token, body, headers: { ...headers, ...(version === undefined ? {} : { "if-match": `"${version}"` }) } });

describe("concurrent PATCHes go through the ticket's room", () => {
  it("two edits of different fields based on the same version both land, in order, and both reach the sockets", async () => {
    const { customer, agent, agent2 } = await makeStaff();
    const ticket = await newTicket(customer);
    const watcher = await open(roomPath(ticket.id), customer.token);
    await watcher.next("presence");

    const [a, b] = await Promise.all([
      patch(ticket.id, agent.token, { priority: "high" }, 1),
      patch(ticket.id, agent2.token, { status: "in_progress" }, 1),
    ]);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect([a.body.version, b.body.version].sort()).toEqual([2, 3]);

    const now = await api("GET", `/api/v1/tickets/${ticket.id}`, { token: agent.token });
    expect(now.body).toMatchObject({ priority: "high", status: "in_progress", version: 3 });
    expect(now.headers.get("etag")).toBe('"3"');

    const first = await watcher.next("ticket.updated");
    const second = await watcher.next("ticket.updated");
    expect([first.version, second.version]).toEqual([2, 3]);
    expect({ ...first.changes, ...second.changes }).toEqual({ priority: ["medium", "high"], status: ["open", "in_progress"] });
    // The watcher is the customer: the ticket as their own view shows it (no staff-only time_spent_minutes).
    expect(second.ticket).toEqual((await api("GET", `/api/v1/tickets/${ticket.id}`, { token: customer.token })).body);

    const history = await api("GET", `/api/v1/tickets/${ticket.id}/history`, { token: agent.token });
    expect(history.body.data.filter((h: { type: string }) => h.type === "updated").map((h: { version: number }) => h.version)).toEqual([2, 3]);
  });

  it("two edits of the same field based on the same version: one lands, the other gets 409 with the current ticket", async () => {
    const { customer, agent, agent2 } = await makeStaff();
    const ticket = await newTicket(customer);
    const results = await Promise.all([
      patch(ticket.id, agent.token, { priority: "high" }, 1),
      patch(ticket.id, agent2.token, { priority: "low" }, 1),
    ]);
    const won = results.filter((r) => r.status === 200);
    const lost = results.filter((r) => r.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expectProblem(lost[0]!, 409, "CONFLICT");
    expect(lost[0]!.body.conflicting_fields).toEqual(["priority"]);
    expect(lost[0]!.body.current).toMatchObject({ version: 2, priority: won[0]!.body.priority });

    const now = await api("GET", `/api/v1/tickets/${ticket.id}`, { token: agent.token });
    expect(now.body).toMatchObject({ version: 2, priority: won[0]!.body.priority });
  });

  it("a burst of edits without If-Match is applied one at a time: every one lands with its own version", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => patch(ticket.id, agent.token, { tags: [`t${i}`] })));
    for (const r of burst) expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(burst.map((r) => r.body.version).sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const history = await api("GET", `/api/v1/tickets/${ticket.id}/history`, { token: agent.token });
    expect(history.body.data.filter((h: { type: string }) => h.type === "updated")).toHaveLength(8);
  });

  it("refusals keep their status and problem body through the room, and change nothing", async () => {
    const { customer, customer2, agent, manager } = await makeStaff();
    const ticket = await newTicket(customer);
    const watcher = await open(roomPath(ticket.id), agent.token);
    await watcher.next("presence");

    expectProblem(await patch(ticket.id, customer.token, { priority: "critical" }), 403, "FORBIDDEN");
    expectProblem(await patch(ticket.id, customer2.token, { status: "cancelled" }), 404, "NOT_FOUND");
    expectProblem(await patch("01HZZZZZZZZZZZZZZZZZZZZZZZ", agent.token, { priority: "low" }), 404, "NOT_FOUND");
    expectProblem(await patch(ticket.id, agent.token, { status: "closed" }), 422, "INVALID_TRANSITION");
    expectProblem(await patch(ticket.id, agent.token, { assignee_id: manager.id }), 403, "FORBIDDEN");
    expectProblem(await patch(ticket.id, manager.token, { assignee_id: customer.id }), 400, "VALIDATION_ERROR");
    expectProblem(await patch(ticket.id, agent.token, { priority: "low" }, 7), 409, "CONFLICT");
    expectProblem(await patch(ticket.id, agent.token, { priority: "low" }, undefined, { "if-match": "yesterday" }), 400, "VALIDATION_ERROR");

    const now = await api("GET", `/api/v1/tickets/${ticket.id}`, { token: agent.token });
    expect(now.body).toMatchObject({ version: 1, priority: "medium", status: "open", assignee_id: null });
    await watcher.none("ticket.updated");
  });

  it("by ticket number, with the caller's IP and user agent in the audit row", async () => {
    const { customer, agent, admin } = await makeStaff();
    const ticket = await newTicket(customer);
    const res = await patch(ticket.number, agent.token, { category: "billing" }, 1, { "cf-connecting-ip": "203.0.113.7", "user-agent": "edge-test/1" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: ticket.id, category: "billing", version: 2 });
    const audit = await api("GET", `/api/v1/audit-logs?entity_id=${ticket.id}`, { token: admin.token });
    const row = audit.body.data.find((r: { action: string }) => r.action === "ticket.updated");
    expect(row).toMatchObject({ actor_id: agent.id, ip: "203.0.113.7", user_agent: "edge-test/1" });
  });

  it("a PATCH that changes nothing answers 200, keeps the version and sends nothing", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const watcher = await open(roomPath(ticket.id), customer.token);
    await watcher.next("presence");
    const res = await patch(ticket.id, agent.token, { priority: "medium" });
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(1);
    await watcher.none("ticket.updated");
  });
});
