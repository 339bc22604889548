import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { inboundMessages, outboundMessages, ticketHistory } from "../../src/db/schema";
import { MAX_SEND_ATTEMPTS, outboundRawKey } from "../../src/email/outbound";
import { requeueStaleOutbox } from "../../src/email/outbox";
import { parseInbound } from "../../src/email/parse";
import { classifyMessageId, replyAddress } from "../../src/email/reply-token";
import { mailSettings } from "../../src/email/settings";
import type { Bindings } from "../../src/env";
import { api, db, expectProblem, makeStaff } from "../helpers";
import { deliver, mailEnv, r2Text, rawMail, runOutbox, uniqueId } from "./mail-helpers";

let staff: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  staff = await makeStaff();
});

async function outbox(id: string) {
  const [row] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, id));
  return row;
}

/** A ticket opened by mail; returns its id and the customer's first Message-ID. */
async function mailTicket(testEnv: Bindings, from = `cust-${uniqueId("a").slice(2, 14)}@customer.example.net`, extra: Partial<Parameters<typeof rawMail>[0]> = {}) {
  const firstId = uniqueId("first");
  await deliver(rawMail({ from, messageId: firstId, subject: "Printer on fire", ...extra }), { from }, testEnv);
  const [row] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, firstId));
  return { ticketId: row!.ticketId!, firstId, customer: from };
}

/** Header lines of a raw message, unfolded. */
function headerLines(raw: string): string[] {
  const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
  return head.replace(/\r\n[ \t]+/g, " ").split("\r\n");
}
const header = (raw: string, name: string) => headerLines(raw).filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).map((l) => l.slice(name.length + 1).trim());

describe("outbound mail", () => {
  it("an email ticket's acknowledgement: one outbox row written with the ticket, sent with threading headers", async () => {
    const { env: testEnv, enqueued } = mailEnv();
    const t = await mailTicket(testEnv);
    expect(enqueued).toEqual([{ id: `ack-${t.ticketId}` }]);
    expect(await outbox(`ack-${t.ticketId}`)).toMatchObject({ status: "pending", kind: "ticket_created", automatic: true, toAddress: t.customer });

    const result = await runOutbox([`ack-${t.ticketId}`], testEnv);
    expect(result.explicitAcks).toHaveLength(1);
    const row = await outbox(`ack-${t.ticketId}`);
    expect(row).toMatchObject({ status: "sent", attempts: 1, inReplyTo: t.firstId });
    const raw = (await r2Text(outboundRawKey(row!.id)))!;
    expect(header(raw, "Message-ID")).toEqual([`<${row!.messageId}>`]);
    expect(await classifyMessageId(env as never, mailSettings(env as never), row!.messageId!)).toBe("ours");
    expect(header(raw, "In-Reply-To")).toEqual([`<${t.firstId}>`]);
    expect(header(raw, "References")).toEqual([`<${t.firstId}>`]);
    expect(header(raw, "Reply-To")).toEqual([`<${await replyAddress(env as never, mailSettings(env as never), t.ticketId)}>`]);
    expect(header(raw, "Auto-Submitted")).toEqual(["auto-replied"]);
    const parsed = await parseInbound(raw);
    expect(parsed.subject).toMatch(/^\[TICK-\d{8}-\d{4}\] Printer on fire$/);
    expect(parsed.to.map((a) => a.address)).toEqual([t.customer]);
    expect(parsed.text).toContain("ticket TICK-");

    // Delivered again (at-least-once queue): nothing is sent twice.
    await runOutbox([`ack-${t.ticketId}`], testEnv);
    expect((await outbox(`ack-${t.ticketId}`))!.attempts).toBe(1);
  });

  it("a staff public reply goes to the requester threaded under the conversation; internal notes and customer comments send nothing", async () => {
    const { env: testEnv } = mailEnv();
    const t = await mailTicket(testEnv);
    await runOutbox([`ack-${t.ticketId}`], testEnv);
    const ack = await outbox(`ack-${t.ticketId}`);

    const note = await api("POST", `/api/v1/tickets/${t.ticketId}/comments`, { token: staff.agent.token, body: { body: "internal: customer is difficult", internal: true } });
    expect(note.status).toBe(201);
    expect(await outbox(`reply-${note.body.id}`)).toBeUndefined();

    const reply = await api("POST", `/api/v1/tickets/${t.ticketId}/comments`, { token: staff.agent.token, body: { body: "Please unplug it. <b>Now</b> & then." } });
    expect(reply.status).toBe(201);
    // The outbox row exists as soon as the comment does: same batch.
    const row = await outbox(`reply-${reply.body.id}`);
    expect(row).toMatchObject({ kind: "reply", automatic: false, toAddress: t.customer, commentId: reply.body.id });

    await runOutbox([row!.id], testEnv);
    const sent = await outbox(row!.id);
    expect(sent!.status).toBe("sent");
    const raw = (await r2Text(outboundRawKey(row!.id)))!;
    expect(header(raw, "In-Reply-To")).toEqual([`<${t.firstId}>`]);
    // Root first, then our acknowledgement (and the id the sending service gave it, when it replaced ours).
    expect(header(raw, "References")[0]).toMatch(new RegExp(`^<${t.firstId}> <${ack!.messageId!.replace(/[.]/g, "\\.")}>( <[^<>]+>)?$`));
    expect(header(raw, "Auto-Submitted")).toEqual([]);
    expect(raw).not.toContain("customer is difficult");
    const parsed = await parseInbound(raw);
    expect(parsed.text).toContain("Please unplug it. <b>Now</b> & then.");
    expect(parsed.html).toContain("&lt;b&gt;Now&lt;/b&gt; &amp; then.");

    // The customer answering by mail, naming our reply: threads, and is not echoed back to them.
    await deliver(rawMail({ from: t.customer, messageId: uniqueId("ans"), inReplyTo: sent!.messageId!, subject: "Re: x", body: "Done." }), { from: t.customer }, testEnv);
    const customerComment = await api("GET", `/api/v1/tickets/${t.ticketId}/comments`, { token: staff.agent.token });
    const last = customerComment.body.data.at(-1);
    expect(last).toMatchObject({ body: "Done.", channel: "email" });
    expect(await outbox(`reply-${last.id}`)).toBeUndefined();
  });

  it("status → resolved sends a notice; an internal change does not", async () => {
    const { env: testEnv } = mailEnv();
    const t = await mailTicket(testEnv);
    const res = await api("PATCH", `/api/v1/tickets/${t.ticketId}`, { token: staff.agent.token, body: { status: "resolved" } });
    expect(res.status).toBe(200);
    expect(await outbox(`resolved-${t.ticketId}-v${res.body.version}`)).toMatchObject({ kind: "ticket_resolved", automatic: true });
  });

  it("a failing send retries with growing delays, then is marked failed and shows on the ticket", async () => {
    const { env: base } = mailEnv();
    const t = await mailTicket(base);
    const failing = { ...base, MAILER: { send: async () => Promise.reject(new Error("550 mailbox unavailable")) } as unknown as SendEmail };
    const delays: (number | undefined)[] = [];
    for (let attempt = 1; attempt < MAX_SEND_ATTEMPTS; attempt++) {
      const result = await runOutbox([`ack-${t.ticketId}`], failing, attempt);
      expect(result.retryMessages).toHaveLength(1);
      delays.push(...result.delays);
      expect(await outbox(`ack-${t.ticketId}`)).toMatchObject({ status: "pending", attempts: attempt, lastError: "550 mailbox unavailable" });
    }
    expect(delays).toEqual([30, 60, 120, 240]);
    const final = await runOutbox([`ack-${t.ticketId}`], failing, MAX_SEND_ATTEMPTS);
    expect(final.retryMessages).toEqual([]);
    expect(final.explicitAcks).toHaveLength(1);
    expect(await outbox(`ack-${t.ticketId}`)).toMatchObject({ status: "failed", attempts: MAX_SEND_ATTEMPTS });

    const messages = await api("GET", `/api/v1/tickets/${t.ticketId}/messages`, { token: staff.agent.token });
    expect(messages.body.data.map((m: { direction: string; status: string }) => [m.direction, m.status])).toEqual([
      ["inbound", "ticket_created"],
      ["outbound", "failed"],
    ]);
    const history = await api("GET", `/api/v1/tickets/${t.ticketId}/history`, { token: staff.agent.token });
    expect(history.body.data.map((h: { type: string }) => h.type)).toContain("mail_failed");
  });

  it("customers cannot list a ticket's mail, nor see delivery failures in its history", async () => {
    const { env: testEnv } = mailEnv();
    const t = await mailTicket(testEnv, staff.customer.email);
    expectProblem(await api("GET", `/api/v1/tickets/${t.ticketId}/messages`, { token: staff.customer.token }), 403, "FORBIDDEN");
    await db().insert(ticketHistory).values({ id: uniqueId("h").slice(0, 26), ticketId: t.ticketId, type: "mail_failed", actorId: null, at: new Date().toISOString(), version: 1, changes: {}, bumpsVersion: false, internal: true });
    const history = await api("GET", `/api/v1/tickets/${t.ticketId}/history`, { token: staff.customer.token });
    expect(history.status).toBe(200);
    expect(history.body.data.map((h: { type: string }) => h.type)).not.toContain("mail_failed");
  });

  it("no automatic mail to noreply, mailer-daemon or postmaster addresses", async () => {
    for (const from of ["noreply@shop.example.com", "no-reply+x@shop.example.com", "postmaster@shop.example.com"]) {
      const { env: testEnv, enqueued } = mailEnv();
      const t = await mailTicket(testEnv, from);
      expect(t.ticketId).toBeTruthy();
      expect(enqueued).toEqual([]);
      expect(await outbox(`ack-${t.ticketId}`)).toBeUndefined();
    }
  });

  it(`at most AUTO_MAILS_PER_SENDER_PER_HOUR automatic mails per address`, async () => {
    const { env: testEnv } = mailEnv({ AUTO_MAILS_PER_SENDER_PER_HOUR: "2" });
    const from = `chatty-${Date.now()}@example.net`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(`ack-${(await mailTicket(testEnv, from)).ticketId}`);
    await runOutbox(ids, testEnv);
    const statuses = await Promise.all(ids.map(async (id) => (await outbox(id))!.status));
    expect(statuses).toEqual(["sent", "sent", "suppressed"]);
  });

  it("CR/LF in a requester name or subject cannot inject headers", async () => {
    const { env: testEnv } = mailEnv();
    const evilName = "Mallory\r\nBcc: victim@example.org\r\nX-Injected: yes";
    const evilSubject = "Invoice\r\nBcc: victim@example.org\nX-Injected: 1";
    const created = await api("POST", "/api/v1/tickets", {
      token: staff.agent.token,
      body: { subject: evilSubject, description: "d", channel: "email", requester_email: `mallory-${Date.now()}@example.net`, requester_name: evilName },
    });
    // The API takes line breaks in these fields as text; the mail must not turn them into headers.
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const viaMail = await mailTicket(testEnv, `mallory2-${Date.now()}@example.net`, {
      fromName: undefined,
      subject: `=?UTF-8?B?${btoa("Invoice\r\nBcc: victim@example.org")}?=`,
      headers: {},
    });
    const ids = [`ack-${viaMail.ticketId}`, `ack-${created.body.id}`];
    await runOutbox(ids, testEnv);
    for (const id of ids) {
      const raw = await r2Text(outboundRawKey(id));
      expect(raw, id).toBeTruthy();
      const lines = headerLines(raw!);
      expect(lines.filter((l) => /^bcc:/i.test(l))).toEqual([]);
      expect(lines.filter((l) => /^x-injected:/i.test(l))).toEqual([]);
      expect(header(raw!, "To")).toHaveLength(1);
      const parsed = await parseInbound(raw!);
      expect(parsed.to).toHaveLength(1);
      expect(parsed.subject).not.toMatch(/[\r\n]/);
    }
  });

  it("a bounce of our mail marks it bounced and puts a delivery-failure event on the ticket, creating nothing", async () => {
    const { env: testEnv, enqueued } = mailEnv();
    const t = await mailTicket(testEnv);
    await runOutbox([`ack-${t.ticketId}`], testEnv);
    const ack = await outbox(`ack-${t.ticketId}`);
    const boundary = "dsn-boundary";
    const dsnId = uniqueId("dsn");
    const dsn = [
      "From: Mail Delivery System <MAILER-DAEMON@mx.customer.example.net>",
      "To: support@example.com",
      "Subject: Undelivered Mail Returned to Sender",
      `Message-ID: <${dsnId}>`,
      "Auto-Submitted: auto-replied",
      "MIME-Version: 1.0",
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      "Content-Type: text/plain",
      "",
      "Your message could not be delivered.",
      `--${boundary}`,
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mx.customer.example.net",
      "",
      `Final-Recipient: rfc822; ${t.customer}`,
      "Action: failed",
      "Status: 5.1.1",
      "Diagnostic-Code: smtp; 550 5.1.1 user unknown",
      `--${boundary}`,
      "Content-Type: text/rfc822-headers",
      "",
      `Message-ID: <${ack!.messageId}>`,
      "Subject: whatever",
      `--${boundary}--`,
      "",
    ].join("\r\n");
    await deliver(dsn, { from: "" }, testEnv);
    const [row] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, dsnId));
    expect(row).toMatchObject({ status: "bounce", ticketId: t.ticketId, commentId: null });
    expect(await outbox(ack!.id)).toMatchObject({ status: "bounced", lastError: "5.1.1 smtp; 550 5.1.1 user unknown" });
    const history = await api("GET", `/api/v1/tickets/${t.ticketId}/history`, { token: staff.agent.token });
    const failure = history.body.data.find((h: { type: string }) => h.type === "mail_bounced");
    expect(failure.changes).toMatchObject({ outbound_message_id: ack!.id, recipient: t.customer, status: "5.1.1" });
    expect(enqueued).toEqual([{ id: `ack-${t.ticketId}` }]); // only the original acknowledgement
  });

  it("a forged bounce naming the victim's address (Final-Recipient) but not our signed Message-ID marks nothing bounced", async () => {
    const { env: testEnv } = mailEnv();
    const t = await mailTicket(testEnv);
    await runOutbox([`ack-${t.ticketId}`], testEnv);
    const ack = await outbox(`ack-${t.ticketId}`);
    expect(ack!.status).toBe("sent");
    const forged = (id: string, quoted: string | null) =>
      [
        "From: <MAILER-DAEMON@evil.example.org>",
        "To: support@example.com",
        "Subject: Undelivered Mail Returned to Sender",
        `Message-ID: <${id}>`,
        "Return-Path: <>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "",
        "--b",
        "Content-Type: message/delivery-status",
        "",
        `Final-Recipient: rfc822; ${t.customer}`,
        `Original-Recipient: rfc822; ${t.customer}`,
        "Action: failed",
        "Status: 5.1.1",
        "--b",
        "Content-Type: text/rfc822-headers",
        "",
        ...(quoted ? [`Message-ID: <${quoted}>`] : []),
        "--b--",
        "",
      ].join("\r\n");
    const attempts = [
      [uniqueId("fb1"), null],
      // Our form with a wrong MAC, and a foreign id: neither is one we minted.
      [uniqueId("fb2"), ack!.messageId!.replace(/\.[0-9a-z]{16}@/, ".0000000000000000@")],
      [uniqueId("fb3"), `unrelated-${Date.now()}@mail.customer.example.net`],
    ] as const;
    for (const [id, quoted] of attempts) {
      await deliver(forged(id, quoted), { from: "" }, testEnv);
      const [row] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, id));
      expect(row).toMatchObject({ status: "bounce", ticketId: null, reason: "bounce:unmatched" });
    }
    expect(await outbox(ack!.id)).toMatchObject({ status: "sent", lastError: null });
    const history = await db().select().from(ticketHistory).where(eq(ticketHistory.ticketId, t.ticketId));
    expect(history.filter((h) => h.type === "mail_bounced")).toEqual([]);
  });

  it("the cron re-enqueues outbox rows whose queue message was lost", async () => {
    const { env: testEnv, enqueued } = mailEnv();
    const t = await mailTicket(testEnv);
    enqueued.length = 0;
    const id = `ack-${t.ticketId}`;
    expect(await requeueStaleOutbox(testEnv, new Date())).toBe(0);
    const later = new Date(Date.now() + 10 * 60_000);
    expect(await requeueStaleOutbox(testEnv, later)).toBeGreaterThanOrEqual(1);
    expect(enqueued).toContainEqual({ id });
  });
});

describe("email templates", () => {
  it("admins read the default, replace it, and the next mail uses it with values escaped", async () => {
    const get = await api("GET", "/api/v1/email-templates/ticket_created", { token: staff.admin.token });
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ kind: "ticket_created", customised: false });
    expect(get.body.variables).toContain("ticket.number");

    expectProblem(await api("GET", "/api/v1/email-templates/ticket_created", { token: staff.agent.token }), 403, "FORBIDDEN");
    expectProblem(await api("PUT", "/api/v1/email-templates/ticket_created", { token: staff.manager.token, body: { subject: "x", body: "y" } }), 403, "FORBIDDEN");
    expectProblem(await api("GET", "/api/v1/email-templates/nope", { token: staff.admin.token }), 400, "VALIDATION_ERROR");
    const unknown = await api("PUT", "/api/v1/email-templates/ticket_created", { token: staff.admin.token, body: { subject: "{{ticket.number}}", body: "{{comment.body}} {{constructor}}" } });
    expectProblem(unknown, 400, "VALIDATION_ERROR");
    expect(unknown.body.errors.body[0]).toMatch(/comment\.body/);
    expectProblem(await api("PUT", "/api/v1/email-templates/ticket_created", { token: staff.admin.token, body: { subject: "two\nlines", body: "b" } }), 400, "VALIDATION_ERROR");

    const put = await api("PUT", "/api/v1/email-templates/ticket_created", {
      token: staff.admin.token,
      body: { subject: "We got it: {{ ticket.subject }}", body: "Dear {{requester.name}}, your number is {{ticket.number}}." },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ customised: true, subject: "We got it: {{ ticket.subject }}" });

    const { env: testEnv } = mailEnv();
    const t = await mailTicket(testEnv, `tpl-${Date.now()}@example.net`, { fromName: "<script>alert(1)</script>", subject: "{{ticket.number}} <i>x</i>" });
    await runOutbox([`ack-${t.ticketId}`], testEnv);
    const parsed = await parseInbound((await r2Text(outboundRawKey(`ack-${t.ticketId}`)))!);
    expect(parsed.subject).toMatch(/^\[TICK-\d{8}-\d{4}\] We got it: \{\{ticket\.number\}\} <i>x<\/i>$/);
    expect(parsed.text).toMatch(/^Dear <script>alert\(1\)<\/script>, your number is TICK-\d{8}-\d{4}\./);
    expect(parsed.html).toContain("Dear &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(parsed.html).not.toContain("<script>");
    await api("PUT", "/api/v1/email-templates/ticket_created", { token: staff.admin.token, body: { subject: "[{{ticket.number}}] {{ticket.subject}}", body: get.body.body } });
  });
});
