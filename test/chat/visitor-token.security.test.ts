import { afterEach, describe, expect, it } from "vitest";
import { api, makeStaff, makeUser } from "../helpers";
import { closeAll, connect } from "../helpers/sockets";
import { fill, isVisitorRoute as isChatRoute, NO_BEARER, operations, send, snapshot, SWEEP_MS } from "../security/support";
import { openChat, type Chat } from "./support";

/**
 * API.md "More channels and data": the visitor token reaches its chat alone. Swept over the whole
 * route table (new routes join by themselves): every route that is not a chat route refuses it
 * (401, even when the path names the visitor's own ticket), and the chat routes refuse it for any
 * other ticket (404: another chat, a customer's ticket, an unknown id), changing nothing.
 */
const staff = await makeStaff();
const customer = await makeUser("customer");
const mine: Chat = await openChat({ name: "Vera", email: "vera@example.org", message: "mine" });
const other: Chat = await openChat({ name: "Otto", message: "someone else's chat" });
const ticket = (await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Private", description: "a customer's own" } })).body;
const myComment = (await api("POST", `/api/v1/chat/sessions/${mine.ticket.id}/messages`, { token: mine.token, body: { body: "hello" } })).body;
const { ops } = await operations();
afterEach(() => closeAll());


describe("a visitor token", () => {
  it("is refused (401) by every route but its chat's, whatever the path names, and changes nothing", async () => {
    const before = await snapshot();
    const found: string[] = [];
    for (const o of ops.filter((o) => o.path.startsWith("/api/v1/") && !isChatRoute(o) && !NO_BEARER.has(o.key))) {
      // The visitor's own ticket in every ticket slot: the strongest case.
      const path = fill(o.path, { id: mine.ticket.id, ticket_id: mine.ticket.id, comment_id: myComment.id, kind: "reply", name: "high" }, mine.ticket.id);
      const res = await send(o, path, mine.token, {});
      if (res.status !== 401 || res.body?.code !== "UNAUTHORIZED") found.push(`${o.key} → ${res.status}`);
    }
    expect(found).toEqual([]);
    expect(await snapshot()).toEqual(before);
    // The sweep covered the routes that matter most.
    expect(ops.filter((o) => !isChatRoute(o)).map((o) => o.key)).toEqual(expect.arrayContaining(["GET /api/v1/tickets/{id}", "GET /api/v1/tickets/{id}/comments", "GET /api/v1/search"]));
  }, SWEEP_MS);

  it("opens no socket but its chat's: not the ticket room, not the agents' feed", async () => {
    for (const path of [`/api/v1/tickets/${mine.ticket.id}/live`, "/api/v1/live"]) {
      const up = await connect(path, mine.token);
      expect([path, up.status]).toEqual([path, 401]);
    }
    for (const id of [other.ticket.id, ticket.id, "no-such-ticket"]) {
      const up = await connect(`/api/v1/chat/sessions/${id}/live?token=${encodeURIComponent(mine.token)}`);
      expect([id, up.status, up.socket]).toEqual([id, 404, null]);
    }
    expect((await connect(`/api/v1/chat/sessions/${mine.ticket.id}/live?token=${encodeURIComponent(mine.token)}`)).status).toBe(101);
  });

  it("reaches its own chat on every chat route, and no other ticket on any of them (404, nothing changes)", async () => {
    const chatOps = ops.filter(isChatRoute);
    expect(chatOps.map((o) => o.key).sort()).toEqual(
      [
        "GET /api/v1/chat/sessions/{ticket_id}",
        "PATCH /api/v1/chat/sessions/{ticket_id}",
        "GET /api/v1/chat/sessions/{ticket_id}/messages",
        "POST /api/v1/chat/sessions/{ticket_id}/messages",
        "GET /api/v1/chat/sessions/{ticket_id}/live",
      ].sort(),
    );
    const bodies: Record<string, unknown> = { "PATCH /api/v1/chat/sessions/{ticket_id}": { name: "Mallory" }, "POST /api/v1/chat/sessions/{ticket_id}/messages": { body: "let me in" } };
    const before = await snapshot();
    const found: string[] = [];
    for (const o of chatOps) {
      for (const id of [other.ticket.id, ticket.id, "no-such-ticket", other.ticket.number]) {
        const res = await send(o, fill(o.path, { ticket_id: id }), mine.token, bodies[o.key] ?? {});
        if (res.status !== 404 || JSON.stringify(res.body).includes("someone else's")) found.push(`${o.key} ${id} → ${res.status}`);
      }
      // Without a token, or with an access token instead of a visitor token: 401.
      for (const token of [undefined, customer.token, staff.admin.token]) {
        const res = await send(o, fill(o.path, { ticket_id: mine.ticket.id }), token, bodies[o.key] ?? {});
        if (res.status !== 401) found.push(`${o.key} with ${token ? "an access token" : "no token"} → ${res.status}`);
      }
    }
    expect(found).toEqual([]);
    expect(await snapshot()).toEqual(before);

    // And its own chat, by every chat route but the socket (above).
    for (const o of chatOps.filter((o) => !o.path.endsWith("/live"))) {
      const res = await send(o, fill(o.path, { ticket_id: mine.ticket.id }), mine.token, bodies[o.key] ?? {});
      expect([o.key, res.status]).toEqual([o.key, o.method === "POST" ? 201 : 200]);
    }
  }, SWEEP_MS);

  it("of another chat is refused by this one, and a made-up token in the right shape is refused too", async () => {
    const fake = `vt_${"A".repeat(43)}`;
    for (const token of [other.token, fake]) {
      const res = await api("GET", `/api/v1/chat/sessions/${mine.ticket.id}/messages`, { token });
      expect(res.status).toBe(404);
    }
  });
});
