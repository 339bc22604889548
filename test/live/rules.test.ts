import { describe, expect, it } from "vitest";
import type { TicketEvent } from "../../src/events/ticket-events";
import {
  applyTyping,
  AWAY_AFTER_MS,
  countMessage,
  feedMessages,
  feedPresence,
  nextAway,
  nextTypingExpiry,
  publicTypists,
  roomMessage,
  roomPresence,
  TYPING_TTL_MS,
  typingExpired,
  type FeedSession,
  type RoomSession,
} from "../../src/ticket-room/presence";
import { MAX_CLIENT_MESSAGE_BYTES, MAX_CLIENT_MESSAGES_PER_SECOND, parseClientMessage, RoomClientMessage } from "../../src/ticket-room/protocol";

const session = (over: Partial<RoomSession> & Pick<RoomSession, "id" | "role">): RoomSession => ({
  name: over.id,
  tokenVersion: 0,
  joinedAt: 0,
  state: "viewing",
  internalTyping: false,
  typingSince: 0,
  seenAt: 0,
  ...over,
});

describe("room presence", () => {
  const agentNote = session({ id: "agent", role: "agent", joinedAt: 1, state: "typing", internalTyping: true, typingSince: 5 });
  const agentReply = session({ id: "agent2", role: "agent", joinedAt: 3, state: "typing", typingSince: 5 });
  const customerTab1 = session({ id: "cust", role: "customer", joinedAt: 2 });
  const customerTab2 = session({ id: "cust", role: "customer", joinedAt: 4, state: "typing", typingSince: 6 });
  const all = [agentReply, customerTab2, agentNote, customerTab1];

  it.each([
    ["staff", [["agent", "typing"], ["cust", "typing"], ["agent2", "typing"]]],
    ["customer", [["agent", "viewing"], ["cust", "typing"], ["agent2", "typing"]]],
  ] as const)("as %s sees it: one entry per user in order of arrival, internal notes shown to customers as viewing", (audience, expected) => {
    expect(roomPresence(all, audience).map((u) => [u.id, u.state])).toEqual(expected);
  });

  it("names only staff writing a public reply as colliding", () => {
    expect(publicTypists(all).map((u) => u.id)).toEqual(["agent2"]);
  });

  it("typing refreshes, stops, and expires after its TTL", () => {
    const s = session({ id: "a", role: "agent" });
    const typing = applyTyping(s, true, false, 1000);
    expect(typing).toMatchObject({ state: "typing", typingSince: 1000 });
    expect(typingExpired(typing, 1000 + TYPING_TTL_MS - 1)).toBe(false);
    expect(typingExpired(typing, 1000 + TYPING_TTL_MS)).toBe(true);
    expect(nextTypingExpiry([s, typing, applyTyping(s, true, true, 500)])).toBe(500 + TYPING_TTL_MS);
    expect(applyTyping(typing, false, true, 2000)).toMatchObject({ state: "viewing", internalTyping: false, typingSince: 0 });
    expect(nextTypingExpiry([s])).toBeNull();
  });
});

describe("which events each audience gets", () => {
  const ticket = { id: "t1", channel: "web", status: "open", assignee_id: null, requester: { id: "c" }, custom_fields: {} } as never;
  const chat = { id: "t2", channel: "chat", status: "open", assignee_id: null, requester: { id: "v" }, custom_fields: {} } as never;
  const taken = { id: "t3", channel: "chat", status: "open", assignee_id: "a", requester: { id: "v" }, custom_fields: {} } as never;
  const actor = { id: "a", name: "A", role: "agent" as const };
  const visitor = { id: "v", name: "V", role: "customer" as const };
  const events: [string, TicketEvent, boolean, boolean][] = [
    // name, event, staff gets it, customer gets it
    ["public comment", { type: "comment.created", ticket, comment: { internal: false, author: actor } as never, actor }, true, true],
    ["internal note", { type: "comment.created", ticket, comment: { internal: true, author: actor } as never, actor }, true, false],
    ["status change", { type: "ticket.updated", ticket, changes: {}, version: 2, actor, internal: false }, true, true],
    ["escalation", { type: "ticket.updated", ticket, changes: {}, version: 2, actor, internal: true }, true, false],
    ["assignment", { type: "ticket.assigned", ticket, assignee_id: "a", actor }, true, true],
    ["assignment by escalation", { type: "ticket.assigned", ticket, assignee_id: "a", actor, internal: true }, true, false],
    ["creation", { type: "ticket.created", ticket, actor }, false, false],
    ["breach", { type: "sla.breached", ticket, target: "resolution", actor: null }, false, false],
    ["new chat", { type: "ticket.created", ticket: chat, actor: visitor }, false, false],
    ["chat message, nobody assigned", { type: "comment.created", ticket: chat, comment: { internal: false, author: visitor } as never, actor: visitor }, true, true],
    ["chat message, assigned", { type: "comment.created", ticket: taken, comment: { internal: false, author: visitor } as never, actor: visitor }, true, true],
    ["agent's chat reply", { type: "comment.created", ticket: chat, comment: { internal: false, author: actor } as never, actor }, true, true],
  ];
  it.each(events)("%s", (_name, event, staff, customer) => {
    expect(roomMessage(event, "staff") !== null).toBe(staff);
    expect(roomMessage(event, "customer") !== null).toBe(customer);
  });

  it("customers get custom fields they may see only, and no change of hidden fields alone", () => {
    const withFields = { id: "t1", custom_fields: { product: "a", risk: 9 } } as never;
    const hiddenOnly: TicketEvent = { type: "ticket.updated", ticket: withFields, changes: { "custom_fields.risk": [1, 9] }, version: 3, actor, internal: false, customer_fields: ["product"] };
    expect(roomMessage(hiddenOnly, "customer")).toBeNull();
    expect(roomMessage(hiddenOnly, "staff")).toMatchObject({ ticket: withFields, changes: { "custom_fields.risk": [1, 9] } });
    const mixed: TicketEvent = { ...hiddenOnly, changes: { "custom_fields.risk": [1, 9], "custom_fields.product": [null, "a"] } };
    expect(roomMessage(mixed, "customer")).toMatchObject({ ticket: { custom_fields: { product: "a" } }, changes: { "custom_fields.product": [null, "a"] } });
    // An event without the list shows customers no field (fail closed).
    const unlisted: TicketEvent = { type: "ticket.assigned", ticket: withFields, assignee_id: "a", actor };
    expect(roomMessage(unlisted, "customer")).toMatchObject({ ticket: { custom_fields: {} } });
  });

  it("the feed gets queue events only, in API.md's shapes", () => {
    expect(events.map(([name, e]) => [name, feedMessages(e).map((m) => m.type)])).toEqual([
      ["public comment", []],
      ["internal note", []],
      ["status change", []],
      ["escalation", []],
      ["assignment", ["ticket.assigned"]],
      ["assignment by escalation", ["ticket.assigned"]],
      ["creation", ["ticket.created"]],
      ["breach", ["sla.breached"]],
      // API.md "More channels and data": chats waiting on an agent.
      ["new chat", ["ticket.created", "chat.waiting"]],
      ["chat message, nobody assigned", ["chat.waiting"]],
      ["chat message, assigned", []],
      ["agent's chat reply", []],
    ]);
    expect(feedMessages(events[7]![1])).toEqual([{ type: "sla.breached", ticket, target: "resolution" }]);
    expect(feedMessages(events[9]![1])).toEqual([{ type: "chat.waiting", ticket: chat }]);
  });
});

describe("agents' feed presence", () => {
  const feedSession = (id: string, lastActiveAt: number, joinedAt = 0): FeedSession => ({
    id,
    name: id,
    role: "agent",
    tokenVersion: 0,
    joinedAt,
    lastActiveAt,
    announcedAway: false,
    seenAt: 0,
  });
  it("is away after 5 idle minutes unless another tab of the same agent is active", () => {
    const now = 10 * AWAY_AFTER_MS;
    const idle = feedSession("idle", now - AWAY_AFTER_MS);
    const almost = feedSession("almost", now - AWAY_AFTER_MS + 1, 1);
    const twoTabs = [feedSession("tabs", now - 2 * AWAY_AFTER_MS, 2), feedSession("tabs", now - 10, 3)];
    expect(feedPresence([idle, almost, ...twoTabs], now).map((u) => [u.id, u.state])).toEqual([
      ["idle", "away"],
      ["almost", "online"],
      ["tabs", "online"],
    ]);
    expect(nextAway([idle, almost, ...twoTabs], now)).toBe(now + 1);
  });
});

describe("floods and oversized messages", () => {
  it(`allows ${MAX_CLIENT_MESSAGES_PER_SECOND} messages within a second and flags the next; a new second starts over`, () => {
    let window;
    for (let i = 0; i < MAX_CLIENT_MESSAGES_PER_SECOND; i++) {
      const r = countMessage(window, 1000 + i);
      expect(r.flooding).toBe(false);
      window = r.window;
    }
    expect(countMessage(window, 1999).flooding).toBe(true);
    expect(countMessage(window, 2000).flooding).toBe(false);
  });

  it("measures messages in UTF-8 bytes, up to and including the limit", () => {
    const padded = (bytes: number, char = "x") => {
      const base = JSON.stringify({ type: "ping", pad: "" });
      const per = new TextEncoder().encode(char).byteLength;
      return JSON.stringify({ type: "ping", pad: char.repeat((bytes - base.length) / per) });
    };
    expect(parseClientMessage(RoomClientMessage, padded(MAX_CLIENT_MESSAGE_BYTES)).ok).toBe(true);
    expect(parseClientMessage(RoomClientMessage, padded(MAX_CLIENT_MESSAGE_BYTES + 1))).toMatchObject({ ok: false, code: "PAYLOAD_TOO_LARGE" });
    expect(parseClientMessage(RoomClientMessage, padded(MAX_CLIENT_MESSAGE_BYTES - 1, "é") + "")).toMatchObject({ ok: true });
    expect(parseClientMessage(RoomClientMessage, padded(MAX_CLIENT_MESSAGE_BYTES + 2, "é"))).toMatchObject({ ok: false, code: "PAYLOAD_TOO_LARGE" });
  });

  it("drops what the protocol does not define, such as a client-chosen user_id", () => {
    expect(parseClientMessage(RoomClientMessage, JSON.stringify({ type: "typing", is_typing: true, user_id: "someone" }))).toEqual({
      ok: true,
      message: { type: "typing", is_typing: true, internal: false },
    });
  });
});
