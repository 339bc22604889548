import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { CLOSE_SESSION_ENDED } from "../../src/ticket-room/protocol";
import { api, makeUser, type TestUser } from "../helpers";
import { closeAll, FEED_PATH, open, roomPath, type LiveSocket } from "../helpers/sockets";

afterEach(closeAll);

/** API.md "Auth": the sockets of a user whose sessions end close within a second (issue 9 item 9). */
const WITHIN_MS = 1_000;

async function ticketOf(customer: TestUser) {
  const res = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Printer on fire", description: "It smokes" } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** Resolves with the close code, or fails when the socket is still open `ms` later. */
function closedWithin(socket: LiveSocket, ms: number) {
  return Promise.race([
    socket.closed.then((c) => c.code),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket still open ${ms} ms later`)), ms)),
  ]);
}

describe("ending a user's sessions closes their sockets at once, in every room and the agents' feed", () => {
  it.each([
    ["deactivated", { active: false }],
    ["demoted", { role: "customer" }],
    ["given a new password", { password: "another-password-9" }],
  ])("%s: every socket of theirs closes with 4401 within a second; nobody else's", async (_, change) => {
    const admin = await makeUser("admin");
    const customer = await makeUser("customer");
    const agent = await makeUser("agent");
    const colleague = await makeUser("agent");
    const [t1, t2] = [await ticketOf(customer), await ticketOf(customer)];
    const theirs = [await open(roomPath(t1), agent.token), await open(roomPath(t2), agent.token), await open(roomPath(t2), agent.token), await open(FEED_PATH, agent.token)];
    const others = [await open(roomPath(t1), colleague.token), await open(roomPath(t2), customer.token), await open(FEED_PATH, colleague.token)];
    await others[0]!.presence([agent.id, colleague.id]);

    const res = await api("PATCH", `/api/v1/users/${agent.id}`, { token: admin.token, body: change });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // No alarm is run here: the close comes from the change itself.
    const codes = await Promise.all(theirs.map((s) => closedWithin(s, WITHIN_MS)));
    expect(codes).toEqual(theirs.map(() => CLOSE_SESSION_ENDED));
    await others[0]!.presence([colleague.id]);
    for (const s of others) expect(s.ws.readyState).toBe(WebSocket.OPEN);
    await others[2]!.next("presence", (m) => m.users.every((u: { id: string }) => u.id !== agent.id));
  });

  it("a socket that joins while the end is under way is closed at once, and a new session's sockets survive an old end", async () => {
    const customer = await makeUser("customer");
    const agent = await makeUser("agent");
    const ticket = await ticketOf(customer);
    // The Worker authenticated the upgrade at version 0; the user's sessions end (version 1) before the room registers the socket.
    await env.USER_SESSIONS.getByName(agent.id).end(1);
    const late = await open(roomPath(ticket), agent.token);
    expect(await closedWithin(late, WITHIN_MS)).toBe(CLOSE_SESSION_ENDED);

    // A fresh session (version 1) is not touched by an end that only reaches version 1.
    const admin = await makeUser("admin");
    expect((await api("PATCH", `/api/v1/users/${agent.id}`, { token: admin.token, body: { password: "fresh-password-1" } })).status).toBe(200);
    const login = await api("POST", "/api/v1/auth/login", { body: { email: agent.email, password: "fresh-password-1" } });
    const fresh = await open(roomPath(ticket), login.body.access_token);
    await fresh.next("presence");
    await env.USER_SESSIONS.getByName(agent.id).end(1);
    await fresh.none("presence", () => false, 300);
    expect(fresh.ws.readyState).toBe(WebSocket.OPEN);
    // The registry still knows the room: the next end reaches it.
    expect((await api("PATCH", `/api/v1/users/${agent.id}`, { token: admin.token, body: { active: false } })).status).toBe(200);
    expect(await closedWithin(fresh, WITHIN_MS)).toBe(CLOSE_SESSION_ENDED);
  });
});
