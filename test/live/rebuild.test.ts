import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { api, makeStaff, type TestUser } from "../helpers";
import { closeAll, open, roomPath } from "../helpers/sockets";

afterEach(closeAll);

async function newTicket(requester: TestUser) {
  const res = await api("POST", "/api/v1/tickets", { token: requester.token, body: { subject: "Survives eviction", description: "d" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; version: number };
}

describe("a room keeps nothing D1 does not have", () => {
  it("after eviction with hibernated sockets, presence and typing come back from the sockets and events still flow", async () => {
    const { customer, agent, agent2 } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, customer.id]);
    c.send({ type: "typing", is_typing: true });
    await a.next("typing");

    const stub = env.TICKET_ROOM.getByName(ticket.id);
    await evictDurableObject(stub);
    // A fresh instance: nothing in memory, nothing in its storage but its channel name (for the user
    // sessions registry) and the revalidation alarm.
    const stored = await runInDurableObject(stub, async (_room, state) => ({ keys: [...(await state.storage.list()).keys()], sockets: state.getWebSockets().length }));
    expect(stored).toEqual({ keys: ["channel"], sockets: 2 });

    const b = await open(roomPath(ticket.id), agent2.token);
    const joined = await b.next("presence");
    expect(joined.users).toEqual([
      { id: agent.id, name: agent.name, role: "agent", state: "viewing" },
      { id: customer.id, name: customer.name, role: "customer", state: "typing" },
      { id: agent2.id, name: agent2.name, role: "agent", state: "viewing" },
    ]);
    await a.presence([agent.id, customer.id, agent2.id]);

    const reply = await api("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: agent.token, body: { body: "Still here" } });
    for (const s of [a, b, c]) expect((await s.next("comment.created")).comment.id).toBe(reply.body.id);
  });

  it("after eviction that closed the sockets, reconnecting clients rebuild presence and edits still merge against D1", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, customer.id]);
    const first = await api("PATCH", `/api/v1/tickets/${ticket.id}`, { token: agent.token, body: { priority: "high" }, headers: { "if-match": '"1"' } });
    expect(first.body.version).toBe(2);

    await evictDurableObject(env.TICKET_ROOM.getByName(ticket.id), { webSockets: "close" });
    await a.closed;
    await c.closed;

    const c2 = await open(roomPath(ticket.id), customer.token);
    expect((await c2.next("presence")).users.map((u: { id: string }) => u.id)).toEqual([customer.id]);
    const a2 = await open(roomPath(ticket.id), agent.token);
    await c2.presence([customer.id, agent.id]);

    // The room forgot everything, but the If-Match merge reads D1's history: a stale edit of another field merges...
    const merged = await api("PATCH", `/api/v1/tickets/${ticket.id}`, { token: agent.token, body: { category: "hardware" }, headers: { "if-match": '"1"' } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    expect(merged.body).toMatchObject({ version: 3, priority: "high", category: "hardware" });
    // ...and a stale edit of the same field is refused.
    const stale = await api("PATCH", `/api/v1/tickets/${ticket.id}`, { token: agent.token, body: { priority: "low" }, headers: { "if-match": '"1"' } });
    expect(stale.status).toBe(409);
    expect((await c2.next("ticket.updated")).version).toBe(3);
    expect((await a2.next("ticket.updated")).changes).toEqual({ category: [null, "hardware"] });
  });
});
