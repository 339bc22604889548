import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff, makeUser, type TestUser } from "../helpers";
import { closeAll, connect, open, roomPath } from "../helpers/sockets";
import { CLOSE_SESSION_ENDED, CLOSE_TICKET_GONE, MAX_CLIENT_MESSAGE_BYTES, ServerMessage } from "../../src/ticket-room/protocol";
import { TYPING_TTL_MS, type RoomSession } from "../../src/ticket-room/presence";
import { MAX_SOCKETS_PER_USER, SILENT_SOCKET_MS } from "../../src/ticket-room/live-object";

afterEach(closeAll);

async function newTicket(requester: TestUser, subject = "Printer on fire") {
  const res = await api("POST", "/api/v1/tickets", { token: requester.token, body: { subject, description: "It smokes" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string; version: number };
}

const ids = (m: { [key: string]: any }): string[] => m.users.map((u: { id: string }) => u.id);

describe("opening a ticket's socket", () => {
  it("refuses callers who may not see the ticket with the status a GET would get, before any socket opens", async () => {
    const { customer, customer2, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const path = roomPath(ticket.id);

    const noToken = await connect(path);
    expect(noToken.socket).toBeNull();
    expectProblem(noToken, 401, "UNAUTHORIZED");

    const forged = await connect(path, `${agent.token.slice(0, -4)}AAAA`);
    expectProblem(forged, 401, "UNAUTHORIZED");
    const garbage = await connect(path, "not-a-jwt");
    expectProblem(garbage, 401, "UNAUTHORIZED");

    // Another customer's ticket does not exist for them, by id or by number.
    const other = await connect(path, customer2.token);
    expect(other.socket).toBeNull();
    expectProblem(other, 404, "NOT_FOUND");
    expectProblem(await connect(roomPath(ticket.number), customer2.token), 404, "NOT_FOUND");
    expectProblem(await connect(roomPath("01HZZZZZZZZZZZZZZZZZZZZZZZ"), agent.token), 404, "NOT_FOUND");

    // The same order without an upgrade: who, then what, then how.
    expectProblem(await connect(path, undefined, { upgrade: false }), 401, "UNAUTHORIZED");
    expectProblem(await connect(path, customer2.token, { upgrade: false }), 404, "NOT_FOUND");
    const plain = await connect(path, customer.token, { upgrade: false });
    expectProblem(plain, 400, "VALIDATION_ERROR");
    expect(plain.headers.get("upgrade")).toBe("websocket");
  });

  it("refuses a deactivated user's token and accepts the bearer header as well as ?access_token=", async () => {
    const { customer, agent, admin } = await makeStaff();
    const ticket = await newTicket(customer);
    const viaHeader = await connect(roomPath(ticket.id), undefined, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(viaHeader.status).toBe(101);
    const off = await api("PATCH", `/api/v1/users/${agent.id}`, { token: admin.token, body: { active: false } });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expectProblem(await connect(roomPath(ticket.id), agent.token), 401, "UNAUTHORIZED");
  });

  it("opens by ticket number into the same room as by id", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const byNumber = await open(roomPath(ticket.number), agent.token);
    await byNumber.presence([agent.id]);
    await open(roomPath(ticket.id), customer.token);
    await byNumber.presence([agent.id, customer.id]);
  });

  it("is listed in the OpenAPI document", async () => {
    const doc = await api("GET", "/openapi.json");
    expect(doc.body.paths["/api/v1/tickets/{id}/live"]?.get?.responses).toHaveProperty("101");
    expect(doc.body.paths["/api/v1/live"]?.get?.responses).toHaveProperty("101");
  });
});

describe("presence", () => {
  it("is sent at once to a joining socket and to the others on every join and leave", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const agentSocket = await open(roomPath(ticket.id), agent.token);
    const first = await agentSocket.next("presence");
    expect(first.users).toEqual([{ id: agent.id, name: agent.name, role: "agent", state: "viewing" }]);

    const customerSocket = await open(roomPath(ticket.id), customer.token);
    const joined = await customerSocket.next("presence");
    expect(joined.users).toEqual([
      { id: agent.id, name: agent.name, role: "agent", state: "viewing" },
      { id: customer.id, name: customer.name, role: "customer", state: "viewing" },
    ]);
    await agentSocket.presence([agent.id, customer.id]);

    customerSocket.close();
    await agentSocket.presence([agent.id]);
  });

  it("lists a user with two tabs once, until the last tab leaves", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const watcher = await open(roomPath(ticket.id), customer.token);
    await watcher.presence([customer.id]);
    const tab1 = await open(roomPath(ticket.id), agent.token);
    const tab2 = await open(roomPath(ticket.id), agent.token);
    expect(ids(await tab2.next("presence"))).toEqual([customer.id, agent.id]);
    await watcher.presence([customer.id, agent.id]);
    tab1.close();
    await watcher.none("presence", () => true);
    tab2.close();
    await watcher.presence([customer.id]);
  });
});

describe("typing", () => {
  it("fans out to the others with the sender's own user id, whatever id the client claims", async () => {
    const { customer, agent, agent2 } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const b = await open(roomPath(ticket.id), agent2.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, agent2.id, customer.id]);
    await b.presence([agent.id, agent2.id, customer.id]);

    c.send({ type: "typing", is_typing: true, internal: false, user_id: agent.id });
    for (const s of [a, b]) {
      expect(await s.next("typing")).toEqual({ type: "typing", user_id: customer.id, is_typing: true, internal: false });
      const p = await s.next("presence");
      expect(p.users.find((u: { id: string }) => u.id === customer.id).state).toBe("typing");
    }
    c.send({ type: "typing", is_typing: false });
    expect(await a.next("typing")).toEqual({ type: "typing", user_id: customer.id, is_typing: false, internal: false });
    await c.none("typing");
  });

  it("shows staff writing an internal note to customers as viewing, and to staff as internal typing", async () => {
    const { customer, agent, agent2 } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const b = await open(roomPath(ticket.id), agent2.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await c.presence([agent.id, agent2.id, customer.id]);
    await b.presence([agent.id, agent2.id, customer.id]);

    a.send({ type: "typing", is_typing: true, internal: true });
    expect(await b.next("typing")).toEqual({ type: "typing", user_id: agent.id, is_typing: true, internal: true });
    const staffView = await b.next("presence");
    expect(staffView.users.find((u: { id: string }) => u.id === agent.id).state).toBe("typing");

    // Switching to a public reply is the first thing the customer sees.
    a.send({ type: "typing", is_typing: true, internal: false });
    expect(await c.next("typing")).toEqual({ type: "typing", user_id: agent.id, is_typing: true, internal: false });
    expect(c.log.filter((m) => m.type === "typing")).toHaveLength(1);
    const customerPresence = c.log.filter((m) => m.type === "presence");
    for (const p of customerPresence.slice(0, -1)) expect(p.users.every((u: { state: string }) => u.state === "viewing")).toBe(true);
    // And back to the note: the customer sees the agent stop typing, staff see the note.
    a.send({ type: "typing", is_typing: true, internal: true });
    expect(await c.next("typing")).toEqual({ type: "typing", user_id: agent.id, is_typing: false, internal: false });
    const back = await c.next("presence", (m) => m.users.find((u: { id: string }) => u.id === agent.id)?.state === "viewing");
    expect(back).toBeTruthy();
    expect(await b.next("typing", (m) => m.internal === true)).toMatchObject({ user_id: agent.id, is_typing: true });
    for (const m of c.log) expect(m.type === "typing" && m.internal).toBe(false);
  });

  it("treats a user's tabs as one: typing stops only when the last tab stops or leaves", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const c = await open(roomPath(ticket.id), customer.token);
    const tab1 = await open(roomPath(ticket.id), agent.token);
    const tab2 = await open(roomPath(ticket.id), agent.token);
    await c.presence([customer.id, agent.id]);
    tab1.send({ type: "typing", is_typing: true });
    expect(await c.next("typing")).toMatchObject({ user_id: agent.id, is_typing: true });
    tab2.send({ type: "typing", is_typing: true });
    tab1.send({ type: "typing", is_typing: false });
    await c.none("typing");
    tab2.close();
    expect(await c.next("typing")).toMatchObject({ user_id: agent.id, is_typing: false });
    const p = await c.next("presence", (m) => m.users.find((u: { id: string }) => u.id === agent.id)?.state === "viewing");
    expect(ids(p)).toEqual([customer.id, agent.id]);
  });

  it("refuses internal typing from a customer without closing the socket", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, customer.id]);
    c.send({ type: "typing", is_typing: true, internal: true });
    expect(await c.next("error")).toMatchObject({ code: "FORBIDDEN" });
    await a.none("typing");
    c.send({ type: "ping" });
    await c.next("pong");
  });

  it("warns staff when two of them write a public reply at once; customers get no notice", async () => {
    const { customer, agent, agent2 } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const b = await open(roomPath(ticket.id), agent2.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, agent2.id, customer.id]);
    a.send({ type: "typing", is_typing: true, internal: false });
    await b.next("typing");
    await a.none("collision", () => true);
    b.send({ type: "typing", is_typing: true, internal: false });
    for (const s of [a, b]) {
      const notice = await s.next("collision");
      expect(notice.users.map((u: { id: string }) => u.id).sort()).toEqual([agent.id, agent2.id].sort());
    }
    await c.none("collision");
  });

  it("expires an indicator nobody refreshed, also after the room was evicted", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, customer.id]);
    c.send({ type: "typing", is_typing: true });
    await a.next("typing");
    const stub = env.TICKET_ROOM.getByName(ticket.id);
    // Age the indicator in the socket's attachment, then evict so the room reads it back.
    await runInDurableObject(stub, (_room, state) => {
      for (const ws of state.getWebSockets()) {
        const s = ws.deserializeAttachment() as RoomSession;
        if (s.state === "typing") ws.serializeAttachment({ ...s, typingSince: s.typingSince - TYPING_TTL_MS - 1 });
      }
    });
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await a.next("typing")).toEqual({ type: "typing", user_id: customer.id, is_typing: false, internal: false });
  });
});

describe("ticket changes arrive live", () => {
  it("a comment posted by REST arrives on both sockets; an internal note only on the agent's", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, customer.id]);

    const reply = await api("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: agent.token, body: { body: "We are on it" } });
    expect(reply.status).toBe(201);
    for (const s of [a, c]) {
      const m = await s.next("comment.created");
      expect(m).toEqual({ type: "comment.created", comment: reply.body });
      expect(ServerMessage.safeParse(m).success).toBe(true);
    }

    const note = await api("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: agent.token, body: { body: "Customer is on the old plan", internal: true } });
    expect(note.status).toBe(201);
    expect((await a.next("comment.created")).comment).toMatchObject({ id: note.body.id, internal: true });
    // The customer's reply after the note proves the customer's socket is still being fed.
    const customerReply = await api("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: customer.token, body: { body: "Thanks" } });
    expect((await c.next("comment.created")).comment.id).toBe(customerReply.body.id);
    expect(c.log.some((m) => JSON.stringify(m).includes("old plan"))).toBe(false);
    expect(c.log.some((m) => m.type === "comment.created" && m.comment.internal)).toBe(false);
  });

  it("status changes reach everyone with changes, version and actor; an escalation stays with staff", async () => {
    const { customer, agent, manager } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, customer.id]);

    const esc = await api("POST", `/api/v1/tickets/${ticket.id}/escalate`, { token: manager.token, body: { reason: "VIP, angry", to_user_id: agent.id } });
    expect(esc.status, JSON.stringify(esc.body)).toBe(200);
    const staffUpdate = await a.next("ticket.updated");
    expect(staffUpdate.changes).toMatchObject({ priority: ["medium", "high"], assignee_id: [null, agent.id] });
    expect(await a.next("ticket.assigned")).toMatchObject({ assignee_id: agent.id });

    const patch = await api("PATCH", `/api/v1/tickets/${ticket.id}`, { token: agent.token, body: { status: "in_progress" } });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    const update = await c.next("ticket.updated");
    // The customer gets the ticket as their own REST view shows it (no staff-only time_spent_minutes).
    const customerView = await api("GET", `/api/v1/tickets/${ticket.id}`, { token: customer.token });
    expect(customerView.body).not.toHaveProperty("time_spent_minutes");
    expect(update).toEqual({
      type: "ticket.updated",
      ticket: customerView.body,
      changes: { status: ["open", "in_progress"] },
      version: patch.body.version,
      actor: { id: agent.id, name: agent.name, role: "agent" },
    });
    // The escalation and its assignment never reached the customer.
    expect(c.log.filter((m) => m.type === "ticket.updated")).toHaveLength(1);
    expect(c.log.some((m) => m.type === "ticket.assigned")).toBe(false);
    expect(JSON.stringify(c.log)).not.toContain("VIP, angry");
  });

  it("a plain assignment reaches the customer as ticket.assigned", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const c = await open(roomPath(ticket.id), customer.token);
    await c.next("presence");
    const res = await api("POST", `/api/v1/tickets/${ticket.id}/assign`, { token: agent.token, body: { assignee_id: agent.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const customerView = await api("GET", `/api/v1/tickets/${ticket.id}`, { token: customer.token });
    expect(await c.next("ticket.assigned")).toEqual({ type: "ticket.assigned", ticket: customerView.body, assignee_id: agent.id });
  });

  it("deleting the ticket closes its sockets", async () => {
    const { customer, agent, admin } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, customer.id]);
    expect((await api("DELETE", `/api/v1/tickets/${ticket.id}`, { token: admin.token })).status).toBe(204);
    expect((await a.closed).code).toBe(CLOSE_TICKET_GONE);
    expect((await c.closed).code).toBe(CLOSE_TICKET_GONE);
    expectProblem(await connect(roomPath(ticket.id), agent.token), 404, "NOT_FOUND");
  });

  it("a room still takes one event alone, as a Worker of the previous release sends it during a gradual deployment", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    await a.next("presence");
    await env.TICKET_ROOM.getByName(ticket.id).publish({ type: "ticket.deleted", ticket_id: ticket.id, actor: { id: agent.id, name: agent.name, role: "agent" } });
    expect((await a.closed).code).toBe(CLOSE_TICKET_GONE);
  });
});

describe("hostile and broken clients", () => {
  it("answers bad messages with an error and keeps the socket open", async () => {
    const { customer } = await makeStaff();
    const ticket = await newTicket(customer);
    const c = await open(roomPath(ticket.id), customer.token);
    await c.next("presence");
    const bad: [unknown, string][] = [
      ["not json", "VALIDATION_ERROR"],
      [{ type: "dance" }, "VALIDATION_ERROR"],
      [{ nope: 1 }, "VALIDATION_ERROR"],
      [{ type: "typing", is_typing: "yes" }, "VALIDATION_ERROR"],
      [JSON.stringify({ type: "typing", is_typing: true, pad: "x".repeat(MAX_CLIENT_MESSAGE_BYTES) }), "PAYLOAD_TOO_LARGE"],
      // Multi-byte text under the limit in characters but over it in bytes.
      [JSON.stringify({ type: "ping", pad: "é".repeat(MAX_CLIENT_MESSAGE_BYTES / 2) }), "PAYLOAD_TOO_LARGE"],
    ];
    for (const [message, code] of bad) {
      c.send(message);
      expect(await c.next("error")).toMatchObject({ type: "error", code });
    }
    c.ws.send(new Uint8Array([1, 2, 3]));
    expect(await c.next("error")).toMatchObject({ code: "VALIDATION_ERROR" });
    // Both pings: the exact one (answered by the runtime) and a spaced one (answered by the room).
    c.send('{"type":"ping"}');
    await c.next("pong");
    c.send('{ "type": "ping" }');
    await c.next("pong");
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("closes a socket that sends more than 20 messages a second with 1008; the others see it leave", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, customer.id]);
    for (let i = 0; i < 40; i++) c.send({ type: "typing", is_typing: i % 2 === 0 });
    const closed = await c.closed;
    expect(closed.code).toBe(1008);
    await a.presence([agent.id]);
    // A calm socket is not affected.
    a.send({ type: "typing", is_typing: false });
    a.send({ type: "ping", n: 1 });
    await a.next("pong");
  });

  it("ends the sockets of a deactivated user at the next revalidation", async () => {
    const { customer, agent, admin } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, customer.id]);
    const stub = env.TICKET_ROOM.getByName(ticket.id);
    // Nothing changed: revalidation keeps everyone.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await a.none("presence", () => true);
    expect((await api("PATCH", `/api/v1/users/${customer.id}`, { token: admin.token, body: { active: false } })).status).toBe(200);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await c.closed).code).toBe(CLOSE_SESSION_ENDED);
    await a.presence([agent.id]);
  });

  it(`refuses a user's socket beyond ${MAX_SOCKETS_PER_USER} on one room with 429, before it opens`, async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const held = [];
    for (let i = 0; i < MAX_SOCKETS_PER_USER; i++) held.push(await open(roomPath(ticket.id), customer.token));
    const refused = await connect(roomPath(ticket.id), customer.token);
    expect(refused.socket).toBeNull();
    expectProblem(refused, 429, "RATE_LIMITED");
    // Others are not affected, and a closed tab frees a place.
    expect((await connect(roomPath(ticket.id), agent.token)).status).toBe(101);
    held[0]!.close();
    await held[0]!.closed;
    // The room processes the close asynchronously.
    let reopened = await connect(roomPath(ticket.id), customer.token);
    for (let i = 0; i < 20 && reopened.status === 429; i++) reopened = await connect(roomPath(ticket.id), customer.token);
    expect(reopened.status).toBe(101);
  }, 60_000);

  it("takes a socket silent for too long (no message, no ping) for dead: it leaves presence; a pinging one stays", async () => {
    const { customer, agent } = await makeStaff();
    const ticket = await newTicket(customer);
    const a = await open(roomPath(ticket.id), agent.token);
    const c = await open(roomPath(ticket.id), customer.token);
    await a.presence([agent.id, customer.id]);
    const stub = env.TICKET_ROOM.getByName(ticket.id);
    await runInDurableObject(stub, (_room, state) => {
      for (const ws of state.getWebSockets()) {
        const s = ws.deserializeAttachment() as RoomSession;
        ws.serializeAttachment({ ...s, seenAt: s.seenAt - SILENT_SOCKET_MS - 1 });
      }
    });
    await evictDurableObject(stub);
    // The agent pings (answered by the runtime, without waking the room); the customer stays silent.
    a.send('{"type":"ping"}');
    await a.next("pong");
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await c.closed).code).toBe(1001);
    await a.presence([agent.id]);
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("a staff member demoted to customer is not shown internal traffic on the old socket", async () => {
    const { admin } = await makeStaff();
    const requester = await makeUser("customer");
    const agent = await makeUser("agent");
    const ticket = await newTicket(requester);
    const a = await open(roomPath(ticket.id), agent.token);
    await a.next("presence");
    expect((await api("PATCH", `/api/v1/users/${agent.id}`, { token: admin.token, body: { role: "customer" } })).status).toBe(200);
    expect(await runDurableObjectAlarm(env.TICKET_ROOM.getByName(ticket.id))).toBe(true);
    expect((await a.closed).code).toBe(CLOSE_SESSION_ENDED);
    // With a fresh token the demoted user cannot even open the room: it is not their ticket.
    const relogin = await api("POST", "/api/v1/auth/login", { body: { email: agent.email, password: "password-123" } });
    expect(relogin.status).toBe(200);
    expectProblem(await connect(roomPath(ticket.id), relogin.body.access_token), 404, "NOT_FOUND");
  });
});
