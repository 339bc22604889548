import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { attachments, inboundMessages, tickets, users } from "../../src/db/schema";
import { api, db, makeStaff } from "../helpers";
import { deliver, fixture, mailEnv, rawMail, uniqueId } from "./mail-helpers";

const manifest = env.EMAIL_MANIFEST;

async function inboundRow(messageIdOrNull: string | null) {
  if (!messageIdOrNull) return null;
  const [row] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, messageIdOrNull)).limit(1);
  return row ?? null;
}

const messageIdOf = (raw: Uint8Array) => {
  const head = new TextDecoder("latin1").decode(raw.subarray(0, 20_000));
  return /^message-id:\s*<?([^<>\s]+)>?/im.exec(head)?.[1] ?? null;
};

describe("the fixture corpus through the email handler", async () => {
  const { agent } = await makeStaff();
  for (const entry of manifest) {
    it(`${entry.file}: ${entry.expected.is_auto_reply ? `${entry.expected.auto_kind} → no ticket` : "a ticket"}`, async () => {
      const raw = fixture(entry.file);
      const { env: testEnv, enqueued } = mailEnv();
      const message = await deliver(raw, { from: entry.expected.from_address ?? "unknown@example.net" }, testEnv);
      expect(message.rejected).toEqual([]);
      const row = await inboundRow(messageIdOf(raw));
      const [byRaw] = row ? [row] : await db().select().from(inboundMessages).where(eq(inboundMessages.rawSize, raw.byteLength)).limit(1);
      expect(byRaw, "an inbound message row").toBeTruthy();
      const stored = await env.ATTACHMENTS.get(byRaw!.rawKey);
      expect(stored?.size, "the raw .eml kept in R2").toBe(raw.byteLength);

      if (entry.expected.is_auto_reply || entry.expected.auto_kind) {
        expect(byRaw!.ticketId).toBeNull();
        expect(["ignored", "bounce"]).toContain(byRaw!.status);
        expect(enqueued, "no automatic answer").toEqual([]);
        return;
      }
      expect(byRaw!.status).toBe("ticket_created");
      const res = await api("GET", `/api/v1/tickets/${byRaw!.ticketId}`, { token: agent.token });
      expect(res.status).toBe(200);
      const ticket = res.body;
      expect(ticket.channel).toBe("email");
      const subject = (entry.expected.subject ?? "").replace(/[\u0000-\u0008\u000a-\u001f\u007f]+/g, " ").trim();
      if (!subject) expect(ticket.subject).toBe("(no subject)");
      else if (subject.length > 200) expect(ticket.subject).toBe(`${subject.slice(0, 199)}…`);
      else expect(ticket.subject).toBe(subject);
      if (entry.expected.from_address) expect(ticket.requester.email).toBe(entry.expected.from_address.toLowerCase());
      const visible = entry.expected.reply_visible_text?.trim();
      if (visible) expect(ticket.description).toBe(visible);
      expect(ticket.description.length).toBeGreaterThan(0);
      const files = await api("GET", `/api/v1/tickets/${ticket.id}/attachments?limit=100`, { token: agent.token });
      expect(files.status).toBe(200);
      expect(files.body.data).toHaveLength(entry.expected.attachment_count);
      for (const f of files.body.data) {
        const object = await env.ATTACHMENTS.get(`attachments/${f.sha256}`);
        expect(object?.size).toBe(f.size);
      }
      // Acknowledgement queued for the requester unless they are a machine address.
      const [requester] = await db().select().from(users).where(eq(users.id, ticket.requester.id));
      expect(requester!.role).toBe("customer");
      expect(requester!.passwordHash).toBeNull();
    });
  }
});

describe("inbound limits and dedupe", () => {
  it("rejects a message over MAX_EMAIL_BYTES by its announced size, without creating anything", async () => {
    const { env: testEnv } = mailEnv({ MAX_EMAIL_BYTES: "2000" });
    const id = uniqueId("big");
    const message = await deliver(rawMail({ from: "big@example.net", messageId: id, body: "x".repeat(5000) }), { from: "big@example.net" }, testEnv);
    expect(message.rejected).toHaveLength(1);
    expect(message.rejected[0]).toMatch(/too large/i);
    expect(await inboundRow(id)).toBeNull();
  });

  it("rejects an oversized stream whose size was not announced (reads stop at the cap)", async () => {
    const { env: testEnv } = mailEnv({ MAX_EMAIL_BYTES: "2000" });
    const id = uniqueId("big2");
    const message = await deliver(rawMail({ from: "big@example.net", messageId: id, body: "y".repeat(5000) }), { from: "big@example.net", rawSize: null }, testEnv);
    expect(message.rejected[0]).toMatch(/too large/i);
    expect(await inboundRow(id)).toBeNull();
  });

  it("the same Message-ID delivered twice creates one ticket", async () => {
    const id = uniqueId("dup");
    const raw = rawMail({ from: "twice@example.net", messageId: id, subject: "Delivered twice" });
    const { env: testEnv, enqueued } = mailEnv();
    await deliver(raw, { from: "twice@example.net" }, testEnv);
    await deliver(raw, { from: "twice@example.net" }, testEnv);
    const rows = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, id));
    expect(rows).toHaveLength(1);
    const created = await db().select().from(tickets).where(eq(tickets.subject, "Delivered twice"));
    expect(created).toHaveLength(1);
    expect(enqueued).toHaveLength(1); // one acknowledgement
  });

  it("drops an attachment larger than MAX_ATTACHMENT_BYTES but keeps the mail", async () => {
    const { env: testEnv } = mailEnv({ MAX_ATTACHMENT_BYTES: "1000" });
    const id = uniqueId("att");
    await deliver(
      rawMail({
        from: "files@example.net",
        messageId: id,
        attachments: [
          { filename: "small.txt", contentType: "text/plain", content: new TextEncoder().encode("small file") },
          { filename: "large.bin", contentType: "application/octet-stream", content: new Uint8Array(5000).fill(7) },
        ],
      }),
      { from: "files@example.net" },
      testEnv,
    );
    const row = await inboundRow(id);
    const files = await db().select().from(attachments).where(eq(attachments.ticketId, row!.ticketId!));
    expect(files.map((f) => f.filename)).toEqual(["small.txt"]);
  });

  it("an auto-reply to an existing conversation creates nothing and is not answered", async () => {
    const { env: testEnv, enqueued } = mailEnv();
    const id = uniqueId("ooo");
    await deliver(rawMail({ from: "away@example.net", messageId: id, subject: "Out of office", headers: { "Auto-Submitted": "auto-replied" } }), { from: "away@example.net" }, testEnv);
    const row = await inboundRow(id);
    expect(row!.status).toBe("ignored");
    expect(row!.ticketId).toBeNull();
    expect(enqueued).toEqual([]);
  });

  it("mail with an empty envelope sender (a bounce path) never creates a ticket", async () => {
    const { env: testEnv } = mailEnv();
    const id = uniqueId("null");
    await deliver(rawMail({ from: "someone@example.net", messageId: id, subject: "Hello" }), { from: "<>" }, testEnv);
    expect((await inboundRow(id))!.ticketId).toBeNull();
  });

  it("keeps a CR/LF-free, capped subject and the full original text", async () => {
    const id = uniqueId("long");
    const body = "My answer.\n\nOn Tue, 1 Dec 2026 at 10:02, Support <support@example.com> wrote:\n> the quoted history\n> more history";
    await deliver(rawMail({ from: "long@example.net", messageId: id, subject: "S".repeat(300), body }), { from: "long@example.net" });
    const row = await inboundRow(id);
    const [t] = await db().select().from(tickets).where(eq(tickets.id, row!.ticketId!));
    expect(t!.subject).toHaveLength(200);
    expect(t!.description).toBe("My answer.");
    expect(row!.fullText).toContain("> the quoted history");
  });
});
