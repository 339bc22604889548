import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { comments, inboundMessages, outboundMessages, ticketParticipants, tickets, users } from "../../src/db/schema";
import { replyAddress } from "../../src/email/reply-token";
import { mailSettings } from "../../src/email/settings";
import { signAccessToken } from "../../src/features/auth/tokens";
import type { Bindings } from "../../src/env";
import { api, db, expectProblem, makeStaff } from "../helpers";
import { AUTH_PASS, deliver, dkimKey, mailEnv, rawMail, runOutbox, signMail, strictMailEnv, uniqueId, type DkimTestKey } from "./mail-helpers";

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
  // customer.example.net publishes this key; every strict env below serves it over (fake) DNS-over-HTTPS.
  let key: DkimTestKey;
  let strict: Bindings;
  beforeAll(async () => {
    key = await dkimKey("customer.example.net");
    strict = strictMailEnv([key]).env;
  });

  it("an unauthenticated reply is quarantined with the failed check shown; agents may not release it, a manager may", async () => {
    const c = await conversation(relaxed);
    const id = uniqueId("q1");
    await deliver(rawMail({ from: c.customer, messageId: id, inReplyTo: c.ackId, subject: "Re: x", body: "Spoofable words." }), { from: c.customer }, strict);
    const row = await inbound(id);
    expect(row).toMatchObject({ status: "quarantined", ticketId: c.ticketId, commentId: null });
    expect(await commentsOf(c.ticketId)).toEqual([]);

    const list = await api("GET", "/api/v1/mail/quarantine", { token: staff.agent.token });
    expect(list.status).toBe(200);
    const held = list.body.data.find((m: { id: string }) => m.id === row.id);
    expect(held).toMatchObject({ ticket_id: c.ticketId, from: c.customer, text: "Spoofable words.", status: "quarantined" });
    expect(held.reason).toMatch(/^sender_not_authenticated:no_signature/);
    expect(held.failed_check).toBe("No DKIM signature aligned with customer.example.net; the mail carries no DKIM signature");
    expectProblem(await api("GET", "/api/v1/mail/quarantine", { token: staff.customer.token }), 403, "FORBIDDEN");
    expectProblem(await api("POST", `/api/v1/mail/quarantine/${row.id}/release`, { token: staff.customer.token }), 403, "FORBIDDEN");
    expectProblem(await api("POST", `/api/v1/mail/quarantine/${row.id}/release`, { token: staff.agent.token }), 403, "FORBIDDEN");
    expect((await inbound(id)).status).toBe("quarantined");

    const released = await api("POST", `/api/v1/mail/quarantine/${row.id}/release`, { token: staff.manager.token });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ id: row.id, status: "commented", ticket_id: c.ticketId });
    expect((await commentsOf(c.ticketId)).map((x) => x.body)).toEqual(["Spoofable words."]);
    // Released once; a second release or a reject finds nothing held.
    expectProblem(await api("POST", `/api/v1/mail/quarantine/${row.id}/release`, { token: staff.manager.token }), 404, "NOT_FOUND");
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

  it("a DKIM signature of the sender's domain, verified in the Worker, goes straight in", async () => {
    const c = await conversation(relaxed);
    const id = uniqueId("q3");
    await deliver(await signMail(rawMail({ from: c.customer, messageId: id, inReplyTo: c.ackId, subject: "Re: x", body: "Signed words." }), key), { from: c.customer }, strict);
    expect((await inbound(id)).status).toBe("commented");
    expect((await commentsOf(c.ticketId)).map((x) => x.body)).toEqual(["Signed words."]);
  });

  it("an Authentication-Results pass the sender wrote (any authserv-id, any position) counts for nothing", async () => {
    const c = await conversation(relaxed);
    for (const [tag, auth, extra] of [
      ["q4", AUTH_PASS("customer.example.net"), {}],
      ["q4b", "mx.cloudflare.net; dkim=none; dmarc=fail header.from=customer.example.net", { "Authentication-Results": AUTH_PASS("customer.example.net") }],
      ["q4c", undefined, { "ARC-Authentication-Results": `i=1; ${AUTH_PASS("customer.example.net")}` }],
    ] as const) {
      const id = uniqueId(tag);
      await deliver(rawMail({ from: c.customer, messageId: id, inReplyTo: c.ackId, subject: "Re: x", ...(auth ? { auth } : {}), headers: { ...extra } }), { from: c.customer }, strict);
      expect((await inbound(id)).status, tag).toBe("quarantined");
    }
    expect(await commentsOf(c.ticketId)).toEqual([]);
  });

  it("a signature of another domain, a tampered signed mail, or Cloudflare's dmarc=fail is no pass", async () => {
    const c = await conversation(relaxed);
    const evil = await dkimKey("evil.example.org");
    const env2 = strictMailEnv([key, evil]).env;
    const a = uniqueId("q5");
    await deliver(await signMail(rawMail({ from: c.customer, messageId: a, inReplyTo: c.ackId, subject: "Re: x" }), evil), { from: c.customer }, env2);
    expect((await inbound(a)).reason).toMatch(/^sender_not_authenticated:not_aligned/);
    const b = uniqueId("q6");
    const signed = await signMail(rawMail({ from: c.customer, messageId: b, inReplyTo: c.ackId, subject: "Re: x", body: "Ship it to me." }), key);
    await deliver(signed.replace("Ship it to me.", "Ship it to my new address."), { from: c.customer }, env2);
    expect((await inbound(b)).reason).toMatch(/^sender_not_authenticated:signature_failed/);
    const d = uniqueId("q6b");
    const vetoed = await signMail(rawMail({ from: c.customer, messageId: d, inReplyTo: c.ackId, subject: "Re: x", auth: "mx.cloudflare.net; dkim=pass header.d=customer.example.net; dmarc=fail header.from=customer.example.net" }), key);
    await deliver(vetoed, { from: c.customer }, env2);
    expect((await inbound(d)).reason).toMatch(/^sender_not_authenticated:dmarc_fail/);
    expect(await commentsOf(c.ticketId)).toEqual([]);
  });

  it("unauthenticated mail from a stranger may open a ticket of their own, but nobody it Cc's becomes a participant", async () => {
    const id = uniqueId("q7");
    const stranger = `new-${Date.now()}@example.net`;
    await deliver(rawMail({ from: stranger, cc: [`accomplice-${Date.now()}@evil.example.org`], messageId: id }), { from: stranger }, strict);
    const row = await inbound(id);
    expect(row.status).toBe("ticket_created");
    expect(await db().select().from(ticketParticipants).where(eq(ticketParticipants.ticketId, row.ticketId!))).toEqual([]);
  });

  it("a forged From of a known customer with no threading headers is quarantined, and its Cc never becomes a participant", async () => {
    const victim = await conversation(relaxed);
    const attacker = `attacker-${Date.now()}@evil.example.org`;
    const id = uniqueId("f2");
    await deliver(rawMail({ from: victim.customer, cc: [attacker], messageId: id, subject: "New request: send me my invoices" }), { from: attacker }, strict);
    const row = await inbound(id);
    expect(row).toMatchObject({ status: "quarantined", ticketId: null });
    const [victimUser] = await db().select().from(users).where(eq(users.email, victim.customer));
    expect((await db().select().from(tickets).where(eq(tickets.requesterId, victimUser!.id))).map((t) => t.id)).toEqual([victim.ticketId]);
    expect(await db().select().from(ticketParticipants).where(eq(ticketParticipants.email, attacker))).toEqual([]);
    // The attacker then writes as themselves with the victim's tag: a ticket of their own, nothing more.
    await deliver(rawMail({ from: attacker, messageId: uniqueId("f3"), subject: `Re: [${victim.number}] me too` }), { from: attacker }, strict);
    expect(await commentsOf(victim.ticketId)).toEqual([]);
  });

  it("a forged From of a staff member is quarantined, and a manager cannot release it as that staff member", async () => {
    const c = await conversation(relaxed);
    const id = uniqueId("f4");
    await deliver(rawMail({ from: staff.admin.email, messageId: id, inReplyTo: c.ackId, subject: "Re: x", body: "Refund approved, send the card number." }), { from: staff.admin.email }, strict);
    const row = await inbound(id);
    expect(row).toMatchObject({ status: "quarantined", ticketId: c.ticketId });
    const fresh = uniqueId("f5");
    await deliver(rawMail({ from: staff.agent.email, messageId: fresh, subject: "New ticket as staff" }), { from: staff.agent.email }, strict);
    expect((await inbound(fresh)).status).toBe("quarantined");
    for (const held of [row.id, (await inbound(fresh)).id]) {
      const res = await api("POST", `/api/v1/mail/quarantine/${held}/release`, { token: staff.admin.token });
      expectProblem(res, 409, "CONFLICT");
      expect(res.body.detail).toMatch(/staff address is never released/);
    }
    expect(await commentsOf(c.ticketId)).toEqual([]);
    expect((await inbound(id)).status).toBe("quarantined");
  });

  it("a forged new ticket in a customer's name, once released by a manager, acts as that customer", async () => {
    const victim = await conversation(relaxed);
    const id = uniqueId("f6");
    await deliver(rawMail({ from: victim.customer, cc: [`colleague-${Date.now()}@customer.example.net`], messageId: id, subject: "Second issue" }), { from: victim.customer }, strict);
    const row = await inbound(id);
    expect(row.status).toBe("quarantined");
    const released = await api("POST", `/api/v1/mail/quarantine/${row.id}/release`, { token: staff.manager.token });
    expect(released.status).toBe(200);
    expect(released.body.status).toBe("ticket_created");
    const ticket = await api("GET", `/api/v1/tickets/${released.body.ticket_id}`, { token: staff.agent.token });
    expect(ticket.body).toMatchObject({ subject: "Second issue", requester: { email: victim.customer } });
  });

  it("DKIM keys are fetched once per name while cached", async () => {
    const k = await dkimKey("cached.example.net");
    const { env: e, dns } = strictMailEnv([k]);
    for (const n of [1, 2, 3]) await deliver(await signMail(rawMail({ from: `c${n}@cached.example.net`, messageId: uniqueId(`k${n}`) }), k), { from: `c${n}@cached.example.net` }, e);
    expect(dns.asked.filter((name) => name === `${k.selector}._domainkey.cached.example.net`)).toHaveLength(1);
  });
});

describe("quarantine routes", () => {
  it("404 for an unknown id, 400 for a bad page size", async () => {
    const s = await makeStaff();
    expectProblem(await api("POST", "/api/v1/mail/quarantine/nope/release", { token: s.manager.token }), 404, "NOT_FOUND");
    expectProblem(await api("POST", "/api/v1/mail/quarantine/nope/release", { token: s.agent.token }), 403, "FORBIDDEN");
    expectProblem(await api("GET", "/api/v1/mail/quarantine?limit=0", { token: s.agent.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", "/api/v1/mail/quarantine"), 401, "UNAUTHORIZED");
  });
});
