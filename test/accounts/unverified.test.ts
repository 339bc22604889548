import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { inboundMessages, outboundMessages, users } from "../../src/db/schema";
import { api, db, expectProblem, makeStaff, makeUser } from "../helpers";
import { closeAll, connect, roomPath } from "../helpers/sockets";
import { deliver, dkimKey, rawMail, signMail, strictMailEnv, uniqueId } from "../email/mail-helpers";
import { canaryWord, fill, leaked, operations, send, SWEEP_MS, upload } from "../security/support";
import { accountEnv, address, linkIn, registerWith } from "./support";

afterEach(closeAll);

/**
 * Issue 9 item 1, as the attacker tried it: register someone else's address before they ever
 * write in, then wait for the mail and the tickets staff open for that address. Until the address
 * is proven the account sees only what it opened itself through the API, by every path, and the
 * helpdesk mails it nothing about that; verifying attaches the rest.
 */
const staff = await makeStaff();
const a = accountEnv();
const victim = address("cfo");
const registrant = await registerWith(a, victim);
const [verificationMail] = await a.deliverQueued();
const secret = { staff: canaryWord("qz"), mail: canaryWord("qy"), note: canaryWord("qw"), file: canaryWord("qv") };

// Staff open a ticket for the address (phone), with a public reply and a file.
const staffTicket = (await a.call("POST", "/api/v1/tickets", { token: staff.agent.token, body: { subject: `Invoice ${secret.staff}`, description: secret.staff, channel: "phone", requester_email: victim } })).body;
await a.call("POST", `/api/v1/tickets/${staffTicket.id}/comments`, { token: staff.agent.token, body: { body: `Reply ${secret.staff}` } });
expect((await upload(staffTicket.id, staff.agent.token, `${secret.file}.txt`)).status).toBe(201);
// The real owner mails in (mail checks relaxed, as locally): a ticket under the address, channel email.
const mailId = uniqueId("owner");
await deliver(rawMail({ from: victim, messageId: mailId, subject: `Contract ${secret.mail}`, body: `Our contract ${secret.mail}` }), { from: victim }, a.env);
const [mailRow] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, mailId));
const mailTicket = mailRow!.ticketId!;
// What the registrant opens itself through the API.
const own = (await a.call("POST", "/api/v1/tickets", { token: registrant.access_token, body: { subject: "Mine", description: "my own words" } })).body;

describe("an unverified account", () => {
  it("owns the address's row but sees only its own API ticket in the list, by id or number, and in search", async () => {
    expect(mailRow!.status).toBe("ticket_created");
    const tickets = await Promise.all([staffTicket.id, mailTicket].map((id) => api("GET", `/api/v1/tickets/${id}`, { token: staff.agent.token })));
    for (const t of tickets) expect(t.body.requester.id).toBe(registrant.user.id);

    const list = await api("GET", "/api/v1/tickets", { token: registrant.access_token });
    expect(list.body.data.map((t: { id: string }) => t.id)).toEqual([own.id]);
    expect((await api("GET", `/api/v1/tickets?requester_id=${registrant.user.id}&channel=email`, { token: registrant.access_token })).body.data).toEqual([]);
    for (const ref of [staffTicket.id, staffTicket.number, mailTicket]) {
      expectProblem(await api("GET", `/api/v1/tickets/${ref}`, { token: registrant.access_token }), 404, "NOT_FOUND");
    }
    for (const word of [secret.staff, secret.mail, secret.file]) {
      const found = await api("GET", `/api/v1/search?q=${word}&type=tickets,comments`, { token: registrant.access_token });
      expect(found.status).toBe(200);
      expect(found.body.data).toEqual([]);
      expect((await api("GET", `/api/v1/tickets?q=${word}`, { token: registrant.access_token })).body.data).toEqual([]);
    }
    expect((await api("GET", `/api/v1/tickets/${own.id}`, { token: registrant.access_token })).status).toBe(200);
  });

  it("gets 4xx from every route of the API for the address's other tickets, and no word of them", async () => {
    const { ops } = await operations();
    const found: string[] = [];
    for (const o of ops.filter((o) => o.method === "GET" && o.path.includes("{"))) {
      for (const id of [staffTicket.id, staffTicket.number, mailTicket]) {
        const res = await send(o, fill(o.path, {}, id), registrant.access_token, undefined);
        const bad = leaked(res.body, Object.values(secret));
        if (res.status < 400 || res.status >= 500 || bad.length) found.push(`${o.key} ${id} → ${res.status} ${bad.join(",")}`);
      }
    }
    expect(found).toEqual([]);
    // Writing into them is refused as well, changing nothing.
    expectProblem(await api("POST", `/api/v1/tickets/${mailTicket}/comments`, { token: registrant.access_token, body: { body: "let me in" } }), 404, "NOT_FOUND");
    expectProblem(await api("PATCH", `/api/v1/tickets/${staffTicket.id}`, { token: registrant.access_token, body: { status: "cancelled" } }), 404, "NOT_FOUND");
  }, SWEEP_MS);

  it("cannot open their live rooms", async () => {
    for (const id of [staffTicket.id, mailTicket]) {
      const up = await connect(roomPath(id), registrant.access_token);
      expect(up.socket).toBeNull();
      expectProblem(up, 404, "NOT_FOUND");
    }
    expect((await connect(roomPath(own.id), registrant.access_token)).status).toBe(101);
  });

  it("is mailed nothing about its own ticket, while the address's owner still gets staff's mail", async () => {
    const onOwn = await a.call("POST", `/api/v1/tickets/${own.id}/comments`, { token: staff.agent.token, body: { body: "Answer to the registrant" } });
    const onStaff = await a.call("POST", `/api/v1/tickets/${staffTicket.id}/comments`, { token: staff.agent.token, body: { body: "Answer to the owner" } });
    a.enqueued.splice(0, a.enqueued.length, ...a.enqueued.filter((m) => m.id === `reply-${onOwn.body.id}` || m.id === `reply-${onStaff.body.id}`));
    const sent = await a.deliverQueued();
    expect(sent.map((m) => m.to)).toEqual([victim]);
    const [ownRow] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, `reply-${onOwn.body.id}`));
    expect(ownRow).toMatchObject({ status: "suppressed", lastError: "requester_unverified" });
    const [staffRow] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, `reply-${onStaff.body.id}`));
    expect(staffRow!.status).toBe("sent");
  });

  it("mail from the address never writes into the tickets the registrant opened, even naming them", async () => {
    const id = uniqueId("tagged");
    await deliver(rawMail({ from: victim, messageId: id, subject: `Re: [${own.number}] Mine`, body: "for the real owner's eyes" }), { from: victim }, a.env);
    const [row] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, id));
    expect(row).toMatchObject({ status: "ticket_created" });
    expect(row!.ticketId).not.toBe(own.id);
    const comments = await api("GET", `/api/v1/tickets/${own.id}/comments`, { token: registrant.access_token });
    expect(JSON.stringify(comments.body)).not.toContain("real owner");
  });

  it("verifying attaches every ticket of the address", async () => {
    const link = await linkIn(verificationMail!, "/portal/verify-email");
    expect((await api("POST", "/api/v1/auth/verify-email", { body: { token: link.token } })).status).toBe(200);
    const list = await api("GET", "/api/v1/tickets?limit=100", { token: registrant.access_token });
    expect(list.body.data.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining([own.id, staffTicket.id, mailTicket]));
    expect((await api("GET", `/api/v1/tickets/${staffTicket.number}`, { token: registrant.access_token })).status).toBe(200);
    const found = await api("GET", `/api/v1/search?q=${secret.mail}&type=tickets`, { token: registrant.access_token });
    expect(found.body.data.map((h: { id: string }) => h.id)).toEqual([mailTicket]);
  });
});

describe("customers made from mail", () => {
  it("count as proven only when the mail was authenticated", async () => {
    const key = await dkimKey(`signed-${canaryWord("d")}.example`);
    const strict = strictMailEnv([key]).env;
    const signedFrom = `someone@${key.domain}`;
    await deliver(await signMail(rawMail({ from: signedFrom, messageId: uniqueId("signed") }), key), { from: signedFrom }, strict);
    const unsignedFrom = address("stranger");
    await deliver(rawMail({ from: unsignedFrom, messageId: uniqueId("unsigned") }), { from: unsignedFrom }, strict);
    const rows = await db().select({ email: users.email, verifiedAt: users.emailVerifiedAt, hash: users.passwordHash }).from(users);
    const byEmail = new Map(rows.map((r) => [r.email, r]));
    expect(byEmail.get(signedFrom)).toMatchObject({ verifiedAt: expect.any(String), hash: null });
    expect(byEmail.get(unsignedFrom)).toMatchObject({ verifiedAt: null, hash: null });
  });
});

describe("POST /tickets channel", () => {
  it("customers open tickets on web or api only (403 naming the field, nothing created); staff record any channel", async () => {
    const customer = await makeUser("customer");
    for (const channel of ["email", "chat", "phone", "social"]) {
      const res = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "s", description: "d", channel } });
      expectProblem(res, 403, "FORBIDDEN");
      expect(res.body.detail).toMatch(/^channel: /);
    }
    expect((await api("GET", "/api/v1/tickets", { token: customer.token })).body.data).toEqual([]);
    for (const channel of ["web", "api"]) {
      expect((await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "s", description: "d", channel } })).status).toBe(201);
    }
    expect((await api("POST", "/api/v1/tickets", { token: staff.agent.token, body: { subject: "s", description: "d", channel: "email", requester_email: customer.email } })).status).toBe(201);
  });
});
