import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";
import { closeAll, open, roomPath } from "../helpers/sockets";
import { historyRows, ok, openTicket } from "../tickets/fixtures";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const spent = async (id: string) => (await ok(api("GET", `/api/v1/tickets/${id}`, { token: s.agent.token }))).time_spent_minutes as number;

describe("time entries", () => {
  it("staff log time (on its own or with a comment); the ticket's time_spent_minutes follows every change; the author or a manager edits", async () => {
    const t = await openTicket(s.customer);
    const NOTE = `billing call ${crypto.randomUUID()}`;
    const entry = await ok(api("POST", `/api/v1/tickets/${t.id}/time-entries`, { token: s.agent.token, body: { minutes: 30, note: NOTE } }), 201);
    expect(entry).toMatchObject({ ticket_id: t.id, author: { id: s.agent.id }, minutes: 30, billable: true, note: NOTE, comment_id: null });
    expect(await spent(t.id)).toBe(30);

    const comment = await ok(api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent2.token, body: { body: "Called the vendor", internal: true, time_minutes: 15 } }), 201);
    const nonBillable = await ok(api("POST", `/api/v1/tickets/${t.id}/time-entries`, { token: s.manager.token, body: { minutes: 5, billable: false, started_at: new Date(Date.now() - 3_600_000).toISOString() } }), 201);
    expect(await spent(t.id)).toBe(50);

    const list = await ok(api("GET", `/api/v1/tickets/${t.id}/time-entries`, { token: s.agent.token }));
    expect(list.time_spent_minutes).toBe(50);
    // Oldest work first: the manager's entry started an hour ago.
    expect(list.data.map((e: any) => e.minutes)).toEqual([5, 30, 15]);
    expect(list.data[2]).toMatchObject({ author: { id: s.agent2.id }, comment_id: comment.id });
    expect(list.data[0]).toMatchObject({ id: nonBillable.id, billable: false });

    // The author changes theirs; a colleague may not; a manager may change and remove anyone's.
    expect(await ok(api("PATCH", `/api/v1/time-entries/${entry.id}`, { token: s.agent.token, body: { minutes: 45 } }))).toMatchObject({ minutes: 45, note: NOTE });
    expectProblem(await api("PATCH", `/api/v1/time-entries/${entry.id}`, { token: s.agent2.token, body: { minutes: 1 } }), 403, "FORBIDDEN");
    expectProblem(await api("DELETE", `/api/v1/time-entries/${entry.id}`, { token: s.agent2.token }), 403, "FORBIDDEN");
    expect(await spent(t.id)).toBe(65);
    expect((await api("DELETE", `/api/v1/time-entries/${list.data[2].id}`, { token: s.manager.token })).status).toBe(204);
    expect(await spent(t.id)).toBe(50);

    // History records each change as internal: the requester's history has none of it.
    const types = (await historyRows(t.id)).map((h) => h.type);
    expect(types.filter((x) => x.startsWith("time_"))).toEqual(["time_logged", "time_logged", "time_logged", "time_updated", "time_deleted"]);
    const customerHistory = await ok(api("GET", `/api/v1/tickets/${t.id}/history`, { token: s.customer.token }));
    expect(JSON.stringify(customerHistory)).not.toMatch(/time_|time_entry/);
    expect(JSON.stringify(customerHistory)).not.toContain(NOTE);
  });

  it("customers neither log nor read time entries; bad input is a 400 that changes nothing", async () => {
    const t = await openTicket(s.customer);
    const entry = await ok(api("POST", `/api/v1/tickets/${t.id}/time-entries`, { token: s.agent.token, body: { minutes: 10, note: "secret note" } }), 201);
    expectProblem(await api("POST", `/api/v1/tickets/${t.id}/time-entries`, { token: s.customer.token, body: { minutes: 10 } }), 403, "FORBIDDEN");
    expectProblem(await api("GET", `/api/v1/tickets/${t.id}/time-entries`, { token: s.customer.token }), 403, "FORBIDDEN");
    expectProblem(await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.customer.token, body: { body: "hi", time_minutes: 5 } }), 403, "FORBIDDEN");
    expectProblem(await api("PATCH", `/api/v1/time-entries/${entry.id}`, { token: s.customer.token, body: { minutes: 1 } }), 404, "NOT_FOUND");
    expectProblem(await api("DELETE", `/api/v1/time-entries/${entry.id}`, { token: s.customer.token }), 404, "NOT_FOUND");
    // Another customer's ticket does not exist for them.
    expectProblem(await api("GET", `/api/v1/tickets/${t.id}/time-entries`, { token: s.customer2.token }), 404, "NOT_FOUND");

    for (const body of [{ minutes: 0 }, { minutes: 1441 }, { minutes: 2.5 }, { minutes: "10" }, {}, { minutes: 5, extra: 1 }, { minutes: 5, note: "x".repeat(2_001) }]) {
      expectProblem(await api("POST", `/api/v1/tickets/${t.id}/time-entries`, { token: s.agent.token, body }), 400, "VALIDATION_ERROR");
    }
    for (const started_at of [new Date(Date.now() + 3_600_000).toISOString(), new Date(Date.now() - 400 * 86_400_000).toISOString(), "yesterday"]) {
      expectProblem(await api("POST", `/api/v1/tickets/${t.id}/time-entries`, { token: s.agent.token, body: { minutes: 5, started_at } }), 400, "VALIDATION_ERROR");
    }
    expectProblem(await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, body: { body: "x", time_minutes: 0 } }), 400, "VALIDATION_ERROR");
    expectProblem(await api("PATCH", `/api/v1/time-entries/no-such-entry`, { token: s.manager.token, body: { minutes: 1 } }), 404, "NOT_FOUND");
    expect(await spent(t.id)).toBe(10);
    const customerView = await ok(api("GET", `/api/v1/tickets/${t.id}`, { token: s.customer.token }));
    expect(JSON.stringify(customerView)).not.toContain("secret note");
  });
});

describe("logged time is staff-only", () => {
  afterEach(closeAll);

  it("a customer's views of their own ticket (REST, list, socket) carry no time_spent_minutes; time-entry routes are 403/404 to them", async () => {
    const t = await openTicket(s.customer);
    const room = await open(roomPath(t.id), s.customer.token);
    await room.presence([s.customer.id]);
    const entry = await ok(api("POST", `/api/v1/tickets/${t.id}/time-entries`, { token: s.agent.token, body: { minutes: 25, note: "staff only" } }), 201);
    await ok(api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, body: { body: "Looked into it", time_minutes: 15 } }), 201);
    await ok(api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.manager.token, body: { priority: "high" } }));
    // Staff see the total.
    expect(await spent(t.id)).toBe(40);

    const own = await ok(api("GET", `/api/v1/tickets/${t.id}`, { token: s.customer.token }));
    expect(own.id).toBe(t.id);
    expect(own).not.toHaveProperty("time_spent_minutes");
    const listed = (await ok(api("GET", "/api/v1/tickets?limit=100", { token: s.customer.token }))).data.find((x: { id: string }) => x.id === t.id);
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty("time_spent_minutes");
    const update = await room.next("ticket.updated", (m) => m.ticket?.priority === "high");
    expect(update.ticket).not.toHaveProperty("time_spent_minutes");
    for (const m of room.log) expect(JSON.stringify(m)).not.toMatch(/time_spent|time_entry|staff only/);

    expectProblem(await api("GET", `/api/v1/tickets/${t.id}/time-entries`, { token: s.customer.token }), 403, "FORBIDDEN");
    expectProblem(await api("POST", `/api/v1/tickets/${t.id}/time-entries`, { token: s.customer.token, body: { minutes: 5 } }), 403, "FORBIDDEN");
    expectProblem(await api("PATCH", `/api/v1/time-entries/${entry.id}`, { token: s.customer.token, body: { minutes: 1 } }), 404, "NOT_FOUND");
    expectProblem(await api("DELETE", `/api/v1/time-entries/${entry.id}`, { token: s.customer.token }), 404, "NOT_FOUND");
  });
});

describe("logged time and satisfaction answers reach open pages live", () => {
  afterEach(closeAll);

  it("a staff socket gets ticket.updated with the time total's change on every entry change; the requester's socket gets none of it, but gets their rating", async () => {
    const t = await openTicket(s.customer);
    const staffRoom = await open(roomPath(t.id), s.agent.token);
    const customerRoom = await open(roomPath(t.id), s.customer.token);
    await staffRoom.presence([s.agent.id, s.customer.id]);

    const entry = await ok(api("POST", `/api/v1/tickets/${t.id}/time-entries`, { token: s.agent2.token, body: { minutes: 20, note: "staff only" } }), 201);
    const logged = await staffRoom.next("ticket.updated", (m) => m.changes?.time_spent_minutes !== undefined);
    expect(logged).toMatchObject({ changes: { time_spent_minutes: [0, 20] }, ticket: { id: t.id, time_spent_minutes: 20 }, actor: { id: s.agent2.id } });
    await ok(api("PATCH", `/api/v1/time-entries/${entry.id}`, { token: s.agent2.token, body: { minutes: 45 } }));
    expect((await staffRoom.next("ticket.updated", (m) => m.changes?.time_spent_minutes?.[1] === 45)).changes).toEqual({ time_spent_minutes: [20, 45] });
    await ok(api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent2.token, body: { body: "Called them", time_minutes: 15 } }), 201);
    expect((await staffRoom.next("ticket.updated", (m) => m.changes?.time_spent_minutes?.[1] === 60)).changes).toEqual({ time_spent_minutes: [45, 60] });
    expect((await api("DELETE", `/api/v1/time-entries/${entry.id}`, { token: s.agent2.token })).status).toBe(204);
    expect((await staffRoom.next("ticket.updated", (m) => m.changes?.time_spent_minutes?.[1] === 15)).changes).toEqual({ time_spent_minutes: [60, 15] });

    // Satisfaction: resolved, then rated by the requester; both sockets see the answer on the ticket.
    await ok(api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, body: { status: "resolved" } }));
    await ok(api("POST", `/api/v1/tickets/${t.id}/satisfaction`, { token: s.customer.token, body: { score: 4, comment: "Thanks" } }));
    const rated = await staffRoom.next("ticket.updated", (m) => m.changes?.satisfaction !== undefined);
    expect(rated).toMatchObject({ changes: { satisfaction: [null, { score: 4, comment: "Thanks" }] }, ticket: { satisfaction: { score: 4 } }, actor: { id: s.customer.id } });
    const seen = await customerRoom.next("ticket.updated", (m) => m.changes?.satisfaction !== undefined);
    expect(seen.ticket.satisfaction).toMatchObject({ score: 4, comment: "Thanks" });
    expect(seen.ticket).not.toHaveProperty("time_spent_minutes");
    for (const m of customerRoom.log) expect(JSON.stringify(m)).not.toMatch(/time_spent|time_entry|staff only/);
  });
});
