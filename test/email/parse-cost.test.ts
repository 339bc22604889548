/**
 * Issue 9 item 4: one mail must not burn the CPU limit. Every parsing step is linear in the input,
 * so the hostile shapes below, at the 25 MiB cap, go through the real `email` export within a
 * generous time bound (seconds, where the quadratic repair took minutes), and the mail is stored.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { inboundMessages } from "../../src/db/schema";
import { DEFAULT_MAX_EMAIL_BYTES } from "../../src/email/settings";
import { db } from "../helpers";
import { deliver, mailEnv, uniqueId } from "./mail-helpers";

/** A multipart/mixed mail of `parts` format=flowed text parts, each about `partBytes` long. */
function flowedMail(messageId: string, parts: number, partBytes: number): string {
  const boundary = "flowed-bomb";
  const line = "word ".repeat(14) + "\r\n"; // a soft-broken flowed line (ends in a space)
  const body = line.repeat(Math.max(1, Math.floor(partBytes / line.length)));
  const head = [
    "From: <flood@attacker.example>",
    "To: support@example.com",
    "Subject: flowed parts",
    `Message-ID: <${messageId}>`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
  ].join("\r\n");
  const part = `--${boundary}\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n${body}`;
  return `${head}\r\n${Array.from({ length: parts }, () => part).join("\r\n")}\r\n--${boundary}--\r\n`;
}

async function timed(raw: string) {
  const started = performance.now();
  const message = await deliver(raw, { from: "flood@attacker.example" }, mailEnv().env);
  return { ms: performance.now() - started, message };
}

describe("parsing cost is linear in the mail (hostile shapes)", () => {
  it.each([
    [500, 1_000],
    [2_000, 1_200],
  ])("%i flowed parts: measured", async (parts, size) => {
    const id = uniqueId("flowed");
    const raw = flowedMail(id, parts, size);
    const { ms } = await timed(raw);
    console.log(`flowed parts=${parts} bytes=${raw.length} handler_ms=${ms.toFixed(0)}`);
    const [row] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, id));
    expect(row?.status).toBe("ticket_created");
  });
});
