import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLogs, comments, inboundMessages, outboundMessages } from "../../src/db/schema";
import { outboundRawKey } from "../../src/email/outbound";
import { api, db, expectProblem, makeStaff, makeUser } from "../helpers";
import { leakEnv, mailsTo } from "../security/leak-support";
import { deliver, mailEnv, r2Text, rawMail, runOutbox, uniqueId } from "../email/mail-helpers";
import { call, hookEnv, receiverEndpoint } from "../webhooks/support";
import { canaryWord, objectsHolding, searchHits, tablesHolding } from "./support";

/**
 * Redaction (API.md "More channels and data"): a passage leaves the comment, its search row, the
 * mail it came in with (row and stored .eml) and the mail it went out as (row and stored copy).
 * The check is a canary: a word found before in the tables and the bucket, and nowhere after.
 */
let s: Awaited<ReturnType<typeof makeStaff>>;
const canary = canaryWord("card");
const passage = `4111 1111 1111 1111 ${canary}`;
let ticketId: string;
let mailed: { id: string; body: string };
let reply: { id: string; body: string };

const commentsOf = async (token: string) => (await api("GET", `/api/v1/tickets/${ticketId}/comments?limit=100`, { token })).body.data as { id: string; body: string }[];

beforeAll(async () => {
  s = await makeStaff();
  // A webhook: every event it receives is kept (payload) for its deliveries.
  const hook = await call(hookEnv().env, "POST", "/api/v1/webhooks", { token: s.admin.token, body: { url: receiverEndpoint("privacy").url, events: ["ticket.created", "comment.created"] } });
  expect(hook.status).toBe(201);
  const testEnv = mailEnv().env;
  const firstId = uniqueId("first");
  await deliver(rawMail({ from: s.customer.email, messageId: firstId, subject: "Payment failed", body: "My payment failed twice." }), { from: s.customer.email }, testEnv);
  const [first] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, firstId));
  ticketId = first!.ticketId!;
  // The customer pastes a card number into a mailed reply…
  const replyId = uniqueId("rep");
  await deliver(rawMail({ from: s.customer.email, messageId: replyId, inReplyTo: firstId, subject: "Re: Payment failed", body: `Here is my card: ${passage} exp 12/29. Thanks!` }), { from: s.customer.email }, testEnv);
  const [second] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, replyId));
  mailed = (await commentsOf(s.agent.token)).find((c) => c.id === second!.commentId)!;
  // …and the agent's public reply quotes it (an Idempotency-Key keeps the answer for replays).
  const res = await api("POST", `/api/v1/tickets/${ticketId}/comments`, {
    token: s.agent.token,
    body: { body: `Thanks, we charged the card ${passage} again. All good now.` },
    headers: { "Idempotency-Key": "redact-reply-1" },
  });
  expect(res.status).toBe(201);
  reply = res.body;
  await runOutbox([`reply-${reply.id}`], mailEnv().env);
}, 60_000);

describe("redacting a passage", () => {
  it("before: the passage is in the comments, the mail rows, the stored mails, the search index and a stored response", async () => {
    expect(mailed.body).toContain(passage);
    const tables = await tablesHolding(canary);
    for (const t of ["comments.body", "inbound_messages.text", "outbound_messages.data", "idempotency_keys.body", "webhook_events.payload"]) expect(tables).toContain(t);
    expect(tables.some((t) => t.startsWith("comments_fts"))).toBe(true);
    const objects = await objectsHolding(canary);
    const [inbound] = await db().select().from(inboundMessages).where(eq(inboundMessages.commentId, mailed.id));
    expect(objects).toEqual(expect.arrayContaining([inbound!.rawKey, outboundRawKey(`reply-${reply.id}`)]));
    expect(await searchHits(s.agent, canary)).toBe(2);
  });

  it("from a mailed comment: the text around it stays, the mail row and the stored .eml lose it, search no longer finds it", async () => {
    const res = await api("POST", `/api/v1/tickets/${ticketId}/comments/${mailed.id}/redact`, { token: s.agent.token, body: { text: passage } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: mailed.id, body: "Here is my card: [redacted] exp 12/29. Thanks!", internal: false });
    expect((await commentsOf(s.customer.token)).find((c) => c.id === mailed.id)!.body).toBe("Here is my card: [redacted] exp 12/29. Thanks!");
    const [inbound] = await db().select().from(inboundMessages).where(eq(inboundMessages.commentId, mailed.id));
    expect(inbound!.text).toContain("Here is my card: [redacted] exp 12/29.");
    const eml = (await r2Text(inbound!.rawKey))!;
    expect(eml).toContain("Here is my card: [redacted] exp 12/29.");
    expect(eml).toMatch(/^From: .*\r\nTo: .*\r\nSubject: Re: Payment failed\r\n/);
    expect(eml).not.toContain(canary);
    // The agent's reply still holds it: one hit left.
    expect(await searchHits(s.agent, canary)).toBe(1);
  });

  it("from a staff reply: the outbound row, the stored copy of the sent mail and the replayed response lose it", async () => {
    const res = await api("POST", `/api/v1/tickets/${ticketId}/comments/${reply.id}/redact`, { token: s.manager.token, body: { text: passage } });
    expect(res.status).toBe(200);
    expect(res.body.body).toBe("Thanks, we charged the card [redacted] again. All good now.");
    const [out] = await db().select().from(outboundMessages).where(eq(outboundMessages.commentId, reply.id));
    expect(out!.data).toMatchObject({ comment: { body: "Thanks, we charged the card [redacted] again. All good now." } });
    expect(await r2Text(outboundRawKey(out!.id))).toContain("Thanks, we charged the card [redacted] again.");
    const replay = await api("POST", `/api/v1/tickets/${ticketId}/comments`, {
      token: s.agent.token,
      body: { body: `Thanks, we charged the card ${passage} again. All good now.` },
      headers: { "Idempotency-Key": "redact-reply-1" },
    });
    expect(replay.body.body).toBe("Thanks, we charged the card [redacted] again. All good now.");
  });

  it("after: no table, search result or stored object holds it; history and audit say it happened, not what", async () => {
    expect(await tablesHolding(canary)).toEqual([]);
    expect(await objectsHolding(canary)).toEqual([]);
    expect(await searchHits(s.agent, canary)).toBe(0);
    expect(await searchHits(s.customer, canary)).toBe(0);
    // The rest of the comment is still found.
    expect(await searchHits(s.agent, "charged")).toBeGreaterThanOrEqual(1);
    const history = (await api("GET", `/api/v1/tickets/${ticketId}/history`, { token: s.customer.token })).body.data as { type: string; changes: Record<string, unknown> }[];
    expect(history.filter((h) => h.type === "comment_redacted").map((h) => h.changes)).toEqual([{ comment_id: mailed.id }, { comment_id: reply.id }]);
    const audit = await db().select().from(auditLogs).where(eq(auditLogs.action, "comment.redacted"));
    expect(audit.map((a) => [a.entityId, a.actorId, a.changes])).toEqual([
      [mailed.id, s.agent.id, { ticket_id: ticketId, passages: 1 }],
      [reply.id, s.manager.id, { ticket_id: ticketId, passages: 1 }],
    ]);
  });
});

describe("refused redactions change nothing", () => {
  it("a passage not in the comment is 400; customers 403; another ticket's comment, an unknown one or an unseen ticket 404; bad bodies 400", async () => {
    const note = await api("POST", `/api/v1/tickets/${ticketId}/comments`, { token: s.agent.token, body: { body: "Internal: customer is VIP", internal: true } });
    const other = await api("POST", "/api/v1/tickets", { token: s.customer2.token, body: { subject: "Other", description: "Other ticket" } });
    const path = (t: string, c: string) => `/api/v1/tickets/${t}/comments/${c}/redact`;
    const notThere = await api("POST", path(ticketId, note.body.id), { token: s.agent.token, body: { text: "not in it" } });
    expectProblem(notThere, 400, "VALIDATION_ERROR");
    expect(notThere.body.errors).toHaveProperty("text");
    expectProblem(await api("POST", path(ticketId, mailed.id), { token: s.customer.token, body: { text: "Thanks" } }), 403, "FORBIDDEN");
    expectProblem(await api("POST", path(other.body.id, note.body.id), { token: s.agent.token, body: { text: "VIP" } }), 404, "NOT_FOUND");
    expectProblem(await api("POST", path(ticketId, "nope"), { token: s.agent.token, body: { text: "VIP" } }), 404, "NOT_FOUND");
    expectProblem(await api("POST", path("no-such-ticket", note.body.id), { token: s.agent.token, body: { text: "VIP" } }), 404, "NOT_FOUND");
    for (const body of [{}, { text: "" }, { text: "   " }, { text: "VIP", extra: 1 }, { text: "x".repeat(10_001) }]) {
      expectProblem(await api("POST", path(ticketId, note.body.id), { token: s.agent.token, body }), 400, "VALIDATION_ERROR");
    }
    const [row] = await db().select().from(comments).where(eq(comments.id, note.body.id));
    expect(row!.body).toBe("Internal: customer is VIP");
    expect(await db().select().from(auditLogs).where(eq(auditLogs.entityId, note.body.id))).toHaveLength(1);
  });

  it("an internal note's redaction is not in the customer's history", async () => {
    const note = await api("POST", `/api/v1/tickets/${ticketId}/comments`, { token: s.agent.token, body: { body: "Door code 4471 for the visit", internal: true } });
    expect((await api("POST", `/api/v1/tickets/${ticketId}/comments/${note.body.id}/redact`, { token: s.agent.token, body: { text: "4471" } })).body.body).toBe("Door code [redacted] for the visit");
    const history = async (token: string) => ((await api("GET", `/api/v1/tickets/${ticketId}/history`, { token })).body.data as { changes: Record<string, unknown> }[]).filter((h) => h.changes.comment_id === note.body.id);
    expect(await history(s.customer.token)).toEqual([]);
    expect((await history(s.agent.token)).length).toBe(2);
    void env;
  });
});

describe("a redacted staff reply in the requester's notifications", () => {
  // The notification quotes the reply's first words flattened to one line and cut (domain/notifications.ts
  // excerpt): a passage over a line break, or across the cut, is not written there as it is in the comment.
  const notificationsAbout = async (token: string, id: string) =>
    ((await api("GET", "/api/v1/notifications?limit=100", { token })).body.data as { ticket_id: string; body: string }[]).filter((n) => n.ticket_id === id);

  it("loses another customer's details pasted over several lines, and a passage cut by the excerpt", async () => {
    const ticket = await api("POST", "/api/v1/tickets", { token: s.customer2.token, body: { subject: "Where is my parcel?", description: "Not arrived." } });
    expect(ticket.status).toBe(201);
    const id = ticket.body.id as string;
    // The agent pastes the wrong customer's address into the reply, over three lines…
    const other = canaryWord("addr");
    const pasted = `Bob Otherperson\n12 Elm Road\nSpringfield ${other}`;
    const lines = await api("POST", `/api/v1/tickets/${id}/comments`, { token: s.agent.token, body: { body: `Hello,\nwe shipped it to:\n${pasted}\nRegards` } });
    expect(lines.status).toBe(201);
    // …and, in a long reply, a passage that starts before the excerpt's cut and ends after it.
    const cut = canaryWord("cut");
    const long = await api("POST", `/api/v1/tickets/${id}/comments`, { token: s.agent.token, body: { body: `${"Thank you for waiting. ".repeat(11)}Parcel number: #${cut} tracking ${"x".repeat(60)}` } });
    expect(long.status).toBe(201);
    const before = (await notificationsAbout(s.customer2.token, id)).map((n) => n.body).join("\n");
    expect(before).toContain(other);
    // The excerpt keeps 279 characters: the cut falls inside the passage, after ten of its characters.
    expect(before).toContain(`#${cut.slice(0, 10)}…`);

    for (const [comment, text] of [
      [lines.body.id, pasted],
      [long.body.id, `${cut} tracking ${"x".repeat(60)}`],
    ] as const) {
      const res = await api("POST", `/api/v1/tickets/${id}/comments/${comment}/redact`, { token: s.agent.token, body: { text } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const after = await notificationsAbout(s.customer2.token, id);
    // Both notifications are still there, with the rest of their words.
    expect(after).toHaveLength(2);
    const bodies = after.map((n) => n.body).join("\n");
    expect(bodies).toContain("we shipped it to: [redacted] Regards");
    expect(bodies).not.toContain(other);
    expect(bodies).not.toContain("Otherperson");
    expect(bodies).not.toContain(cut.slice(0, 10));
    expect(await tablesHolding(other)).toEqual([]);
  });
});

describe("a redacted staff reply in a notification mail", () => {
  it("a notification mail still waiting in the outbox goes out without the passage, and no stored copy keeps it", async () => {
    const t = leakEnv();
    const customer = await makeUser("customer");
    expect((await t.call("PUT", "/api/v1/me/notification-preferences", { token: customer.token, body: { agent_replied: { in_app: true, email: true } } })).status).toBe(200);
    const ticket = await t.call("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Parcel", description: "Not arrived." } });
    const other = canaryWord("mailaddr");
    const pasted = `Bob Otherperson\n12 Elm Road ${other}`;
    const reply = await t.call("POST", `/api/v1/tickets/${ticket.body.id}/comments`, { token: s.agent.token, body: { body: `Hello,\nwe shipped it to:\n${pasted}\nRegards` } });
    expect(reply.status).toBe(201);
    // Redacted before the queue got to the mails.
    expect((await t.call("POST", `/api/v1/tickets/${ticket.body.id}/comments/${reply.body.id}/redact`, { token: s.agent.token, body: { text: pasted } })).status).toBe(200);
    await t.drain();
    const mails = await mailsTo(t, customer.email);
    // The reply itself and the notification.
    // In whichever order they went: two mails, one of each (sorting matchers orders nothing).
    const subjects = mails.map((m) => m.subject);
    expect(subjects).toHaveLength(2);
    expect(subjects.filter((subject) => subject.includes("New reply on"))).toHaveLength(1);
    expect(subjects.filter((subject) => !subject.includes("New reply on") && subject.includes("Parcel"))).toHaveLength(1);
    expect(mails.map((m) => m.content).join("\n")).not.toContain(other);
    expect(await tablesHolding(other)).toEqual([]);
    expect(await objectsHolding(other)).toEqual([]);
  });
});
