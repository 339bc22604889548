/**
 * Mail we send staff about a ticket (a notification they asked to get by mail, a rule's mail to the
 * assignee) is threaded into the ticket like its other mail and may quote an internal note. A staff
 * member answering it by mail is talking to colleagues: the answer is an internal note, never a
 * public reply that the requester reads and is mailed. Staff talk is one rule (domain/vocabulary
 * isStaffTalkMail): a notification or a rule's mail queued for a staff member. The same kinds of
 * mail to a customer are conversation: a customer answering their own notification mail writes a
 * public comment, with or without threading headers, and staff answering all in a thread that holds
 * a rule's mail to the requester reply publicly, after a merge too.
 */
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { ticketParticipants } from "../../src/db/schema";
import { db, makeStaff, makeUser, type TestUser } from "../helpers";
import { deliver, rawMail, SUPPORT, uniqueId } from "../email/mail-helpers";
import { parseInbound } from "../../src/email/parse";
import { clearRules, makeRule, word } from "../rules/support";
import { canary, leakEnv, mailsTo, type DecodedMail, type LeakEnv } from "./leak-support";

const s = await makeStaff();
afterEach(clearRules);

type Comment = { body: string; internal: boolean; author: { id: string } };

/** The one mail to `to` whose subject has `about`, answered by `to` as a mail client would: threaded, quoting it. */
/** A ticket of s.customer's acknowledged by a rule's mail to the requester (conversation mail), and that mail. */
async function acknowledged() {
  const t = leakEnv();
  const w = word();
  await makeRule(s.admin.token, {
    name: "Acknowledge",
    conditions: { all: [{ field: "event", operator: "is", value: "ticket.created" }, { field: "subject", operator: "contains", value: w }] },
    actions: [{ type: "send_email", value: { to: "requester", subject: "We got it {{ticket.number}}", body: "Thanks, we are on it." } }],
  });
  const ticket = await ticketOf(t, `Broken ${w}`);
  await t.drain();
  const ack = (await mailsTo(t, s.customer.email)).find((m) => m.subject.includes("We got it"));
  expect(ack, "the rule's mail to the requester").toBeDefined();
  return { t, w, ticket, ack };
}

async function answer(t: LeakEnv, to: TestUser, about: string, text: string, from = to.email) {
  const mail = (await mailsTo(t, to.email)).find((m) => m.subject.includes(about));
  expect(mail, `a mail to ${to.email} about ${about}`).toBeDefined();
  // DecodedMail.content ends with the raw message, which starts with its From header.
  const sent = await parseInbound(new TextEncoder().encode(mail!.content.slice(mail!.content.lastIndexOf("\nFrom: ") + 1)));
  // Staff talk has no Reply-To of the ticket: the answer goes to the From address, the support one.
  const replyTo = /^Reply-To:\s*<?([^>\r\n]+)>?/im.exec(mail!.content)?.[1] ?? SUPPORT;
  const quoted = sent.text.split("\n").map((l) => `> ${l}`).join("\r\n");
  await deliver(
    rawMail({ from, to: replyTo, subject: `Re: ${sent.subject}`, inReplyTo: sent.messageId!, references: [sent.messageId!], messageId: uniqueId("answer"), body: `${text}\r\n\r\nOn Monday, Support wrote:\r\n${quoted}` }),
    { from, to: replyTo },
    t.env,
  );
  await t.drain();
}

async function ticketOf(t: LeakEnv, subject: string) {
  const res = await t.call("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject, description: "Order 1 arrived broken." } });
  expect(res.status).toBe(201);
  return res.body as { id: string; number: string };
}

/** The headers of the raw message a DecodedMail ends with. */
const headOf = (m: DecodedMail) => m.content.slice(m.content.lastIndexOf("\nFrom: ") + 1).split(/\r?\n\r?\n/)[0]!;
const messageIdOf = (m: DecodedMail) => /^Message-ID:\s*<([^>]+)>/im.exec(headOf(m))![1]!;

const commentsAs = async (t: LeakEnv, who: TestUser, id: string) => (await t.call("GET", `/api/v1/tickets/${id}/comments?limit=100`, { token: who.token })).body.data as Comment[];

describe("answering by mail a mail only staff were sent", () => {
  it("a mention's notification: the answer is an internal note; the customer reads and is mailed neither it nor the note", async () => {
    const t = leakEnv();
    const colleague = await makeUser("agent");
    const note = canary("note");
    const said = canary("answer");
    expect((await t.call("PUT", "/api/v1/me/notification-preferences", { token: colleague.token, body: { mentioned: { in_app: true, email: true } } })).status).toBe(200);
    const ticket = await ticketOf(t, "Refund please");
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: `@${colleague.email} refund? ${note}`, internal: true } })).status).toBe(201);
    await t.drain();
    await answer(t, colleague, "mentioned you", `No refund, he is on our fraud list ${said}`);

    const staffView = await commentsAs(t, s.agent, ticket.id);
    expect(staffView.filter((c) => c.body.includes(said)).map((c) => [c.internal, c.author.id])).toEqual([[true, colleague.id]]);
    const forCustomer = JSON.stringify(await commentsAs(t, s.customer, ticket.id)) + (await mailsTo(t, s.customer.email)).map((m) => m.content).join("\n");
    expect(forCustomer).not.toContain(said);
    expect(forCustomer).not.toContain(note);
  });

  it("a mention's notification answered after the colleague's address was changed: still an internal note (who it was sent to is recorded, not looked up by address)", async () => {
    const t = leakEnv();
    const colleague = await makeUser("agent");
    const note = canary("movednote");
    const said = canary("movedanswer");
    expect((await t.call("PUT", "/api/v1/me/notification-preferences", { token: colleague.token, body: { mentioned: { in_app: true, email: true } } })).status).toBe(200);
    const ticket = await ticketOf(t, "Refund again");
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: `@${colleague.email} refund? ${note}`, internal: true } })).status).toBe(201);
    await t.drain();
    const moved = `moved-${colleague.email}`;
    expect((await t.call("PATCH", `/api/v1/users/${colleague.id}`, { token: s.admin.token, body: { email: moved } })).status).toBe(200);
    await answer(t, colleague, "mentioned you", `No refund ${said}`, moved);
    expect((await commentsAs(t, s.agent, ticket.id)).filter((c) => c.body.includes(said)).map((c) => c.internal)).toEqual([true]);
    expect(JSON.stringify(await commentsAs(t, s.customer, ticket.id))).not.toContain(said);
  });

  it("a rule's mail to the assignee quoting the note: the answer is an internal note", async () => {
    const t = leakEnv();
    const colleague = await makeUser("agent");
    const w = word();
    const note = canary("rulenote");
    const said = canary("ruleanswer");
    await makeRule(s.admin.token, {
      name: "Tell the assignee about notes",
      conditions: { all: [{ field: "event", operator: "is", value: "comment.created" }, { field: "comment.internal", operator: "is", value: true }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "send_email", value: { to: "assignee", subject: "Note on {{ticket.number}}", body: "{{comment.body}}" } }],
    });
    const ticket = await ticketOf(t, `Broken ${w}`);
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/assign`, { token: s.manager.token, body: { assignee_id: colleague.id } })).status).toBe(200);
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: `Check the fraud list ${note}`, internal: true } })).status).toBe(201);
    await t.drain();
    await answer(t, colleague, "Note on", `Checked, he is on it ${said}`);

    expect((await commentsAs(t, s.agent, ticket.id)).filter((c) => c.body.includes(said)).map((c) => c.internal)).toEqual([true]);
    const forCustomer = JSON.stringify(await commentsAs(t, s.customer, ticket.id)) + (await mailsTo(t, s.customer.email)).map((m) => m.content).join("\n");
    expect(forCustomer).not.toContain(said);
    expect(forCustomer).not.toContain(note);
  });

  it("forwarded to the support address, a mention's notification starts no public reply: it has no subject tag, no reply address of the ticket", async () => {
    const t = leakEnv();
    const colleague = await makeUser("agent");
    const note = canary("fwdnote");
    expect((await t.call("PUT", "/api/v1/me/notification-preferences", { token: colleague.token, body: { mentioned: { in_app: true, email: true } } })).status).toBe(200);
    const ticket = await ticketOf(t, "Forwarded");
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: `@${colleague.email} look ${note}`, internal: true } })).status).toBe(201);
    await t.drain();
    const mail = (await mailsTo(t, colleague.email)).find((m) => m.subject.includes("mentioned you"))!;
    // A forward: no In-Reply-To or References, the subject as it was, the text below.
    await deliver(rawMail({ from: colleague.email, subject: `Fwd: ${mail.subject}`, messageId: uniqueId("fwd"), body: `FYI\r\n\r\n---------- Forwarded message ---------\r\n${note}` }), { from: colleague.email }, t.env);
    await t.drain();
    const forCustomer = JSON.stringify(await commentsAs(t, s.customer, ticket.id)) + (await mailsTo(t, s.customer.email)).map((m) => m.content).join("\n");
    expect(forCustomer).not.toContain(note);
    expect((await commentsAs(t, s.agent, ticket.id)).filter((c) => c.body.includes(note)).map((c) => c.internal)).toEqual([true]);
  });

  it("the requester's mail never names (In-Reply-To, References) a mail only staff were sent, nor a staff answer to one", async () => {
    const t = leakEnv();
    const colleague = await makeUser("agent");
    expect((await t.call("PUT", "/api/v1/me/notification-preferences", { token: colleague.token, body: { mentioned: { in_app: true, email: true } } })).status).toBe(200);
    const ticket = await ticketOf(t, "Threading");
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: "Glad to help." } })).status).toBe(201);
    await t.drain();
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: `@${colleague.email} is this a known fault?`, internal: true } })).status).toBe(201);
    await t.drain();
    await answer(t, colleague, "mentioned you", "Yes, batch 7.");
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: "We will send a new one." } })).status).toBe(201);
    await t.drain();

    const toAgent2 = (await mailsTo(t, colleague.email)).find((m) => m.subject.includes("mentioned you"))!;
    const staffOnly = [/^Message-ID:\s*<([^>]+)>/im.exec(toAgent2.content.slice(toAgent2.content.lastIndexOf("\nFrom: ")))![1]!];
    const [mine] = (await commentsAs(t, s.agent, ticket.id)).filter((c) => c.internal && c.body.startsWith("Yes, batch 7"));
    expect(mine, "the answer is on the ticket").toBeDefined();
    const toCustomer = await mailsTo(t, s.customer.email);
    expect(toCustomer).toHaveLength(2);
    const threading = toCustomer.map((m) => m.content.slice(m.content.lastIndexOf("\nFrom: ")).split(/\r?\n\r?\n/)[0]!).join("\n");
    // The second reply is threaded on the first: threading still works.
    expect(threading).toMatch(/^In-Reply-To: <reply-/m);
    expect(threading).not.toContain(staffOnly[0]);
    expect(threading).not.toContain("notify-");
    expect(threading).not.toContain("answer-");
    expect(threading).not.toContain(colleague.id);
  });

  it("the control: a customer answering their own notification mail writes a public comment", async () => {
    const t = leakEnv();
    const said = canary("customer");
    expect((await t.call("PUT", "/api/v1/me/notification-preferences", { token: s.customer.token, body: { agent_replied: { in_app: true, email: true } } })).status).toBe(200);
    const ticket = await ticketOf(t, "Where is it");
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: "It is on its way." } })).status).toBe(201);
    await t.drain();
    await answer(t, s.customer, "New reply on", `Thanks, still not here ${said}`);
    expect((await commentsAs(t, s.customer, ticket.id)).filter((c) => c.body.includes(said)).map((c) => [c.internal, c.author.id])).toEqual([[false, s.customer.id]]);
  });

  it("a staff member answering all in the customer's thread that holds a rule's mail TO THE REQUESTER replies publicly", async () => {
    const { t, ticket, ack } = await acknowledged();
    // A rule's mail to the requester is conversation: tagged, with the ticket's reply address.
    expect(ack!.subject).toContain(`[${ticket.number}]`);
    expect(headOf(ack!)).toMatch(/^Reply-To:/im);
    const ackId = messageIdOf(ack!);
    const customerId = uniqueId("cust");
    await deliver(rawMail({ from: s.customer.email, to: SUPPORT, cc: [s.agent2.email], subject: `Re: ${ack!.subject}`, inReplyTo: ackId, references: [ackId], messageId: customerId, body: "Any news?" }), { from: s.customer.email, to: SUPPORT }, t.env);
    await t.drain();
    const said = canary("replyall");
    await deliver(
      rawMail({ from: s.agent2.email, to: s.customer.email, cc: [SUPPORT], subject: `Re: ${ack!.subject}`, inReplyTo: customerId, references: [ackId, customerId], messageId: uniqueId("staff"), body: `A new one ships today ${said}` }),
      { from: s.agent2.email, to: SUPPORT },
      t.env,
    );
    await t.drain();
    expect((await commentsAs(t, s.agent, ticket.id)).filter((c) => c.body.includes(said)).map((c) => [c.internal, c.author.id])).toEqual([[false, s.agent2.id]]);
    expect((await commentsAs(t, s.customer, ticket.id)).some((c) => c.body.includes(said))).toBe(true);
  });

  it("after the ticket is merged into another customer's, a staff member answering all in the first customer's thread (a rule's mail to them) still replies publicly", async () => {
    const { t, w, ticket, ack } = await acknowledged();
    const ackId = messageIdOf(ack!);
    // Merged into another customer's ticket: its ids move there, where the first customer is no requester.
    const target = await t.call("POST", "/api/v1/tickets", { token: s.customer2.token, body: { subject: `Same ${w}`, description: "Also broken." } });
    expect(target.status).toBe(201);
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/merge`, { token: s.agent.token, body: { into: target.body.id, confirm_requesters: true } })).status).toBe(200);
    await t.drain();
    const said = canary("merged");
    await deliver(
      rawMail({ from: s.agent2.email, to: s.customer.email, cc: [SUPPORT], subject: `Re: ${ack!.subject}`, inReplyTo: ackId, references: [ackId], messageId: uniqueId("staff"), body: `Merged, a new one ships today ${said}` }),
      { from: s.agent2.email, to: SUPPORT },
      t.env,
    );
    await t.drain();
    expect((await commentsAs(t, s.agent, target.body.id)).filter((c) => c.body.includes(said)).map((c) => c.internal)).toEqual([false]);
  });

  it("a customer's own notification mail carries the subject tag and reply address: an answer without threading headers still continues the ticket", async () => {
    const t = leakEnv();
    const said = canary("noheaders");
    expect((await t.call("PUT", "/api/v1/me/notification-preferences", { token: s.customer2.token, body: { agent_replied: { in_app: true, email: true } } })).status).toBe(200);
    const res = await t.call("POST", "/api/v1/tickets", { token: s.customer2.token, body: { subject: "Parcel B", description: "Not arrived." } });
    expect(res.status).toBe(201);
    const ticket = res.body as { id: string; number: string };
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: "It is on its way." } })).status).toBe(201);
    await t.drain();
    const note = (await mailsTo(t, s.customer2.email)).find((m) => m.subject.includes("New reply on"));
    expect(note, "the customer's notification mail").toBeDefined();
    expect(note!.subject).toContain(`[${ticket.number}]`);
    expect(headOf(note!)).toMatch(/^Reply-To:/im);
    // A client that drops In-Reply-To and References: only the subject tag says which ticket.
    await deliver(rawMail({ from: s.customer2.email, to: SUPPORT, subject: `Re: ${note!.subject}`, messageId: uniqueId("c2"), body: `Still not here ${said}` }), { from: s.customer2.email, to: SUPPORT }, t.env);
    await t.drain();
    expect((await commentsAs(t, s.customer2, ticket.id)).filter((c) => c.body.includes(said)).map((c) => [c.internal, c.author.id])).toEqual([[false, s.customer2.id]]);
  });

  it("an internal answer by mail Cc'ing another customer enrols nobody: the outsider cannot write into the ticket by its subject tag", async () => {
    const t = leakEnv();
    const colleague = await makeUser("agent");
    const outsider = await makeUser("customer");
    expect((await t.call("PUT", "/api/v1/me/notification-preferences", { token: colleague.token, body: { mentioned: { in_app: true, email: true } } })).status).toBe(200);
    const ticket = await ticketOf(t, "Refund D");
    expect((await t.call("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: `@${colleague.email} refund?`, internal: true } })).status).toBe(201);
    await t.drain();
    const notice = (await mailsTo(t, colleague.email)).find((m) => m.subject.includes("mentioned you"));
    expect(notice, "the mention's notification mail").toBeDefined();
    const noticeId = messageIdOf(notice!);
    await deliver(
      rawMail({ from: colleague.email, to: SUPPORT, cc: [outsider.email], subject: `Re: ${notice!.subject}`, inReplyTo: noticeId, references: [noticeId], messageId: uniqueId("int"), body: "Asking the other customer" }),
      { from: colleague.email, to: SUPPORT },
      t.env,
    );
    await t.drain();
    expect((await commentsAs(t, s.agent, ticket.id)).filter((c) => c.body.startsWith("Asking the other customer")).map((c) => c.internal)).toEqual([true]);
    const participants = await db().select().from(ticketParticipants).where(eq(ticketParticipants.ticketId, ticket.id));
    expect(participants.map((p) => p.email)).not.toContain(outsider.email);

    const said = canary("outsider");
    await deliver(rawMail({ from: outsider.email, to: SUPPORT, subject: `Re: [${ticket.number}] hello`, messageId: uniqueId("o"), body: `I am someone else ${said}` }), { from: outsider.email, to: SUPPORT }, t.env);
    await t.drain();
    expect((await commentsAs(t, s.customer, ticket.id)).some((c) => c.body.includes(said))).toBe(false);
    expect((await commentsAs(t, s.agent, ticket.id)).some((c) => c.body.includes(said))).toBe(false);
  });
});
