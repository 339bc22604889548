/**
 * The Worker's `email` handler: Cloudflare Email Routing hands over each message addressed to us.
 * Reads the raw stream with a size cap, then hands it to the mail service (ingest.ts). A message
 * refused here gets a permanent SMTP error (setReject); one that fails for a transient reason
 * (D1 unavailable) throws, so the sending server retries later, and dedupe makes that safe.
 */
import type { Bindings } from "../env";
import { ingestMail, recordFailedMail, type IngestOutcome } from "./ingest";
import { mailSettings } from "./settings";

/**
 * Reads a stream to its end, or gives up (cancelling it) as soon as it passes `cap` bytes. With the
 * size announced up front (Email Routing's rawSize) the bytes go straight into one buffer of that
 * size: a 25 MiB mail then costs 25 MiB here, not chunks plus a copy (the isolate has 128 MB).
 */
export async function readCapped(stream: ReadableStream<Uint8Array>, cap: number, announced?: number): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const exact = typeof announced === "number" && announced >= 0 && announced <= cap ? new Uint8Array(announced) : null;
  let filled = 0; // bytes in `exact`, all before any in `overflow`
  const overflow: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > cap) {
      await reader.cancel("message too large").catch(() => {});
      return null;
    }
    if (exact && !overflow.length && filled + value.byteLength <= exact.byteLength) {
      exact.set(value, filled);
      filled += value.byteLength;
    } else overflow.push(value);
    size += value.byteLength;
  }
  if (exact && !overflow.length) return filled === exact.byteLength ? exact : exact.subarray(0, filled);
  // No size announced, or a wrong one: assemble what actually came.
  const out = new Uint8Array(size);
  if (exact) out.set(exact.subarray(0, filled), 0);
  let offset = filled;
  for (const c of overflow) {
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
  const raw = await readCapped(message.raw, maxEmailBytes, typeof message.rawSize === "number" ? message.rawSize : undefined);
  if (!raw) {
    message.setReject(tooLarge);
    return { status: "refused", reason: tooLarge };
  }
  const envelope = { from: message.from ?? null, to: message.to ?? null };
  let outcome: IngestOutcome;
  try {
    outcome = await ingestMail(env, raw, envelope, { waitUntil: (p) => ctx.waitUntil(p) });
  } catch (err) {
    // A fault of ours must not make the sending server retry this mail for days: keep it, show it to admins.
    console.error("inbound mail could not be stored", err);
    const failed = await recordFailedMail(env, raw, envelope, err);
    if (!failed) throw err;
    return failed;
  }
  if (outcome.status === "refused") message.setReject(outcome.reason);
  return outcome;
}
