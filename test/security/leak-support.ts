/**
 * The leak probe: one env whose every way out is recorded (mail handed to the MAILER binding,
 * webhook and channel deliveries received by the real local receiver over real sockets), the
 * Worker's own `fetch` and `queue` exports doing the work. A test puts a canary (a unique word) in
 * everything only staff may know, drives the features, drains every queue, and then asks where the
 * canary went.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { TICKET_EVENT_TYPES } from "../../src/events/ticket-events";
import { parseInbound } from "../../src/email/parse";
import type { Bindings } from "../../src/env";
import type { CallOptions, TestUser } from "../helpers";
import { fakeQueue as fakeMailQueue, runOutbox } from "../email/mail-helpers";
import { call, fakeQueue as fakeHookQueue, receiverEndpoint, runQueue } from "../webhooks/support";

export interface DecodedMail {
  to: string;
  subject: string;
  /** Subject, whole text and HTML parts decoded (quoted-printable or base64 would hide a word from a plain search), and the raw message. */
  content: string;
}

/** What the send_email binding was handed: workerd's local EmailMessage keeps its raw text under this key. */
function rawOf(message: EmailMessage): string {
  const raw = (message as unknown as Record<string, unknown>)["EmailMessage::raw"];
  if (typeof raw !== "string") throw new Error("cannot read the raw text of an EmailMessage in this runtime");
  return raw;
}

export const canary = (tag: string) => `canary${tag}${crypto.randomUUID().replaceAll("-", "")}`;

export function leakEnv(overrides: Partial<Bindings> = {}) {
  const hooks = fakeHookQueue();
  const mail = fakeMailQueue();
  const sentRaw: { to: string; raw: string }[] = [];
  const MAILER = { send: async (m: EmailMessage) => void sentRaw.push({ to: m.to, raw: rawOf(m) }) } as unknown as SendEmail;
  const testEnv = {
    ...(env as unknown as Bindings),
    WEBHOOKS_ALLOW_LOCAL: "true",
    EMAIL_AUTH_REQUIRED: "false",
    WEBHOOKS: hooks.queue,
    OUTBOX: mail.queue,
    MAILER,
    ...overrides,
  } as Bindings;
  return {
    env: testEnv,
    call: <T = any>(method: string, path: string, opts: CallOptions = {}) => call<T>(testEnv, method, path, opts),
    /** Runs the queue consumers on everything queued (and on what they queue) until nothing is left. */
    async drain() {
      for (let round = 0; round < 10 && (hooks.sent.length || mail.sent.length); round++) {
        const hookIds = hooks.sent.splice(0);
        const mailIds = mail.sent.splice(0).map((m) => m.id);
        if (hookIds.length) await runQueue(hookIds, testEnv);
        if (mailIds.length) await runOutbox(mailIds, testEnv);
      }
    },
    /** Every mail sent so far, decoded. */
    async mails(): Promise<DecodedMail[]> {
      return Promise.all(
        sentRaw.map(async (m) => {
          const parsed = await parseInbound(new TextEncoder().encode(m.raw));
          return { to: m.to, subject: parsed.subject ?? "", content: `${parsed.subject ?? ""}\n${parsed.fullText}\n${parsed.html ?? ""}\n${m.raw}` };
        }),
      );
    },
  };
}

export type LeakEnv = ReturnType<typeof leakEnv>;

/** A webhook on its own receiver endpoint, subscribed to every ticket event. */
export async function webhookTo(t: LeakEnv, admin: TestUser, includeInternal: boolean) {
  const receiver = receiverEndpoint(includeInternal ? "internal" : "public");
  const res = await t.call("POST", "/api/v1/webhooks", { token: admin.token, body: { url: receiver.url, events: [...TICKET_EVENT_TYPES], include_internal: includeInternal } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, bodies: async () => (await receiver.received()).map((r) => r.body) };
}

/** The mails to `address`, decoded. */
export async function mailsTo(t: LeakEnv, address: string) {
  return (await t.mails()).filter((m) => m.to.toLowerCase() === address.toLowerCase());
}
