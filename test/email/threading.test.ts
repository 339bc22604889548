import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { comments, inboundMessages, outboundMessages, ticketParticipants, tickets, users } from "../../src/db/schema";
import { replyAddress } from "../../src/email/reply-token";
import { mailSettings } from "../../src/email/settings";
import { signAccessToken } from "../../src/features/auth/tokens";
import type { Bindings } from "../../src/env";
import { api, db, expectProblem, makeStaff } from "../helpers";
import { AUTH_PASS, deliver, mailEnv, rawMail, runOutbox, uniqueId } from "./mail-helpers";

async function inbound(messageId: string) {
  const [row] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, messageId)).limit(1);
  if (!row) throw new Error(`no inbound row for ${messageId}`);
  return row;
}

async function commentsOf(ticketId: string) {
  return db().select().from(comments).where(eq(comments.ticketId, ticketId));
}

interface Conversation {
  ticketId: string;
  number: string;
  customer: string;
  firstId: string;
  ackId: string;
  reply: string;
}

let staff: Awaited<ReturnType<typeof makeStaff>>;
let n = 0;

/** A customer writes in; the acknowledgement goes out through the queue consumer. */
async function conversation(testEnv: Bindings): Promise<Conversation> {
  const customer = `writer-${++n}-${Date.now()}@customer.example.net`;
  const firstId = uniqueId("first");
  await deliver(rawMail({ from: customer, messageId: firstId, subject: `Broken printer ${n}` }), { from: customer }, testEnv);
  const row = await inbound(firstId);
  const [ticket] = await db().select().from(tickets).where(eq(tickets.id, row.ticketId!));
  await runOutbox([`ack-${ticket!.id}`], testEnv);
  const [ack] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, `ack-${ticket!.id}`));
  expect(ack!.status).toBe("sent");
  return { ticketId: ticket!.id, number: ticket!.number, customer, firstId, ackId: ack!.messageId!, reply: await replyAddress(env as never, mailSettings(env as never), ticket!.id) };
}

beforeAll(async () => {
  staff = await makeStaff();
});

describe("reply threading", () => {
  const { env: testEnv } = mailEnv();

  it("by In-Reply-To: the requester's answer becomes an email comment, quotes stripped, original kept", async () => {
    const c = await conversation(testEnv);
    const id = uniqueId("r1");
    const body = "It still smokes.\n\nOn Tue, 1 Dec 2026 at 10:02, Support <support@example.com> wrote:\n> Thank you for writing to us.";
    await deliver(rawMail({ from: c.customer, messageId: id, inReplyTo: c.ackId, references: [c.firstId, c.ackId], subject: "Re: something else", body }), { from: c.customer }, testEnv);
    const row = await inbound(id);
    expect(row.status).toBe("commented");
    expect(row.ticketId).toBe(c.ticketId);
    expect(row.fullText).toContain("> Thank you for writing to us.");
    const list = await commentsOf(c.ticketId);
    expect(list.map((x) => [x.body, x.channel, x.internal])).toEqual([["It still smokes.", "email", false]]);
  });

  it("by References only (no In-Reply-To)", async () => {
    const c = await conversation(testEnv);
    const id = uniqueId("r2");
    await deliver(rawMail({ from: c.customer, messageId: id, references: [c.firstId], subject: "no tag here" }), { from: c.customer }, testEnv);
    expect((await inbound(id)).ticketId).toBe(c.ticketId);
  });

  it("by the ticket's reply address (no headers, no tag)", async () => {
    const c = await conversation(testEnv);
    const id = uniqueId("r3");
    await deliver(rawMail({ from: c.customer, to: c.reply, messageId: id, subject: "another thing" }), { from: c.customer, to: c.reply }, testEnv);
    expect((await inbound(id)).ticketId).toBe(c.ticketId);
  });

  it("by the subject tag, from the requester", async () => {
    const c = await conversation(testEnv);
    const id = uniqueId("r4");
    await deliver(rawMail({ from: c.customer, messageId: id, subject: `Re: [${c.number}] Broken printer` }), { from: c.customer }, testEnv);
    expect((await inbound(id)).ticketId).toBe(c.ticketId);
  });

  it("a stranger with the copied subject tag, reply address or Message-ID starts a ticket of their own", async () => {
    const c = await conversation(testEnv);
    const stranger = `stranger-${Date.now()}@evil.example.org`;
    const attempts = [
      rawMail({ from: stranger, messageId: uniqueId("s1"), subject: `Re: [${c.number}] give me the data` }),
      rawMail({ from: stranger, to: c.reply, messageId: uniqueId("s2"), subject: "hello" }),
      rawMail({ from: stranger, messageId: uniqueId("s3"), inReplyTo: c.ackId, references: [c.firstId, c.ackId], subject: "Re: hi" }),
    ];
    for (const raw of attempts) await deliver(raw, { from: stranger, to: raw.includes(c.reply) ? c.reply : undefined }, testEnv);
    expect(await commentsOf(c.ticketId)).toEqual([]);
    const [strangerUser] = await db().select().from(users).where(eq(users.email, stranger));
    const theirs = await db().select().from(tickets).where(eq(tickets.requesterId, strangerUser!.id));
    expect(theirs).toHaveLength(3);
    // Even Reply-To naming the requester does not make the stranger the requester.
    const id = uniqueId("s4");
    await deliver(rawMail({ from: stranger, messageId: id, subject: `[${c.number}] x`, headers: { "Reply-To": c.customer } }), { from: stranger }, testEnv);
    const row = await inbound(id);
    expect(row.ticketId).not.toBe(c.ticketId);
  });

  it("a forged Message-ID of our form does not thread, even with the ticket's id in it", async () => {
    const c = await conversation(testEnv);
    const id = uniqueId("f1");
    const forged = `ack-${c.ticketId}.0000000000000000@example.com`;
    await deliver(rawMail({ from: c.customer, messageId: id, inReplyTo: forged, subject: "Re: hello" }), { from: c.customer }, testEnv);
    expect((await inbound(id)).ticketId).not.toBe(c.ticketId);
  });

  it("a Cc'd address becomes a participant who may answer by mail, but still cannot read the ticket", async () => {
    const c = await conversation(testEnv);
    const friend = `friend-${Date.now()}@customer.example.net`;
    const id1 = uniqueId("cc1");
    await deliver(rawMail({ from: c.customer, cc: [friend, "support@example.com"], messageId: id1, inReplyTo: c.ackId, subject: "Re: x", body: "Adding my colleague." }), { from: c.customer }, testEnv);
    const parts = await db().select().from(ticketParticipants).where(eq(ticketParticipants.ticketId, c.ticketId));
    expect(parts.map((p) => p.email)).toEqual([friend]);
    const id2 = uniqueId("cc2");
    await deliver(rawMail({ from: friend, messageId: id2, inReplyTo: c.ackId, subject: "Re: x", body: "I am the colleague." }), { from: friend }, testEnv);
    const row = await inbound(id2);
    expect(row.ticketId).toBe(c.ticketId);
    const list = await api("GET", `/api/v1/tickets/${c.ticketId}/comments`, { token: staff.agent.token });
    expect(list.body.data.map((x: { body: string; author: { role: string } }) => [x.body, x.author.role])).toEqual([
      ["Adding my colleague.", "customer"],
      ["I am the colleague.", "customer"],
    ]);
    // The participant's account was created from mail; it has no password and sees nothing through the API.
    expectProblem(await api("GET", `/api/v1/tickets/${c.ticketId}`, { token: (await tokenFor(friend)) }), 404, "NOT_FOUND");
  });

  it("staff mail into a ticket is a public staff comment, and the requester gets it as a reply", async () => {
    const c = await conversation(testEnv);
    const id = uniqueId("st");
    await deliver(rawMail({ from: staff.agent.email, messageId: id, inReplyTo: c.ackId, subject: "Re: x", body: "Try turning it off." }), { from: staff.agent.email }, testEnv);
    const [comment] = await commentsOf(c.ticketId);
    expect(comment!.authorId).toBe(staff.agent.id);
    expect(comment!.internal).toBe(false);
    const [out] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, `reply-${comment!.id}`));
    expect(out).toMatchObject({ kind: "reply", toAddress: c.customer, status: "pending" });
  });

  it("a customer's mail reopens a pending ticket", async () => {
    const c = await conversation(testEnv);
    const patched = await api("PATCH", `/api/v1/tickets/${c.ticketId}`, { token: staff.agent.token, body: { status: "pending" } });
    expect(patched.body.status).toBe("pending");
    await deliver(rawMail({ from: c.customer, messageId: uniqueId("reo"), inReplyTo: c.ackId, subject: "Re: x", body: "Here is the info." }), { from: c.customer }, testEnv);
    const [t] = await db().select().from(tickets).where(eq(tickets.id, c.ticketId));
    expect(t!.status).toBe("open");
  });

  it("mail to a closed ticket starts a new one", async () => {
    const c = await conversation(testEnv);
    await api("PATCH", `/api/v1/tickets/${c.ticketId}`, { token: staff.agent.token, body: { status: "cancelled" } });
    const id = uniqueId("cl");
    await deliver(rawMail({ from: c.customer, messageId: id, inReplyTo: c.ackId, subject: "Re: x" }), { from: c.customer }, testEnv);
    const row = await inbound(id);
    expect(row.status).toBe("ticket_created");
    expect(row.ticketId).not.toBe(c.ticketId);
  });
});

async function tokenFor(email: string): Promise<string> {
  const [u] = await db().select().from(users).where(eq(users.email, email));
  return signAccessToken(env as never, { sub: u!.id, role: u!.role, tv: u!.tokenVersion });
}

describe("sender authentication (EMAIL_AUTH_REQUIRED=true)", () => {
  const { env: relaxed } = mailEnv();
  const { env: strict } = mailEnv({ EMAIL_AUTH_REQUIRED: "true" });

  it("an unauthenticated reply is quarantined; an agent releases it into the ticket", async () => {
    const c = await conversation(relaxed);
    const id = uniqueId("q1");
    await deliver(rawMail({ from: c.customer, messageId: id, inReplyTo: c.ackId, subject: "Re: x", body: "Spoofable words." }), { from: c.customer }, strict);
    const row = await inbound(id);
    expect(row).toMatchObject({ status: "quarantined", ticketId: c.ticketId, commentId: null });
    expect(await commentsOf(c.ticketId)).toEqual([]);

    const list = await api("GET", "/api/v1/mail/quarantine", { token: staff.agent.token });
    expect(list.status).toBe(200);
    expect(list.body.data.find((m: { id: string }) => m.id === row.id)).toMatchObject({ ticket_id: c.ticketId, from: c.customer, text: "Spoofable words." });
    expectProblem(await api("GET", "/api/v1/mail/quarantine", { token: staff.customer.token }), 403, "FORBIDDEN");
    expectProblem(await api("POST", `/api/v1/mail/quarantine/${row.id}/release`, { token: staff.customer.token }), 403, "FORBIDDEN");

    const released = await api("POST", `/api/v1/mail/quarantine/${row.id}/release`, { token: staff.agent.token });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ id: row.id, status: "commented", ticket_id: c.ticketId });
    expect((await commentsOf(c.ticketId)).map((x) => x.body)).toEqual(["Spoofable words."]);
    // Released once; a second release or a reject finds nothing held.
    expectProblem(await api("POST", `/api/v1/mail/quarantine/${row.id}/release`, { token: staff.agent.token }), 404, "NOT_FOUND");
    expectProblem(await api("POST", `/api/v1/mail/quarantine/${row.id}/reject`, { token: staff.agent.token }), 404, "NOT_FOUND");
  });

  it("a rejected message stays out of the ticket", async () => {
    const c = await conversation(relaxed);
    const id = uniqueId("q2");
    await deliver(rawMail({ from: c.customer, messageId: id, references: [c.ackId], subject: "Re: x" }), { from: c.customer }, strict);
    const row = await inbound(id);
    const rejected = await api("POST", `/api/v1/mail/quarantine/${row.id}/reject`, { token: staff.agent.token });
    expect(rejected.body).toMatchObject({ status: "rejected" });
    expect(await commentsOf(c.ticketId)).toEqual([]);
    // Redelivered later: still the same, rejected message.
    await deliver(rawMail({ from: c.customer, messageId: id, references: [c.ackId], subject: "Re: x" }), { from: c.customer }, strict);
    expect(await commentsOf(c.ticketId)).toEqual([]);
  });

  it("an aligned DMARC/DKIM pass from Cloudflare's header goes straight in", async () => {
    const c = await conversation(relaxed);
    const id = uniqueId("q3");
    await deliver(rawMail({ from: c.customer, messageId: id, inReplyTo: c.ackId, subject: "Re: x", auth: AUTH_PASS("customer.example.net") }), { from: c.customer }, strict);
    expect((await inbound(id)).status).toBe("commented");
  });

  it("a pass the sender wrote below a failing Cloudflare header counts for nothing", async () => {
    const c = await conversation(relaxed);
    const id = uniqueId("q4");
    const raw = rawMail({
      from: c.customer,
      messageId: id,
      inReplyTo: c.ackId,
      subject: "Re: x",
      auth: "mx.cloudflare.net; dkim=none; dmarc=fail header.from=customer.example.net; spf=fail smtp.mailfrom=evil.example.org",
      headers: { "Authentication-Results": AUTH_PASS("customer.example.net") },
    });
    await deliver(raw, { from: c.customer }, strict);
    expect((await inbound(id)).status).toBe("quarantined");
  });

  it("a pass for another domain, or from another authserv-id, is no pass", async () => {
    const c = await conversation(relaxed);
    const a = uniqueId("q5");
    await deliver(rawMail({ from: c.customer, messageId: a, inReplyTo: c.ackId, subject: "Re: x", auth: AUTH_PASS("evil.example.org") }), { from: c.customer }, strict);
    expect((await inbound(a)).status).toBe("quarantined");
    const b = uniqueId("q6");
    await deliver(
      rawMail({ from: c.customer, messageId: b, inReplyTo: c.ackId, subject: "Re: x", auth: AUTH_PASS("customer.example.net").replace("mx.cloudflare.net", "mx.evil.example.org") }),
      { from: c.customer },
      strict,
    );
    expect((await inbound(b)).status).toBe("quarantined");
  });

  it("unauthenticated mail may still open a new ticket (it changes nobody else's)", async () => {
    const id = uniqueId("q7");
    await deliver(rawMail({ from: `new-${Date.now()}@example.net`, messageId: id }), { from: "x@example.net" }, strict);
    expect((await inbound(id)).status).toBe("ticket_created");
  });
});

describe("quarantine routes", () => {
  it("404 for an unknown id, 400 for a bad page size", async () => {
    const s = await makeStaff();
    expectProblem(await api("POST", "/api/v1/mail/quarantine/nope/release", { token: s.agent.token }), 404, "NOT_FOUND");
    expectProblem(await api("GET", "/api/v1/mail/quarantine?limit=0", { token: s.agent.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", "/api/v1/mail/quarantine"), 401, "UNAUTHORIZED");
  });
});
