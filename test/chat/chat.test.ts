import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { roomInWindow } from "../auth/support";
import { api, expectProblem, makeStaff } from "../helpers";
import { closeAll, FEED_PATH, open, roomPath } from "../helpers/sockets";
import { chatPath, openChat, say, uniqueIp, uniqueV6Prefix, visitorSocket } from "./support";

let staff: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  staff = await makeStaff();
});
afterEach(() => closeAll());

describe("opening a chat", () => {
  it("makes a ticket of channel chat for an anonymous visitor, with a token for it and rate-limit headers", async () => {
    const res = await api("POST", "/api/v1/chat/sessions", { body: { name: "Vera", email: "Vera@Example.org", message: "My order is late" }, headers: { "cf-connecting-ip": uniqueIp() } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { ticket, visitor_token } = res.body;
    expect(visitor_token).toMatch(/^vt_[A-Za-z0-9_-]{43}$/);
    expect(ticket).toMatchObject({ channel: "chat", status: "open", subject: "Chat with Vera", description: "My order is late", requester: { name: "Vera" } });
    // The visitor's own account: no address anyone owns; what they typed is only their follow-up address.
    expect(ticket.requester.email).toMatch(/@visitors\.invalid$/);
    expect(res.headers.get("location")).toBe(`/api/v1/chat/sessions/${ticket.id}`);
    expect(res.headers.get("ratelimit-limit")).toBe("20");
    expect(res.headers.get("ratelimit-remaining")).toBe("19");

    const state = await api("GET", `/api/v1/chat/sessions/${ticket.id}`, { token: visitor_token });
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ ticket: { id: ticket.id }, visitor: { name: "Vera", email: "vera@example.org" } });
    // Staff see it like any ticket, in the chat channel.
    const list = await api("GET", "/api/v1/tickets?channel=chat&limit=100", { token: staff.agent.token });
    expect(list.body.data.map((t: any) => t.id)).toContain(ticket.id);
  });

  it("refuses bad bodies with 400 and creates nothing", async () => {
    const ip = uniqueIp();
    for (const body of [{ email: "not-an-address" }, { name: "" }, { message: " " }, { message: "x".repeat(50_001) }, { name: "x".repeat(101) }]) {
      expectProblem(await api("POST", "/api/v1/chat/sessions", { body, headers: { "cf-connecting-ip": ip } }), 400, "VALIDATION_ERROR");
    }
    expectProblem(await api("POST", "/api/v1/chat/sessions", { raw: "{nope", headers: { "content-type": "application/json", "cf-connecting-ip": ip } }), 400, "VALIDATION_ERROR");
    // None of them counted as a chat of this address.
    const ok = await api("POST", "/api/v1/chat/sessions", { body: {}, headers: { "cf-connecting-ip": ip } });
    expect(ok.status).toBe(201);
    expect(ok.body.ticket).toMatchObject({ subject: "Chat with a visitor", description: "(The visitor opened a chat.)", requester: { name: "Visitor" } });
  });

  it("limits chats per IPv4 address and per IPv6 /64 (429 with Retry-After), other clients unaffected", async () => {
    const ip = uniqueIp();
    const prefix = uniqueV6Prefix();
    // The limit is a fixed window of real time: the burst must not straddle the hour.
    await roomInWindow(3600, 60);
    const results = [];
    // Within one window: 20 from the same /64, each from another address of it.
    for (let i = 0; i < 20; i++) results.push((await api("POST", "/api/v1/chat/sessions", { body: {}, headers: { "cf-connecting-ip": `${prefix}::${(i + 1).toString(16)}` } })).status);
    expect(results).toEqual(Array(20).fill(201));
    const refused = await api("POST", "/api/v1/chat/sessions", { body: {}, headers: { "cf-connecting-ip": `${prefix}:abcd:ef01:2345:6789` } });
    expectProblem(refused, 429, "RATE_LIMITED");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    // Another client, and another /64 of the same /48, still open chats.
    expect((await api("POST", "/api/v1/chat/sessions", { body: {}, headers: { "cf-connecting-ip": ip } })).status).toBe(201);
    expect((await api("POST", "/api/v1/chat/sessions", { body: {}, headers: { "cf-connecting-ip": `${prefix.replace(/:[0-9a-f]+$/, ":ffff")}::1` } })).status).toBe(201);
    // Up to 60 s waiting for the window, then 22 chats.
  }, 120_000);

  it("limits messages per chat (429), counting none that were refused", async () => {
    const chat = await openChat();
    await roomInWindow(60, 30);
    const statuses = [];
    for (let i = 0; i < 30; i++) statuses.push((await say(chat, `line ${i}`)).status);
    expect(statuses).toEqual(Array(30).fill(201));
    expectProblem(await say(chat, "one too many"), 429, "RATE_LIMITED");
    const transcript = await api("GET", chatPath(chat, "/messages?limit=100"), { token: chat.token });
    expect(transcript.body.data).toHaveLength(30);
    // Up to 30 s waiting for the window, then 31 messages.
  }, 90_000);
});

describe("a visitor and an agent", () => {
  it("exchange messages and typing live; internal notes and internal typing never reach the visitor", async () => {
    const feed = await open(FEED_PATH, staff.agent2.token);
    await feed.next("presence");
    const chat = await openChat({ name: "Vera", message: "Hi!" });
    // The agents' feed: a new chat is waiting.
    expect((await feed.next("chat.waiting", (m) => m.ticket.id === chat.ticket.id)).ticket).toMatchObject({ channel: "chat" });

    const visitor = await visitorSocket(chat);
    const agent = await open(roomPath(chat.ticket.id), staff.agent.token);
    await visitor.presence([chat.ticket.requester.id, staff.agent.id]);
    await agent.presence([chat.ticket.requester.id, staff.agent.id]);

    // Typing both ways.
    visitor.send({ type: "typing", is_typing: true });
    expect(await agent.next("typing")).toMatchObject({ user_id: chat.ticket.requester.id, is_typing: true, internal: false });
    agent.send({ type: "typing", is_typing: true, internal: false });
    expect(await visitor.next("typing")).toMatchObject({ user_id: staff.agent.id, is_typing: true });
    agent.send({ type: "typing", is_typing: false });
    await visitor.next("typing", (m) => !m.is_typing);
    agent.send({ type: "typing", is_typing: true, internal: true });
    await visitor.none("typing", (m) => m.user_id === staff.agent.id && m.is_typing);

    // The visitor writes: a public chat comment, live on the agent's socket, and the chat still waits on the feed.
    const sent = await say(chat, "Where is my order #1234?");
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body).toMatchObject({ body: "Where is my order #1234?", internal: false, channel: "chat", author: { id: chat.ticket.requester.id, role: "customer" } });
    expect((await agent.next("comment.created")).comment.id).toBe(sent.body.id);
    await feed.next("chat.waiting", (m) => m.ticket.id === chat.ticket.id);

    // The agent takes the chat and answers; the note stays with staff.
    expect((await api("POST", `/api/v1/tickets/${chat.ticket.id}/assign`, { token: staff.agent.token, body: { assignee_id: staff.agent.id } })).status).toBe(200);
    const reply = await api("POST", `/api/v1/tickets/${chat.ticket.id}/comments`, { token: staff.agent.token, body: { body: "It ships today." } });
    const note = await api("POST", `/api/v1/tickets/${chat.ticket.id}/comments`, { token: staff.agent.token, body: { body: "internal: VIP customer", internal: true } });
    // The visitor's socket had their own message too; now the agent's answer.
    expect((await visitor.next("comment.created", (m) => m.comment.id === sent.body.id)).comment.body).toBe("Where is my order #1234?");
    expect((await visitor.next("comment.created", (m) => m.comment.id === reply.body.id)).comment).toMatchObject({ body: "It ships today.", author: { id: staff.agent.id } });
    await visitor.none("comment.created", (m) => m.comment.id === note.body.id);
    // Taken: the visitor's next message no longer waits on the feed.
    await say(chat, "Thanks!");
    await feed.none("chat.waiting", (m) => m.ticket.id === chat.ticket.id);

    const transcript = await api("GET", chatPath(chat, "/messages"), { token: chat.token });
    expect(transcript.body.data.map((c: any) => c.body)).toEqual(["Where is my order #1234?", "It ships today.", "Thanks!"]);
    expect(JSON.stringify(transcript.body)).not.toContain("VIP");
    expect(visitor.log.some((m) => JSON.stringify(m).includes("VIP"))).toBe(false);
  });

  it("the visitor cannot type internally, and a deleted chat closes the socket and refuses the token", async () => {
    const chat = await openChat();
    const visitor = await visitorSocket(chat);
    visitor.send({ type: "typing", is_typing: true, internal: true });
    expect(await visitor.next("error")).toMatchObject({ code: "FORBIDDEN" });
    expect((await api("DELETE", `/api/v1/tickets/${chat.ticket.id}`, { token: staff.admin.token })).status).toBe(204);
    expect((await visitor.closed).code).toBe(4404);
    expectProblem(await api("GET", chatPath(chat), { token: chat.token }), 404, "NOT_FOUND");
    expectProblem(await say(chat, "hello?"), 404, "NOT_FOUND");
  });

  it("a resolved chat reopens when the visitor writes; a closed or merged one refuses (422)", async () => {
    const chat = await openChat();
    await api("PATCH", `/api/v1/tickets/${chat.ticket.id}`, { token: staff.agent.token, body: { status: "resolved" } });
    expect((await say(chat, "one more thing")).status).toBe(201);
    expect((await api("GET", chatPath(chat), { token: chat.token })).body.ticket.status).toBe("open");
    const other = await openChat();
    const merged = await api("POST", `/api/v1/tickets/${chat.ticket.id}/merge`, { token: staff.agent.token, body: { into: other.ticket.id, confirm_requesters: true } });
    expect(merged.status).toBe(200);
    expectProblem(await say(chat, "still there?"), 422, "INVALID_TRANSITION");
    // The merged chat keeps its own transcript for its visitor, and shows nothing of the other chat.
    const transcript = await api("GET", chatPath(chat, "/messages"), { token: chat.token });
    expect(transcript.body.data.map((c: any) => c.body)).toEqual(["one more thing"]);
  });
});

describe("the browser side of the chat API", () => {
  it("answers CORS preflights for any origin without credentials, and exposes the rate-limit headers", async () => {
    const pre = await api("OPTIONS", "/api/v1/chat/sessions", {
      headers: { origin: "https://shop.example.net", "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    expect(pre.headers.get("access-control-allow-credentials")).toBeNull();
    const res = await api("POST", "/api/v1/chat/sessions", { body: {}, headers: { origin: "https://shop.example.net", "cf-connecting-ip": uniqueIp() } });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("ratelimit-remaining");
    // The rest of the API is not opened to other sites.
    const other = await api("OPTIONS", "/api/v1/tickets", { headers: { origin: "https://shop.example.net", "access-control-request-method": "GET" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("serves the widget and its stylesheet for any site: no framework, no inline styles, no HTML injection", async () => {
    const js = await api("GET", "/widget.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(js.headers.get("x-content-type-options")).toBe("nosniff");
    const source = js.body as string;
    expect(source.length).toBeLessThan(20_000);
    // What a strict CSP (no unsafe-inline, no unsafe-eval) would block, and what would let a message run script.
    for (const banned of ["innerHTML", "outerHTML", "insertAdjacentHTML", ".style.", "setAttribute(\"style\"", "cssText", "eval(", "new Function", "document.write"]) {
      expect(source, banned).not.toContain(banned);
    }
    const css = await api("GET", "/widget.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(css.body).toContain(".edc-launcher");
  });
});
