/**
 * Account mail end to end: the Worker's real `fetch` and `queue` exports, with the OUTBOX queue
 * and the MAILER binding replaced by recorders, so a test reads the very mail the Worker handed
 * to the send_email binding and follows its link.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { outboundMessages } from "../../src/db/schema";
import { parseInbound } from "../../src/email/parse";
import type { Bindings } from "../../src/env";
import worker from "../../src/index";
import { BASE, db, type ApiResponse, type CallOptions } from "../helpers";
import { fakeQueue, runOutbox } from "../email/mail-helpers";

export interface SentMail {
  from: string;
  to: string;
  raw: string;
}

/** What the send_email binding was handed: workerd's local EmailMessage keeps its raw text under this key. */
function rawOf(message: EmailMessage): string {
  const raw = (message as unknown as Record<string, unknown>)["EmailMessage::raw"];
  if (typeof raw !== "string") throw new Error("cannot read the raw text of an EmailMessage in this runtime");
  return raw;
}

/** The test's env: the queue and the mailer record instead of delivering. */
export function accountEnv(overrides: Partial<Bindings> = {}) {
  const q = fakeQueue();
  const sent: SentMail[] = [];
  const MAILER = { send: async (m: EmailMessage) => void sent.push({ from: m.from, to: m.to, raw: rawOf(m) }) } as unknown as SendEmail;
  const testEnv = { ...(env as unknown as Bindings), OUTBOX: q.queue, MAILER, EMAIL_AUTH_REQUIRED: "false", ...overrides } as Bindings;
  return {
    env: testEnv,
    enqueued: q.sent,
    sent,
    /** One HTTP call through the Worker's fetch export with this env, waiting for its after-response work. */
    async call<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers["content-type"] ??= "application/json";
      }
      const ctx = createExecutionContext();
      const res = await worker.fetch!(new Request(`${BASE}${path}`, { method, headers, body }) as never, testEnv, ctx);
      const text = await res.text();
      await waitOnExecutionContext(ctx);
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      return { status: res.status, headers: res.headers, body: parsed as T };
    },
    /** Delivers what was queued so far through the Worker's queue export; returns the mails sent by it. */
    async deliverQueued(): Promise<SentMail[]> {
      const before = sent.length;
      const ids = q.sent.splice(0).map((m) => m.id);
      if (ids.length) await runOutbox(ids, testEnv);
      return sent.slice(before);
    },
  };
}

/** The link of kind `path` in a sent mail (its text part), and the token in its fragment. */
export async function linkIn(mail: SentMail, path: "/portal/verify-email" | "/portal/reset-password") {
  const text = (await parseInbound(new TextEncoder().encode(mail.raw))).text;
  const m = new RegExp(`(https?://\\S+${path}#token=(\\S+))`).exec(text);
  if (!m) throw new Error(`no ${path} link in: ${text}`);
  return { url: m[1]!, token: m[2]! };
}

export async function outboxOf(userId: string) {
  return db().select().from(outboundMessages).where(eq(outboundMessages.userId, userId));
}

let seq = 0;
const run = crypto.randomUUID().slice(0, 8);
export const address = (tag: string) => `${tag}-${run}-${++seq}@bigcustomer.example`;

/** Registers through the API; returns the token response. */
export async function registerWith(a: ReturnType<typeof accountEnv>, email: string, password = "attacker-password-1") {
  const res = await a.call("POST", "/api/v1/auth/register", { body: { name: "Registrant", email, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { user: { id: string; email: string; email_verified: boolean }; access_token: string; refresh_token: string };
}
