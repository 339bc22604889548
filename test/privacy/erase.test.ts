import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditLogs, comments, inboundMessages, outboundMessages, ticketParticipants, tickets } from "../../src/db/schema";
import { api, db, expectProblem, makeStaff, makeUser, PASSWORD, type TestUser } from "../helpers";
import { deliver, mailEnv, rawMail, runOutbox, uniqueId } from "../email/mail-helpers";
import { call, hookEnv, receiverEndpoint } from "../webhooks/support";
import { upload } from "../security/support";
import { leakEnv, mailsTo } from "../security/leak-support";
import { clearRules, makeRule, word as ruleWord } from "../rules/support";
import { canaryWord, objectsHolding, searchHits, tablesHolding } from "./support";

/**
 * Erasure (API.md "More channels and data"): after it, the person's name, address and words are in
 * no table (every table of sqlite_master, the search index's own tables included), no search result
 * and no stored object; their tickets stay with the staff's side of them, and the audit says an
 * erasure happened and who did it.
 */
let s: Awaited<ReturnType<typeof makeStaff>>;
let person: TestUser;
const nameCanary = `Zq${canaryWord("n").slice(2, 10)} Person`;
const emailCanary = `${canaryWord("e")}@canary.example`;
const textCanary = canaryWord("t");
const canaries = [nameCanary, emailCanary, textCanary];
let apiTicket: string;
let mailTicket: string;
let othersTicket: string;
let staffReply: string;

/** Rows of the search index matching a word, read straight from FTS5 (a search through the API would record the word in analytics). */
const indexed = async (word: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM comments_fts WHERE comments_fts MATCH ?").bind(`"${word}"`).first<{ n: number }>())!.n +
  (await env.DB.prepare("SELECT count(*) AS n FROM tickets_fts WHERE tickets_fts MATCH ?").bind(`"${word}"`).first<{ n: number }>())!.n;

beforeAll(async () => {
  s = await makeStaff();
  // A webhook: every event it receives is kept (payload) for its deliveries.
  const hook = await call(hookEnv().env, "POST", "/api/v1/webhooks", { token: s.admin.token, body: { url: receiverEndpoint("privacy").url, events: ["ticket.created", "comment.created"] } });
  expect(hook.status).toBe(201);
  person = await makeUser("customer", { name: "Temporary Name", email: emailCanary });
  // An admin corrects the name: the audit row holds the old and the new one.
  expect((await api("PATCH", `/api/v1/users/${person.id}`, { token: s.admin.token, body: { name: nameCanary } })).status).toBe(200);
  expect((await api("POST", "/api/v1/auth/login", { body: { email: emailCanary, password: PASSWORD } })).status).toBe(200);
  // A ticket through the API, with a reply of theirs and a staff answer that names them.
  const created = await api("POST", "/api/v1/tickets", { token: person.token, body: { subject: "Order missing", description: `My order ${textCanary} never came.` } });
  apiTicket = created.body.id;
  await api("POST", `/api/v1/tickets/${apiTicket}/comments`, { token: person.token, body: { body: `Tracking says ${textCanary} is lost.` }, headers: { "Idempotency-Key": "erase-k1" } });
  const reply = await api("POST", `/api/v1/tickets/${apiTicket}/comments`, { token: s.agent.token, body: { body: `Hi ${nameCanary}, we are sending a new one to ${emailCanary}.` } });
  staffReply = reply.body.id;
  // A file they uploaded: an object of its own in R2 (storage_key), not a content address.
  expect((await upload(apiTicket, person.token, "receipt.txt", new TextEncoder().encode(`receipt ${textCanary}`))).status).toBe(201);
  await runOutbox([`reply-${staffReply}`], mailEnv().env);
  // A ticket by mail, with a file.
  const firstId = uniqueId("first");
  await deliver(
    rawMail({
      from: emailCanary,
      fromName: nameCanary,
      messageId: firstId,
      subject: "Invoice question",
      body: `Please check invoice ${textCanary}.`,
      attachments: [{ filename: "invoice.txt", contentType: "text/plain", content: new TextEncoder().encode(`invoice for ${nameCanary} ${textCanary}`) }],
    }),
    { from: emailCanary },
    mailEnv().env,
  );
  const [first] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, firstId));
  mailTicket = first!.ticketId!;
  await runOutbox([`ack-${mailTicket}`], mailEnv().env);
  // Cc'd on someone else's mail: a participant of a ticket that is not theirs.
  const othersId = uniqueId("other");
  await deliver(rawMail({ from: s.customer.email, cc: [emailCanary], messageId: othersId, subject: "Shared order", body: "Our shared order is late." }), { from: s.customer.email }, mailEnv().env);
  const [others] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, othersId));
  othersTicket = others!.ticketId!;
  // A saved search of theirs.
  expect((await api("POST", "/api/v1/saved-searches", { token: person.token, body: { name: "mine", query: textCanary } })).status).toBe(201);
}, 90_000);

describe("erasing a person", () => {
  it("before: their name, address and words are in the tables, the search index and storage", async () => {
    for (const c of canaries) expect(await tablesHolding(c), c).not.toEqual([]);
    expect(await tablesHolding(nameCanary)).toEqual(expect.arrayContaining(["users.name", "audit_logs.changes", "comments.body", "outbound_messages.to_name", "inbound_messages.from_name"]));
    expect(await tablesHolding(emailCanary)).toEqual(expect.arrayContaining(["users.email", "ticket_participants.email", "outbound_messages.to_address", "inbound_messages.from_address"]));
    expect(await tablesHolding(textCanary)).toEqual(expect.arrayContaining(["tickets.description", "comments.body", "inbound_messages.text", "saved_searches.query", "idempotency_keys.body", "webhook_events.payload"]));
    expect(await tablesHolding(nameCanary)).toContain("webhook_events.payload");
    expect(await indexed(textCanary)).toBe(3);
    for (const c of [nameCanary, emailCanary, textCanary]) expect(await objectsHolding(c), c).not.toEqual([]);
    expect(await db().select().from(ticketParticipants).where(eq(ticketParticipants.ticketId, othersTicket))).toHaveLength(1);
  });

  it("a wrong confirmation, a non-admin, the admin themselves or an unknown id change nothing", async () => {
    const path = `/api/v1/users/${person.id}/erase`;
    const wrong = await api("POST", path, { token: s.admin.token, body: { confirm: s.customer.email } });
    expectProblem(wrong, 400, "VALIDATION_ERROR");
    expect(wrong.body.errors).toHaveProperty("confirm");
    expectProblem(await api("POST", path, { token: s.manager.token, body: { confirm: emailCanary } }), 403, "FORBIDDEN");
    expectProblem(await api("POST", path, { token: person.token, body: { confirm: emailCanary } }), 403, "FORBIDDEN");
    expectProblem(await api("POST", `/api/v1/users/${s.admin.id}/erase`, { token: s.admin.token, body: { confirm: s.admin.email } }), 409, "CONFLICT");
    expectProblem(await api("POST", "/api/v1/users/nobody/erase", { token: s.admin.token, body: { confirm: emailCanary } }), 404, "NOT_FOUND");
    for (const body of [{}, { confirm: "" }, { confirm: emailCanary, extra: true }]) expectProblem(await api("POST", path, { token: s.admin.token, body }), 400, "VALIDATION_ERROR");
    expect((await api("GET", "/api/v1/auth/me", { token: person.token })).status).toBe(200);
    expect(await tablesHolding(emailCanary)).toContain("users.email");
  });

  it("erases: the answer counts what went; the account is closed and renamed", async () => {
    const res = await api("POST", `/api/v1/users/${person.id}/erase`, { token: s.admin.token, body: { confirm: emailCanary.toUpperCase() } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user: expect.objectContaining({ id: person.id, name: "Erased user", email: `erased-${person.id}@erased.invalid`, active: false, email_verified: false }),
      erased: { tickets: 2, comments: 1, attachments: 2, mails: 3 },
    });
    expectProblem(await api("GET", "/api/v1/auth/me", { token: person.token }), 401, "UNAUTHORIZED");
  });

  it("after: no table, search index row or stored object holds their name, address or words", async () => {
    for (const c of canaries) expect(await tablesHolding(c), c).toEqual([]);
    for (const c of canaries) expect(await objectsHolding(c), c).toEqual([]);
    expect(await indexed(textCanary)).toBe(0);
    expect(await searchHits(s.admin, textCanary)).toBe(0);
  });

  it("the tickets stay, with the staff's reply (their name taken out) and their history saying so; the other ticket keeps its own words", async () => {
    const t = (await api("GET", `/api/v1/tickets/${apiTicket}`, { token: s.agent.token })).body;
    expect(t).toMatchObject({ subject: "Order missing", description: "[erased]", requester: { id: person.id, name: "Erased user" } });
    const list = (await api("GET", `/api/v1/tickets/${apiTicket}/comments`, { token: s.agent.token })).body.data.map((c: { body: string }) => c.body);
    expect(list).toEqual(["[erased]", `Hi Erased user, we are sending a new one to erased-${person.id}@erased.invalid.`]);
    const history = (await api("GET", `/api/v1/tickets/${mailTicket}/history`, { token: s.agent.token })).body.data;
    expect(history.at(-1)).toMatchObject({ type: "person_erased", actor: { id: s.admin.id }, changes: { user_id: person.id } });
    const [other] = await db().select().from(tickets).where(eq(tickets.id, othersTicket));
    expect(other!.description).toBe("Our shared order is late.");
    expect(await db().select().from(ticketParticipants).where(eq(ticketParticipants.ticketId, othersTicket))).toEqual([]);
    expect((await db().select().from(comments).where(eq(comments.id, staffReply)))[0]!.authorId).toBe(s.agent.id);
  });

  it("the audit records the erasure and who did it, and nothing erased; mail to them is never sent", async () => {
    const rows = await db().select().from(auditLogs).where(eq(auditLogs.action, "user.erased"));
    expect(rows.map((r) => [r.actorId, r.entityId, r.changes])).toEqual([[s.admin.id, person.id, { tickets: 2, comments: 1, attachments: 2, mails: 3 }]]);
    const mails = await db().select().from(outboundMessages).where(eq(outboundMessages.toAddress, `erased-${person.id}@erased.invalid`));
    expect(mails.length).toBe(2);
    expect(mails.every((m) => m.status === "sent" || m.status === "suppressed")).toBe(true);
    expectProblem(await api("POST", `/api/v1/users/${person.id}/erase`, { token: s.admin.token, body: { confirm: `erased-${person.id}@erased.invalid` } }), 409, "CONFLICT");
    // Last: a login attempt with the old address is counted under it (throttling) and finds no account.
    expectProblem(await api("POST", "/api/v1/auth/login", { body: { email: emailCanary, password: PASSWORD } }), 401, "UNAUTHORIZED");
  });
});

describe("a person with many tickets", () => {
  it("more tickets than one statement can name (D1 binds 100 values): every one is erased", async () => {
    const busy = await makeUser("customer", { name: "Busy Customer" });
    const word = canaryWord("b");
    const ids: string[] = [];
    for (let i = 0; i < 105; i++) {
      const res = await api("POST", "/api/v1/tickets", { token: busy.token, body: { subject: `Question ${i}`, description: `About ${word} number ${i}` } });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    // One of them deleted by staff before the request: erased all the same, and its history says so.
    const deleted = ids[60]!;
    expect((await api("DELETE", `/api/v1/tickets/${deleted}`, { token: s.admin.token })).status).toBe(204);
    const res = await api("POST", `/api/v1/users/${busy.id}/erase`, { token: s.admin.token, body: { confirm: busy.email } });
    expect(res.status).toBe(200);
    expect(res.body.erased.tickets).toBe(105);
    expect(await tablesHolding(word)).toEqual([]);
    expect(await indexed(word)).toBe(0);
    const [row] = await db().select({ description: tickets.description, deletedAt: tickets.deletedAt }).from(tickets).where(eq(tickets.id, deleted));
    expect(row!.deletedAt).not.toBeNull();
    expect(row!.description).not.toContain(word);
    const erasedHistory = await env.DB.prepare("SELECT count(*) AS n FROM ticket_history WHERE ticket_id = ? AND type = 'person_erased'").bind(deleted).first<{ n: number }>();
    expect(erasedHistory!.n).toBe(1);
  }, 120_000);
});

describe("a requester's satisfaction remark", () => {
  it("is their words: every remark they rated with erased, on the ticket (the score stays for the reports) and in the ratings' history, where it stands", async () => {
    const rater = await makeUser("customer", { name: "Remark Writer" });
    const word = canaryWord("r");
    const created = await api("POST", "/api/v1/tickets", { token: rater.token, body: { subject: "Refund", description: "Please." } });
    expect(created.status).toBe(201);
    expect((await api("PATCH", `/api/v1/tickets/${created.body.id}`, { token: s.agent.token, body: { status: "resolved" } })).status).toBe(200);
    expect((await api("POST", `/api/v1/tickets/${created.body.id}/satisfaction`, { token: rater.token, body: { score: 2, comment: `Slow, ask ${word}` } })).status).toBe(200);
    // Rated again with a remark of one digit: replaced as a text, it would take every "1" of the history's JSON with it.
    expect((await api("POST", `/api/v1/tickets/${created.body.id}/satisfaction`, { token: rater.token, body: { score: 1, comment: "1" } })).status).toBe(200);
    expect(await tablesHolding(word)).toContain("ticket_history.changes");
    expect((await api("POST", `/api/v1/users/${rater.id}/erase`, { token: s.admin.token, body: { confirm: rater.email } })).status).toBe(200);
    expect(await tablesHolding(word)).toEqual([]);
    const ticket = await api("GET", `/api/v1/tickets/${created.body.id}`, { token: s.agent.token });
    expect(ticket.body.satisfaction).toMatchObject({ score: 1, comment: "[erased]" });
    const history = await api("GET", `/api/v1/tickets/${created.body.id}/history?limit=100`, { token: s.agent.token });
    expect(history.status).toBe(200);
    const ratings = (history.body.data as { type: string; changes: { satisfaction: [{ score: number; comment: string | null } | null, { score: number; comment: string | null }] } }[]).filter((h) => h.type === "satisfaction.rated");
    expect(ratings.map((h) => h.changes.satisfaction.map((r) => r && [r.score, r.comment]))).toEqual(
      expect.arrayContaining([
        [null, [2, "[erased]"]],
        [[2, "[erased]"], [1, "[erased]"]],
      ]),
    );
    expect(history.body.data.find((h: { type: string }) => h.type === "updated")?.changes).toMatchObject({ status: ["open", "resolved"] });
  });
});

describe("a person whose words a notification quotes", () => {
  it("a reply of theirs over several lines, quoted flattened in the assignee's notification, is erased there too", async () => {
    const writer = await makeUser("customer", { name: "Lines Writer" });
    const word = canaryWord("l");
    const created = await api("POST", "/api/v1/tickets", { token: writer.token, body: { subject: "Delivery", description: "Where is it?" } });
    expect(created.status).toBe(201);
    expect((await api("POST", `/api/v1/tickets/${created.body.id}/assign`, { token: s.manager.token, body: { assignee_id: s.agent.id } })).status).toBe(200);
    // The notification quotes the reply on one line (domain/notifications.ts excerpt), not as written.
    expect((await api("POST", `/api/v1/tickets/${created.body.id}/comments`, { token: writer.token, body: { body: `Still nothing.\nMy address:\n1 Lane ${word}` } })).status).toBe(201);
    const quoted = (await api("GET", "/api/v1/notifications?limit=100", { token: s.agent.token })).body.data.filter((n: { ticket_id: string; type: string }) => n.ticket_id === created.body.id && n.type === "requester_replied");
    expect(quoted.map((n: { body: string }) => n.body)).toEqual([`Still nothing. My address: 1 Lane ${word}`]);
    expect((await api("POST", `/api/v1/users/${writer.id}/erase`, { token: s.admin.token, body: { confirm: writer.email } })).status).toBe(200);
    expect(await tablesHolding(word)).toEqual([]);
  });

  it("a reply of theirs quoted in a staff member's notification MAIL is erased there too: the row's data and the stored copy", async () => {
    const t = leakEnv();
    const assignee = await makeUser("agent");
    expect((await t.call("PUT", "/api/v1/me/notification-preferences", { token: assignee.token, body: { requester_replied: { in_app: true, email: true } } })).status).toBe(200);
    const writer = await makeUser("customer", { name: "Mail Quoted Writer" });
    const word = canaryWord("m");
    const created = await t.call("POST", "/api/v1/tickets", { token: writer.token, body: { subject: "Delivery", description: "Where is it?" } });
    expect(created.status).toBe(201);
    expect((await t.call("POST", `/api/v1/tickets/${created.body.id}/assign`, { token: s.manager.token, body: { assignee_id: assignee.id } })).status).toBe(200);
    expect((await t.call("POST", `/api/v1/tickets/${created.body.id}/comments`, { token: writer.token, body: { body: `Still nothing.\nMy address:\n1 Lane ${word}` } })).status).toBe(201);
    await t.drain();
    // Sent: the mail quotes the reply (flattened), and a copy of it is stored.
    expect((await mailsTo(t, assignee.email)).some((m) => m.content.includes(word))).toBe(true);
    expect(await objectsHolding(word)).not.toEqual([]);
    expect((await t.call("POST", `/api/v1/users/${writer.id}/erase`, { token: s.admin.token, body: { confirm: writer.email } })).status).toBe(200);
    expect([...(await tablesHolding(word)), ...(await objectsHolding(word))]).toEqual([]);
    const mails = (await db().select().from(outboundMessages).where(eq(outboundMessages.toAddress, assignee.email))).filter((m) => m.kind === "notification");
    expect(mails.map((m) => JSON.stringify(m.data).includes("[erased]"))).toEqual([true]);
  });

  it("a reply of theirs a rule mailed to the assignee ({{comment.body}}) is erased there too: the row's data and the stored copy", async () => {
    const t = leakEnv();
    const assignee = await makeUser("agent");
    const writer = await makeUser("customer", { name: "Rule Quoted Writer" });
    const w = ruleWord();
    const word = canaryWord("r");
    try {
      await makeRule(s.admin.token, {
        name: "Forward replies to the assignee",
        conditions: { all: [{ field: "event", operator: "is", value: "comment.created" }, { field: "subject", operator: "contains", value: w }] },
        actions: [{ type: "send_email", value: { to: "assignee", subject: "Reply on {{ticket.number}}", body: "{{comment.body}}" } }],
      });
      const created = await t.call("POST", "/api/v1/tickets", { token: writer.token, body: { subject: `Delivery ${w}`, description: "Where is it?" } });
      expect(created.status).toBe(201);
      expect((await t.call("POST", `/api/v1/tickets/${created.body.id}/assign`, { token: s.manager.token, body: { assignee_id: assignee.id } })).status).toBe(200);
      expect((await t.call("POST", `/api/v1/tickets/${created.body.id}/comments`, { token: writer.token, body: { body: `Still nothing.\nMy address:\n1 Lane ${word}` } })).status).toBe(201);
      await t.drain();
      expect((await mailsTo(t, assignee.email)).some((m) => m.subject.includes("Reply on") && m.content.includes(word))).toBe(true);
      expect((await t.call("POST", `/api/v1/users/${writer.id}/erase`, { token: s.admin.token, body: { confirm: writer.email } })).status).toBe(200);
      expect([...(await tablesHolding(word)), ...(await objectsHolding(word))]).toEqual([]);
    } finally {
      await clearRules();
    }
  });
});
