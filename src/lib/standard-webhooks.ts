/**
 * Standard Webhooks (https://www.standardwebhooks.com, spec v1): the one signing implementation,
 * for our outgoing webhooks and channel replies and for verifying a channel's inbound calls.
 *
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, the
 * key being the base64 part of a `whsec_…` secret. Several signatures are separated by spaces
 * (a rotated secret signs beside the new one). WebCrypto rather than the `standardwebhooks` npm
 * package: native HMAC and a constant-time compare in workerd, no JavaScript SHA-256 on the send
 * path; the package itself verifies our output in test/webhooks.
 */

const encoder = new TextEncoder();

export const SECRET_PREFIX = "whsec_";
/** 32 random bytes: the spec asks for 24 to 64. */
const SECRET_BYTES = 32;
/** The spec's (and its libraries') tolerance for a timestamp either side of now: a captured call cannot be replayed later. */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;
/** Signatures in one header we look at: a header with thousands of entries is not a rotation. */
const MAX_SIGNATURES = 10;
/** Longest `webhook-id` accepted (the spec's ids are short; ours are ~36 characters). */
export const MAX_MESSAGE_ID_CHARS = 256;

export const HEADER_ID = "webhook-id";
export const HEADER_TIMESTAMP = "webhook-timestamp";
export const HEADER_SIGNATURE = "webhook-signature";

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/** A new `whsec_…` secret. */
export function newSecret(): string {
  return SECRET_PREFIX + base64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The key bytes of a `whsec_…` secret (the prefix is optional, as the spec's libraries accept). */
export function secretKey(secret: string): Uint8Array {
  const key = fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  if (!key || key.byteLength === 0) throw new Error("not a Standard Webhooks secret");
  return key;
}

async function hmacSha256(key: Uint8Array, data: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data)));
}

/** `v1,<base64>` for one secret. */
export async function signature(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  return `v1,${base64(await hmacSha256(secretKey(secret), `${id}.${timestamp}.${body}`))}`;
}

/** The three headers of a signed message; every secret given signs (current first, then a rotated one). */
export async function signedHeaders(secrets: readonly string[], id: string, timestamp: number, body: string): Promise<Record<string, string>> {
  const signatures = await Promise.all(secrets.map((s) => signature(s, id, timestamp, body)));
  return { [HEADER_ID]: id, [HEADER_TIMESTAMP]: String(timestamp), [HEADER_SIGNATURE]: signatures.join(" ") };
}

export type VerifyFailure = "missing_headers" | "bad_timestamp" | "timestamp_too_old" | "timestamp_too_new" | "bad_signature";
export type VerifyResult = { ok: true; id: string; timestamp: number } | { ok: false; reason: VerifyFailure };

/**
 * Checks a signed message against any of `secrets` (a channel's current and, within 24 h of a
 * rotation, its previous secret): the timestamp within the tolerance of `now`, then any `v1`
 * signature equal in constant time.
 */
export async function verifySigned(
  secrets: readonly string[],
  headers: { id: string | null | undefined; timestamp: string | null | undefined; signature: string | null | undefined },
  body: string,
  now: Date,
): Promise<VerifyResult> {
  const { id, timestamp, signature: header } = headers;
  if (!id || !timestamp || !header || id.length > MAX_MESSAGE_ID_CHARS) return { ok: false, reason: "missing_headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "bad_timestamp" };
  const ts = Number(timestamp);
  const nowS = Math.floor(now.getTime() / 1000);
  if (ts < nowS - TIMESTAMP_TOLERANCE_SECONDS) return { ok: false, reason: "timestamp_too_old" };
  if (ts > nowS + TIMESTAMP_TOLERANCE_SECONDS) return { ok: false, reason: "timestamp_too_new" };
  const given = header
    .split(" ")
    .slice(0, MAX_SIGNATURES)
    .map((part) => part.split(","))
    .filter(([version, value]) => version === "v1" && value)
    .map(([, value]) => fromBase64(value!))
    .filter((bytes): bytes is Uint8Array => bytes !== null);
  if (!given.length) return { ok: false, reason: "bad_signature" };
  const content = `${id}.${timestamp}.${body}`;
  for (const secret of secrets) {
    const expected = await hmacSha256(secretKey(secret), content);
    if (given.some((g) => g.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(g, expected))) return { ok: true, id, timestamp: ts };
  }
  return { ok: false, reason: "bad_signature" };
}
