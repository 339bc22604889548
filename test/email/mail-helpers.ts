/** Helpers for the email tests: raw mail, a ForwardableEmailMessage-like object, the Worker's email/queue exports. */
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/index";
import type { Bindings } from "../../src/env";
import { newId } from "../../src/lib/ids";

export const SUPPORT = "support@example.com";
export const AUTH_PASS = (domain: string) =>
  `mx.cloudflare.net; dkim=pass header.d=${domain} header.s=s1 header.b=abc; dmarc=pass header.from=${domain} policy.dir=none; spf=pass smtp.mailfrom=bounce@${domain}`;

export function fixture(file: string): Uint8Array {
  const b64 = env.EMAIL_FIXTURES[file];
  if (b64 === undefined) throw new Error(`no fixture ${file}`);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export interface MailSpec {
  from: string;
  fromName?: string;
  to?: string;
  cc?: string[];
  subject?: string;
  body?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  /** `Authentication-Results` value; omitted = none (local mail). */
  auth?: string;
  headers?: Record<string, string>;
  /** Extra MIME parts: a multipart/mixed message with these attachments. */
  attachments?: { filename: string; contentType: string; content: Uint8Array }[];
}

const b64 = (bytes: Uint8Array) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/(.{76})/g, "$1\r\n");
};

export const uniqueId = (tag = "m") => `${tag}-${newId()}@client.example.org`;

/** A raw RFC 5322 message (CRLF) as a mail client would send it. */
export function rawMail(spec: MailSpec): string {
  const lines = [
    ...(spec.auth ? [`Authentication-Results: ${spec.auth}`] : []),
    `From: ${spec.fromName ? `"${spec.fromName}" ` : ""}<${spec.from}>`,
    `To: ${spec.to ?? SUPPORT}`,
    ...(spec.cc?.length ? [`Cc: ${spec.cc.join(", ")}`] : []),
    `Subject: ${spec.subject ?? "Help please"}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${spec.messageId ?? uniqueId()}>`,
    ...(spec.inReplyTo ? [`In-Reply-To: <${spec.inReplyTo}>`] : []),
    ...(spec.references?.length ? [`References: ${spec.references.map((r) => `<${r}>`).join(" ")}`] : []),
    ...Object.entries(spec.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    "MIME-Version: 1.0",
  ];
  const text = spec.body ?? "My printer is on fire.";
  if (!spec.attachments?.length) return [...lines, "Content-Type: text/plain; charset=utf-8", "", text, ""].join("\r\n");
  const boundary = "b-" + newId();
  const parts = [
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    text,
    ...spec.attachments.flatMap((a) => [
      `--${boundary}`,
      `Content-Type: ${a.contentType}; name="${a.filename}"`,
      `Content-Disposition: attachment; filename="${a.filename}"`,
      "Content-Transfer-Encoding: base64",
      "",
      b64(a.content),
    ]),
    `--${boundary}--`,
    "",
  ];
  return [...lines, `Content-Type: multipart/mixed; boundary="${boundary}"`, "", ...parts].join("\r\n");
}

export interface FakeMessage extends ForwardableEmailMessage {
  rejected: string[];
}

/** What Email Routing hands the `email` handler. `rawSize` may be left unknown to exercise the stream cap. */
export function emailMessage(raw: string | Uint8Array, envelope: { from: string; to?: string; rawSize?: number | null }): FakeMessage {
  const bytes = typeof raw === "string" ? new TextEncoder().encode(raw) : raw;
  const rejected: string[] = [];
  return {
    from: envelope.from,
    to: envelope.to ?? SUPPORT,
    headers: new Headers(),
    raw: new Blob([bytes]).stream(),
    rawSize: envelope.rawSize === null ? (undefined as unknown as number) : (envelope.rawSize ?? bytes.byteLength),
    canBeForwarded: false,
    setReject: (reason: string) => void rejected.push(reason),
    forward: async () => ({ messageId: "" }),
    reply: async () => ({ messageId: "" }),
    rejected,
  } as unknown as FakeMessage;
}

/** Queue messages the code under test sent to OUTBOX (when the test's env replaces the real queue). */
export function fakeQueue() {
  const sent: { id: string }[] = [];
  const queue = {
    send: async (body: { id: string }) => void sent.push(body),
    sendBatch: async (batch: { body: { id: string } }[]) => void sent.push(...batch.map((m) => m.body)),
  } as unknown as Queue<{ id: string }>;
  return { sent, queue };
}

/** The test env: mail checks relaxed unless a test turns them on; the outbox queue captured. */
export function mailEnv(overrides: Partial<Bindings> = {}) {
  const q = fakeQueue();
  return { env: { ...(env as unknown as Bindings), EMAIL_AUTH_REQUIRED: "false", OUTBOX: q.queue, ...overrides } as Bindings, enqueued: q.sent };
}

/** Delivers a raw mail through the Worker's `email` export, waiting for its after-commit work. */
export async function deliver(raw: string | Uint8Array, envelope: { from: string; to?: string; rawSize?: number | null }, testEnv?: Bindings) {
  const message = emailMessage(raw, envelope);
  const ctx = createExecutionContext();
  await worker.email!(message, testEnv ?? mailEnv().env, ctx);
  await waitOnExecutionContext(ctx);
  return message;
}

/** Runs the Worker's `queue` export on outbox ids, as the OUTBOX queue would deliver them. */
export async function runOutbox(ids: string[], testEnv: Bindings, attempts = 1) {
  const batch = createMessageBatch<{ id: string }>("edgedesk-outbox", ids.map((id, i) => ({ id: `q-${i}-${newId()}`, timestamp: new Date(), attempts, body: { id } })));
  // The plugin's QueueResult does not keep retry delays (1.5): record them on the way through.
  const delays: (number | undefined)[] = [];
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    Object.defineProperty(m, "retry", { value: (options?: QueueRetryOptions) => (delays.push(options?.delaySeconds), retry(options)) });
  }
  const ctx = createExecutionContext();
  const queue = worker.queue as unknown as (b: MessageBatch<unknown>, e: Bindings, c: ExecutionContext) => Promise<void>;
  await queue(batch as MessageBatch<unknown>, testEnv, ctx);
  return { ...(await getQueueResult(batch, ctx)), delays };
}

export async function r2Text(key: string): Promise<string | null> {
  const object = await env.ATTACHMENTS.get(key);
  return object ? object.text() : null;
}

// ---------------------------------------------------------------- DKIM in tests (issue 9 item 3)

export interface DkimTestKey {
  domain: string;
  selector: string;
  privateKey: CryptoKey;
  /** The TXT record a domain would publish for it. */
  record: string;
}

const b64Of = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

/** A fresh RSA key pair for `selector._domainkey.domain`, made in the test (nothing leaves the machine). */
export async function dkimKey(domain: string, selector = `s${newId().slice(-8)}`): Promise<DkimTestKey> {
  const pair = (await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const spki = (await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer;
  return { domain, selector, privateKey: pair.privateKey, record: `v=DKIM1; k=rsa; p=${b64Of(spki)}` };
}

/**
 * Signs a raw CRLF mail as its domain's mail server would (relaxed/relaxed, rsa-sha256), written
 * here from RFC 6376 section 3.4 independently of src/email/dkim.ts (which the RFC 8463 test vector checks).
 */
export async function signMail(raw: string, key: DkimTestKey, signed = ["from", "to", "subject", "date", "message-id"]): Promise<string> {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const lines = body.split("\r\n").map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""));
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  const canonBody = lines.length ? `${lines.join("\r\n")}\r\n` : "";
  const bh = b64Of(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonBody)));
  const fields = head.split(/\r\n(?![ \t])/);
  const relaxed = (f: string) => `${f.slice(0, f.indexOf(":")).trim().toLowerCase()}:${f.slice(f.indexOf(":") + 1).replace(/\r\n/g, "").replace(/[ \t]+/g, " ").trim()}`;
  const picked = signed.map((name) => fields.filter((f) => f.slice(0, f.indexOf(":")).trim().toLowerCase() === name).at(-1)).filter((f): f is string => !!f);
  const sigHead = `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${key.domain}; s=${key.selector}; t=${Math.floor(Date.now() / 1000)}; h=${signed.join(":")}; bh=${bh}; b=`;
  const data = [...picked.map(relaxed), relaxed(sigHead)].join("\r\n");
  const sig = b64Of(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key.privateKey, new TextEncoder().encode(data)));
  return `${sigHead}${sig}\r\n${raw}`;
}

/** A DNS-over-HTTPS fetcher answering from `records` (name → TXT strings), counting its look-ups: the `DOH` binding of a test env. */
export function fakeDoh(records: Record<string, string[]>) {
  const asked: string[] = [];
  const doh = {
    fetch: async (input: RequestInfo | URL) => {
      const name = new URL(String(input instanceof Request ? input.url : input)).searchParams.get("name")!;
      asked.push(name);
      const txt = records[name];
      return Response.json({ Status: txt ? 0 : 3, Answer: (txt ?? []).map((data) => ({ name, type: 16, TTL: 300, data: `"${data.replace(/(.{255})/g, '$1" "')}"` })) });
    },
  } as unknown as Fetcher;
  return { doh, asked, records };
}

/** A test env with sender authentication on and the given DKIM keys (and DMARC records) in its DNS. */
export function strictMailEnv(keys: DkimTestKey[], extra: Record<string, string[]> = {}, overrides: Partial<Bindings> = {}) {
  const dns = fakeDoh({ ...Object.fromEntries(keys.map((k) => [`${k.selector}._domainkey.${k.domain}`, [k.record]])), ...extra });
  return { ...mailEnv({ EMAIL_AUTH_REQUIRED: "true", DOH: dns.doh, ...overrides }), dns };
}
