/**
 * The Worker's `email` handler: Cloudflare Email Routing hands over each message addressed to us.
 * Reads the raw stream with a size cap, then hands it to the mail service (ingest.ts). A message
 * refused here gets a permanent SMTP error (setReject); one that fails for a transient reason
 * (D1 unavailable) throws, so the sending server retries later, and dedupe makes that safe.
 */
import type { Bindings } from "../env";
import { ingestMail, type IngestOutcome } from "./ingest";
import { mailSettings } from "./settings";

/** Reads a stream to its end, or gives up (cancelling it) as soon as it passes `cap` bytes. */
export async function readCapped(stream: ReadableStream<Uint8Array>, cap: number): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel("message too large").catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

export async function handleEmail(message: ForwardableEmailMessage, env: Bindings, ctx: ExecutionContext): Promise<IngestOutcome> {
  const { maxEmailBytes } = mailSettings(env);
  const tooLarge = `Message too large: this address accepts at most ${maxEmailBytes} bytes`;
  // rawSize is known up front in production: refuse without reading a byte.
  if (typeof message.rawSize === "number" && message.rawSize > maxEmailBytes) {
    message.setReject(tooLarge);
    return { status: "refused", reason: tooLarge };
  }
  const raw = await readCapped(message.raw, maxEmailBytes);
  if (!raw) {
    message.setReject(tooLarge);
    return { status: "refused", reason: tooLarge };
  }
  const outcome = await ingestMail(env, raw, { from: message.from ?? null, to: message.to ?? null }, { waitUntil: (p) => ctx.waitUntil(p) });
  if (outcome.status === "refused") message.setReject(outcome.reason);
  return outcome;
}
