import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { chatSessions, inboundMessages, outboundMessages, ticketParticipants } from "../../src/db/schema";
import { outboundRawKey } from "../../src/email/outbound";
import { parseInbound } from "../../src/email/parse";
import { api, db, makeStaff, makeUser } from "../helpers";
import { closeAll } from "../helpers/sockets";
import { deliver, mailEnv, r2Text, rawMail, runOutbox, strictMailEnv, uniqueId } from "../email/mail-helpers";
import { objectsHolding, tablesHolding } from "../privacy/support";
import { chatPath, openChat, say, visitorSocket, type Chat } from "./support";

let staff: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  staff = await makeStaff();
});
afterEach(() => closeAll());

const reply = async (chat: Chat, body: string, internal = false) => {
  const res = await api("POST", `/api/v1/tickets/${chat.ticket.id}/comments`, { token: staff.agent.token, body: { body, internal } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
};
const mailsFor = (commentId: string) => db().select().from(outboundMessages).where(eq(outboundMessages.commentId, commentId));
const address = () => `visitor-${Math.random().toString(36).slice(2, 10)}@mail.example.net`;

describe("mail follow-up of a chat", () => {
  const { env: testEnv } = mailEnv();

  it("a staff reply the visitor misses goes to the address they left, with nothing but this chat's reply", async () => {
    const email = address();
    const chat = await openChat({ name: "Vera", email, message: "Call me back" });
    const note = await reply(chat, "internal: refund over limit", true);
    const answer = await reply(chat, "Your refund is on its way.");
    expect(await mailsFor(note.id)).toEqual([]);
    const rows = await mailsFor(answer.id);
    // One mail, to the visitor's own claim: none to the visitor account's .invalid address.
    expect(rows.map((r) => [r.toAddress, r.kind, r.status])).toEqual([[email, "chat_reply", "pending"]]);
    expect(rows[0]!.data).toMatchObject({ requester: { name: "Vera" }, comment: { body: "Your refund is on its way." } });

    const result = await runOutbox([rows[0]!.id], testEnv);
    expect(result.explicitAcks).toHaveLength(1);
    const [sent] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, rows[0]!.id));
    expect(sent!.status).toBe("sent");
    const mail = await parseInbound((await r2Text(outboundRawKey(sent!.id)))!);
    expect(mail.to.map((a) => a.address)).toEqual([email]);
    expect(mail.text).toContain("Your refund is on its way.");
    expect(mail.text).toContain("Hello Vera");
    expect(mail.text).not.toContain("refund over limit");

    // They answer the mail: it threads back into the chat (their address is a participant of this ticket alone).
    const answerId = uniqueId("visitor-answer");
    await deliver(rawMail({ from: email, messageId: answerId, inReplyTo: sent!.messageId!, subject: `Re: ${sent!.subject}`, body: "Thank you!" }), { from: email }, testEnv);
    const [inbound] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, answerId));
    expect(inbound).toMatchObject({ status: "commented", ticketId: chat.ticket.id });
    const transcript = await api("GET", chatPath(chat, "/messages"), { token: chat.token });
    expect(transcript.body.data.map((c: any) => c.body)).toContain("Thank you!");
  });

  it("is not sent while the visitor is in the chat (they read it there)", async () => {
    const chat = await openChat({ email: address() });
    const visitor = await visitorSocket(chat);
    const answer = await reply(chat, "Still with you?");
    await visitor.next("comment.created", (m) => m.comment.id === answer.id);
    const [row] = await mailsFor(answer.id);
    await runOutbox([row!.id], testEnv);
    const [after] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, row!.id));
    expect(after).toMatchObject({ status: "suppressed", lastError: expect.stringMatching(/^seen_live/) });
    expect(await r2Text(outboundRawKey(row!.id))).toBeNull();
  });

  it("without an address nothing is mailed; one left later (PATCH) receives later replies, replaced or removed likewise", async () => {
    const chat = await openChat({ message: "hi" });
    expect(await mailsFor((await reply(chat, "first answer")).id)).toEqual([]);

    const first = address();
    const set = await api("PATCH", chatPath(chat), { token: chat.token, body: { email: first.toUpperCase(), name: "Vic" } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.visitor).toMatchObject({ name: "Vic", email: first });
    expect((await mailsFor((await reply(chat, "second answer")).id)).map((r) => r.toAddress)).toEqual([first]);

    const second = address();
    await api("PATCH", chatPath(chat), { token: chat.token, body: { email: second } });
    expect((await mailsFor((await reply(chat, "third answer")).id)).map((r) => r.toAddress)).toEqual([second]);
    const participants = await db().select().from(ticketParticipants).where(eq(ticketParticipants.ticketId, chat.ticket.id));
    expect(participants.map((p) => p.email)).toEqual([second]);

    await api("PATCH", chatPath(chat), { token: chat.token, body: { email: null } });
    expect(await mailsFor((await reply(chat, "fourth answer")).id)).toEqual([]);
  });

  it("an address that belongs to an account stays a claim: the chat is never that account's, and the account learns nothing new", async () => {
    const owner = await makeUser("customer");
    const ownTicket = await api("POST", "/api/v1/tickets", { token: owner.token, body: { subject: "Owner's own", description: "private words of the owner" } });
    const chat = await openChat({ name: "Impostor", email: owner.email, message: "I am them" });
    expect(chat.ticket.requester.id).not.toBe(owner.id);
    expect((await api("GET", `/api/v1/tickets/${chat.ticket.id}`, { token: owner.token })).status).toBe(404);
    const mine = await api("GET", "/api/v1/tickets?limit=100", { token: owner.token });
    expect(mine.body.data.map((t: any) => t.id)).toEqual([ownTicket.body.id]);
    // And the visitor sees nothing of the account's tickets.
    expect((await api("GET", `/api/v1/tickets/${ownTicket.body.id}`, { token: chat.token })).status).toBe(401);
    expect((await api("GET", `/api/v1/chat/sessions/${ownTicket.body.id}`, { token: chat.token })).status).toBe(404);
    const transcript = JSON.stringify((await api("GET", chatPath(chat, "/messages"), { token: chat.token })).body);
    expect(transcript).not.toContain("private words of the owner");

    // The reply mail goes to the address typed, carrying this chat's reply only.
    const answer = await reply(chat, "We will look into it");
    const [row] = await mailsFor(answer.id);
    await runOutbox([row!.id], mailEnv().env);
    const mail = await parseInbound((await r2Text(outboundRawKey(row!.id)))!);
    expect(mail.text).toContain("We will look into it");
    expect(mail.text).not.toContain("private words of the owner");
  });

  it("merged into another ticket, the visitor's address follows that ticket's replies by mail (they are not in its room)", async () => {
    const email = address();
    const chat = await openChat({ name: "Vera", email });
    const customer = await makeUser("customer");
    const target = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Same problem", description: "Me too" } });
    expect((await api("POST", `/api/v1/tickets/${chat.ticket.id}/merge`, { token: staff.agent.token, body: { into: target.body.id, confirm_requesters: true } })).status).toBe(200);
    const participants = await db().select().from(ticketParticipants).where(eq(ticketParticipants.ticketId, target.body.id));
    expect(participants.map((p) => [p.email, p.followUp])).toEqual([[email, "replies"]]);
    const answer = await api("POST", `/api/v1/tickets/${target.body.id}/comments`, { token: staff.agent.token, body: { body: "Fixed for both of you" } });
    expect((await mailsFor(answer.body.id)).map((r) => [r.toAddress, r.kind]).sort()).toEqual([[customer.email, "reply"], [email, "reply"]].sort());
  });

  it("an unauthenticated mail from the address left in a chat does not write into it: it waits in quarantine", async () => {
    const email = address();
    const chat = await openChat({ email });
    const answer = await reply(chat, "Tell us more");
    const [row] = await mailsFor(answer.id);
    const strict = strictMailEnv([]);
    await runOutbox([row!.id], strict.env);
    const [sent] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, row!.id));
    const forged = uniqueId("forged");
    await deliver(rawMail({ from: email, messageId: forged, inReplyTo: sent!.messageId!, subject: "Re: chat", body: "forged words" }), { from: email }, strict.env);
    const [inbound] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, forged));
    expect(inbound!.status).toBe("quarantined");
    const transcript = JSON.stringify((await api("GET", chatPath(chat, "/messages"), { token: chat.token })).body);
    expect(transcript).not.toContain("forged words");
    expect((await say(chat, "still here")).status).toBe(201);
  });

  it("a visitor's address settings touch their own follow-up row only: another follower's row keeps its name and mode, and stays when they clear theirs", async () => {
    const chat = await openChat({ name: "Mallory", message: "hi" });
    // A customer's ticket merged into the chat: that customer follows the chat's staff replies.
    const customer = await makeUser("customer", { name: "Carol Customer" });
    const source = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Same issue", description: "Me as well" } });
    expect((await api("POST", `/api/v1/tickets/${source.body.id}/merge`, { token: staff.agent.token, body: { into: chat.ticket.id, confirm_requesters: true } })).status).toBe(200);
    const carolsRow = async () => (await db().select().from(ticketParticipants).where(eq(ticketParticipants.ticketId, chat.ticket.id))).map((p) => [p.email, p.name, p.followUp]);
    expect(await carolsRow()).toEqual([[customer.email, "Carol Customer", "replies"]]);

    // The visitor types the customer's address, then clears it.
    const set = await api("PATCH", chatPath(chat), { token: chat.token, body: { email: customer.email, name: "Mallory M" } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(await carolsRow()).toEqual([[customer.email, "Carol Customer", "replies"]]);
    expect((await api("PATCH", chatPath(chat), { token: chat.token, body: { email: null } })).status).toBe(200);
    expect(await carolsRow()).toEqual([[customer.email, "Carol Customer", "replies"]]);

    // The customer still gets every staff reply, addressed to them by their own name.
    const answer = await reply(chat, "Fixed for everyone");
    const rows = await mailsFor(answer.id);
    expect(rows.map((r) => [r.toAddress, r.toName, r.kind])).toEqual([[customer.email, "Carol Customer", "reply"]]);
    expect(rows[0]!.data).toMatchObject({ requester: { name: "Carol Customer" } });

    // Their own address still works as before: created, then removed, by the visitor.
    const own = address();
    await api("PATCH", chatPath(chat), { token: chat.token, body: { email: own } });
    expect((await mailsFor((await reply(chat, "to both")).id)).map((r) => r.toAddress).sort()).toEqual([customer.email, own].sort());
    await api("PATCH", chatPath(chat), { token: chat.token, body: { email: null } });
    expect(await carolsRow()).toEqual([[customer.email, "Carol Customer", "replies"]]);

    // Erasing the visitor who typed the customer's address takes the chat's copy of it, not the customer's row.
    await api("PATCH", chatPath(chat), { token: chat.token, body: { email: customer.email } });
    const visitor = chat.ticket.requester;
    expect((await api("POST", `/api/v1/users/${visitor.id}/erase`, { token: staff.admin.token, body: { confirm: visitor.email } })).status).toBe(200);
    expect(await carolsRow()).toEqual([[customer.email, "Carol Customer", "replies"]]);
    const [session] = await db().select().from(chatSessions).where(eq(chatSessions.ticketId, chat.ticket.id));
    expect(session!.email).toBeNull();
  });

  describe("erasure of the person (POST /users/{id}/erase)", () => {
    const erase = async (id: string, confirm: string) => {
      const res = await api("POST", `/api/v1/users/${id}/erase`, { token: staff.admin.token, body: { confirm } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    };
    /** Every chat session and participant row that still holds `text` (the address or the name). */
    const chatRowsHolding = async (text: string) => [
      ...(await db().select().from(chatSessions)).filter((r) => JSON.stringify(r).includes(text)),
      ...(await db().select().from(ticketParticipants)).filter((r) => JSON.stringify(r).includes(text)),
    ];

    it("of an account whose address a visitor left in a chat: the chat forgets the address, and later replies mail nothing", async () => {
      const person = await makeUser("customer", { name: `Quinn ${uniqueId("name")}` });
      const chat = await openChat({ message: "hello" });
      const set = await api("PATCH", chatPath(chat), { token: chat.token, body: { email: person.email, name: person.name } });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      expect((await mailsFor((await reply(chat, "before")).id)).map((r) => r.toAddress)).toEqual([person.email]);

      await erase(person.id, person.email);
      expect(await chatRowsHolding(person.email)).toEqual([]);
      expect(await chatRowsHolding(person.name)).toEqual([]);
      expect((await api("GET", chatPath(chat), { token: chat.token })).body.visitor.email).toBeNull();
      expect(await mailsFor((await reply(chat, "after the erasure")).id)).toEqual([]);
    });

    const merge = async (from: string, into: string) =>
      expect((await api("POST", `/api/v1/tickets/${from}/merge`, { token: staff.agent.token, body: { into, confirm_requesters: true } })).status).toBe(200);
    const comment = async (ticketId: string, body: string) => {
      const res = await api("POST", `/api/v1/tickets/${ticketId}/comments`, { token: staff.agent.token, body: { body } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string };
    };

    it("of a visitor who typed a customer's address, chat merged where she follows: her row and her queued mail stay, later replies reach her", async () => {
      const bob = await makeUser("customer");
      const carol = await makeUser("customer", { name: "Carol Customer" });
      const target = await api("POST", "/api/v1/tickets", { token: bob.token, body: { subject: "Printer", description: "Broken" } });
      const carols = await api("POST", "/api/v1/tickets", { token: carol.token, body: { subject: "Printer too", description: "Mine as well" } });
      await merge(carols.body.id, target.body.id);
      const chat = await openChat({ name: "Vic Visitor", message: "hello" });
      expect((await api("PATCH", chatPath(chat), { token: chat.token, body: { email: carol.email } })).status).toBe(200);
      await merge(chat.ticket.id, target.body.id);
      const carolsRow = async () =>
        (await db().select().from(ticketParticipants).where(eq(ticketParticipants.ticketId, target.body.id))).filter((p) => p.email === carol.email).map((p) => [p.name, p.followUp]);
      expect(await carolsRow()).toEqual([["Carol Customer", "replies"]]);
      const [queued] = (await mailsFor((await comment(target.body.id, "We ordered a part")).id)).filter((m) => m.toAddress === carol.email);
      expect(queued).toMatchObject({ status: "pending", toName: "Carol Customer" });

      await erase(chat.ticket.requester.id, chat.ticket.requester.email);
      expect(await carolsRow()).toEqual([["Carol Customer", "replies"]]);
      const [still] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, queued!.id));
      expect(still).toMatchObject({ toAddress: carol.email, toName: "Carol Customer", status: "pending", lastError: null });
      await runOutbox([queued!.id], testEnv);
      expect((await db().select().from(outboundMessages).where(eq(outboundMessages.id, queued!.id)))[0]!.status).toBe("sent");
      expect((await mailsFor((await comment(target.body.id, "The part arrived")).id)).map((m) => m.toAddress)).toContain(carol.email);
    });

    it("of a visitor whose chat was merged: the copy of their typed address (no account's) on the ticket merged into goes, with its queued mail", async () => {
      const email = address();
      const name = `Vanya ${uniqueId("name")}`;
      const customer = await makeUser("customer");
      const target = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Same problem", description: "Me too" } });
      const chat = await openChat({ name, email, message: "hello" });
      await merge(chat.ticket.id, target.body.id);
      const [queued] = (await mailsFor((await comment(target.body.id, "Fixed for both")).id)).filter((m) => m.toAddress === email);
      expect(queued).toMatchObject({ status: "pending", kind: "reply" });

      await erase(chat.ticket.requester.id, chat.ticket.requester.email);
      expect(await chatRowsHolding(email)).toEqual([]);
      expect(await chatRowsHolding(name)).toEqual([]);
      expect(await tablesHolding(email)).toEqual([]);
      const [after] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, queued!.id));
      expect(after).toMatchObject({ status: "suppressed", lastError: "recipient_erased" });
      expect((await mailsFor((await comment(target.body.id, "after the erasure")).id)).map((m) => m.toAddress)).toEqual([customer.email]);
    });

    it("of the chat's visitor: an address they typed earlier, and mails sent to it, go too", async () => {
      const first = address();
      const name = `Vanya Zqxw${uniqueId("name")}`;
      const chat = await openChat({ name, email: first, message: "hello" });
      const [sent] = await mailsFor((await reply(chat, "We are on it")).id);
      expect(sent).toMatchObject({ toAddress: first, kind: "chat_reply" });
      await runOutbox([sent!.id], testEnv);
      expect(await objectsHolding(first)).toEqual([outboundRawKey(sent!.id)]);
      expect((await api("PATCH", chatPath(chat), { token: chat.token, body: { email: address() } })).status).toBe(200);

      await erase(chat.ticket.requester.id, chat.ticket.requester.email);
      expect(await tablesHolding(first)).toEqual([]);
      expect(await tablesHolding(name)).toEqual([]);
      expect(await objectsHolding(first)).toEqual([]);
      expect(await objectsHolding(name)).toEqual([]);
    });

    it("of the chat's visitor: the address and name they typed are in no row, and no later reply is mailed there", async () => {
      const email = address();
      const name = `Vanya ${uniqueId("name")}`;
      const chat = await openChat({ name, message: "hello" });
      expect((await api("PATCH", chatPath(chat), { token: chat.token, body: { email } })).status).toBe(200);
      // One mail sent (its copy stored), one still queued.
      const [sent] = await mailsFor((await reply(chat, "first")).id);
      await runOutbox([sent!.id], testEnv);
      expect(await objectsHolding(email)).toEqual([outboundRawKey(sent!.id)]);
      const [pending] = await mailsFor((await reply(chat, "before")).id);
      expect(pending).toMatchObject({ toAddress: email, status: "pending" });

      await erase(chat.ticket.requester.id, chat.ticket.requester.email);
      expect(await chatRowsHolding(email)).toEqual([]);
      expect(await chatRowsHolding(name)).toEqual([]);
      expect(await tablesHolding(email)).toEqual([]);
      expect(await objectsHolding(email)).toEqual([]);
      // The mail queued before the erasure is not sent to them either.
      await runOutbox([pending!.id], testEnv);
      const [after] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, pending!.id));
      expect(after).toMatchObject({ status: "suppressed", lastError: "recipient_erased" });
      expect(await r2Text(outboundRawKey(pending!.id))).toBeNull();
      expect(await mailsFor((await reply(chat, "after the erasure")).id)).toEqual([]);
    });
  });
});
