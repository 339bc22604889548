/** Issue 9 item 5 (mail): a big mail fits its row, and a mail that cannot be stored is kept and shown to admins, never retried forever. */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { inboundMessages } from "../../src/db/schema";
import { MAX_STORED_BODY_CHARS } from "../../src/email/ingest";
import type { Bindings } from "../../src/env";
import { api, db, expectProblem, makeStaff } from "../helpers";
import { deliver, mailEnv, rawMail, uniqueId } from "./mail-helpers";

let staff: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  staff = await makeStaff();
});

const rowOf = async (messageId: string) => (await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, messageId)))[0];

describe("inbound mail storage", () => {
  it("a mail of ~3 MB of HTML and text becomes a ticket: the row keeps bounded excerpts, the whole body is in R2", async () => {
    const id = uniqueId("big");
    const boundary = "alt";
    const text = "Plain words of a long report. ".repeat(7_000); // ~210 KB
    const html = `<p>${"Rich words of a long report. ".repeat(100_000)}</p>`; // ~2.9 MB
    const raw = [
      "From: <big@customer.example.net>",
      "To: support@example.com",
      "Subject: A very long report",
      `Message-ID: <${id}>`,
      "MIME-Version: 1.0",
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      "Content-Type: text/plain; charset=utf-8",
      "",
      text,
      `--${boundary}`,
      "Content-Type: text/html; charset=utf-8",
      "",
      html,
      `--${boundary}--`,
      "",
    ].join("\r\n");
    const message = await deliver(raw, { from: "big@customer.example.net" }, mailEnv().env);
    expect(message.rejected).toEqual([]);
    const row = (await rowOf(id))!;
    expect(row.status).toBe("ticket_created");
    for (const column of [row.text, row.fullText, row.html ?? ""]) expect(column.length).toBeLessThanOrEqual(MAX_STORED_BODY_CHARS);
    expect(row.html!.length).toBe(MAX_STORED_BODY_CHARS);
    const whole = JSON.parse((await (await env.ATTACHMENTS.get(row.bodyKey!))!.text()) as string) as { text: string; full_text: string; html: string };
    // parse.ts keeps up to 1,000,000 characters of sanitised HTML; all of it is in R2, a tenth of it in the row.
    expect(whole.html.length).toBeGreaterThan(MAX_STORED_BODY_CHARS * 9);
    expect(whole.full_text).toContain("Plain words of a long report.");
  });

  it("a mail that cannot be written is accepted (no retry loop), kept raw in R2 and listed as failed for staff; a manager may retry it", async () => {
    const id = uniqueId("boom");
    const raw = rawMail({ from: "unlucky@customer.example.net", messageId: id, subject: "Help", body: "Words that must not be lost." });
    // D1 answering every batch with an error: the store step fails the way a too-big row or a bug would.
    const real = env.DB;
    const failing = new Proxy(real, {
      get(target, prop) {
        if (prop === "batch") return async () => Promise.reject(new Error("D1_ERROR: string or blob too big: SQLITE_TOOBIG"));
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as D1Database;
    const message = await deliver(raw, { from: "unlucky@customer.example.net" }, mailEnv({ DB: failing } as Partial<Bindings>).env);
    expect(message.rejected).toEqual([]);
    const row = (await rowOf(id))!;
    expect(row).toMatchObject({ status: "failed", ticketId: null, subject: "Help", fromAddress: "unlucky@customer.example.net" });
    expect(row.reason).toMatch(/SQLITE_TOOBIG/);
    expect(await (await env.ATTACHMENTS.get(row.rawKey))!.text()).toBe(raw);

    const list = await api("GET", "/api/v1/mail/quarantine", { token: staff.admin.token });
    const listed = list.body.data.find((m: { id: string }) => m.id === row.id);
    expect(listed).toMatchObject({ status: "failed", from: "unlucky@customer.example.net" });
    expect(listed.failed_check).toMatch(/SQLITE_TOOBIG/);

    // The same mail redelivered is a duplicate, not a second failure; after the fault is gone a manager retries it.
    await deliver(raw, { from: "unlucky@customer.example.net" }, mailEnv().env);
    expect((await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, id))).length).toBe(1);
    expectProblem(await api("POST", `/api/v1/mail/quarantine/${row.id}/release`, { token: staff.agent.token }), 403, "FORBIDDEN");
    const retried = await api("POST", `/api/v1/mail/quarantine/${row.id}/release`, { token: staff.manager.token });
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe("ticket_created");
    const ticket = await api("GET", `/api/v1/tickets/${retried.body.ticket_id}`, { token: staff.agent.token });
    expect(ticket.body.description).toBe("Words that must not be lost.");
  });
});
