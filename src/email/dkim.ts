/**
 * DKIM verification (RFC 6376, RFC 8463 Ed25519, RFC 8301 no SHA-1) in the Worker, with WebCrypto.
 *
 * Why here and not a package: mailauth (postalsys, the one maintained JavaScript verifier) needs
 * node:https, node:dns, joi and nodemailer and did not load in workerd's test pool; DKIM
 * verification itself is small and fully specified. Keys come from a {@link TxtResolver}
 * (DNS-over-HTTPS in production, a fake in tests).
 *
 * Everything here is bounded: a few signatures per mail, each header list capped, the body hashed
 * in one linear pass per canonicalisation and streamed into a digest (no copy of a 25 MiB body).
 */
import { DnsLookupError, type TxtResolver } from "./dns";

/** Signatures tried per mail: real mail carries one to three (author, ESP, forwarder). */
export const MAX_DKIM_SIGNATURES = 5;
/** Header names a signature may list (`h=`): real ones list 10-30; more is a CPU trap. */
const MAX_SIGNED_HEADERS = 64;
/** Bytes of canonical body fed to the digest at a time. */
const DIGEST_CHUNK = 64 * 1024;

export type DkimResult =
  | { result: "pass"; domain: string; selector: string }
  | { result: "fail" | "neutral" | "permerror" | "temperror"; domain: string | null; selector: string | null; reason: string };

const latin1 = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);
/** Strings decoded with latin1 hold one byte per char; this turns them back into exactly those bytes. */
function bytesOf(binary: string): Uint8Array {
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i) & 0xff;
  return out;
}
const b64 = (s: string) => Uint8Array.from(atob(s.replace(/[\s]/g, "")), (c) => c.charCodeAt(0));
const toB64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

export interface RawMessage {
  /** Header fields, top first, each as it was written (folding kept, CRLF line ends, no final CRLF). */
  fields: { name: string; raw: string }[];
  body: Uint8Array;
}

/** Splits a raw message into its header fields and body bytes (LF-only mail is accepted, as MTAs do). */
export function splitMessage(raw: Uint8Array): RawMessage {
  let end = -1;
  let bodyStart = raw.length;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) {
      end = i + 1;
      bodyStart = i + 2;
      break;
    }
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) {
      end = i + 1;
      bodyStart = i + 3;
      break;
    }
  }
  const head = latin1(raw.subarray(0, end < 0 ? raw.length : end)).replace(/\r?\n/g, "\r\n");
  const fields: { name: string; raw: string }[] = [];
  for (const line of head.split("\r\n")) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1]!.raw += `\r\n${line}`;
    else if (line.includes(":")) fields.push({ name: line.slice(0, line.indexOf(":")).trim().toLowerCase(), raw: line });
  }
  return { fields, body: raw.subarray(Math.min(bodyStart, raw.length)) };
}

/** `a=1; b = x y ;c=` → {a:"1", b:"x y", c:""}; null when malformed or a tag repeats (RFC 6376 3.2). */
export function parseTags(value: string): Record<string, string> | null {
  const tags: Record<string, string> = Object.create(null);
  for (const part of value.split(";")) {
    if (!part.trim()) continue;
    const eq = part.indexOf("=");
    if (eq < 0) return null;
    const name = part.slice(0, eq).trim().toLowerCase();
    if (!/^[a-z][a-z0-9_]*$/.test(name) || name in tags) return null;
    tags[name] = part.slice(eq + 1).replace(/\r\n/g, "").trim();
  }
  return tags;
}

const relaxedHeader = (field: string) => {
  const colon = field.indexOf(":");
  const value = field.slice(colon + 1).replace(/\r\n/g, "").replace(/[ \t]+/g, " ").trim();
  return `${field.slice(0, colon).trim().toLowerCase()}:${value}`;
};

/**
 * SHA-256 of the canonical body (RFC 6376 3.4.3/3.4.4), in one pass: lines end in CRLF, trailing
 * empty lines go, and with `relaxed` runs of WSP become one space and WSP at line ends goes.
 */
export async function bodyHash(body: Uint8Array, relaxed: boolean): Promise<string> {
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  // Bytes go into fixed chunks; full chunks are written to the digest once per line, never per byte.
  let buf = new Uint8Array(DIGEST_CHUNK);
  let used = 0;
  const full: Uint8Array[] = [];
  const put = (b: number) => {
    if (used === buf.length) {
      full.push(buf);
      buf = new Uint8Array(DIGEST_CHUNK);
      used = 0;
    }
    buf[used++] = b;
  };
  const drain = async () => {
    while (full.length) await writer.write(full.shift()!);
  };
  let heldEmptyLines = 0;
  let wroteAny = false;
  let pos = 0;
  while (pos < body.length) {
    let nl = body.indexOf(0x0a, pos);
    if (nl < 0) nl = body.length;
    let end = nl > pos && body[nl - 1] === 0x0d ? nl - 1 : nl;
    if (relaxed) while (end > pos && (body[end - 1] === 0x20 || body[end - 1] === 0x09)) end--;
    if (end === pos) {
      heldEmptyLines++;
    } else {
      for (; heldEmptyLines > 0; heldEmptyLines--) (put(0x0d), put(0x0a));
      let space = false;
      for (let i = pos; i < end; i++) {
        const c = body[i]!;
        if (relaxed && (c === 0x20 || c === 0x09)) {
          space = true;
          continue;
        }
        if (space) (put(0x20), (space = false));
        put(c);
      }
      put(0x0d);
      put(0x0a);
      wroteAny = true;
      await drain();
    }
    pos = nl + 1;
  }
  // An empty body is CRLF in simple canonicalisation and nothing in relaxed (RFC 6376 3.4.3, 3.4.4).
  if (!wroteAny && !relaxed) (put(0x0d), put(0x0a));
  await drain();
  if (used) await writer.write(buf.subarray(0, used));
  await writer.close();
  return toB64(await digest.digest);
}

async function publicKey(resolver: TxtResolver, selector: string, domain: string, algorithm: "rsa" | "ed25519"): Promise<CryptoKey | string> {
  let records: string[];
  try {
    records = await resolver(`${selector}._domainkey.${domain}`);
  } catch (err) {
    if (err instanceof DnsLookupError) throw err;
    throw new DnsLookupError(String(err));
  }
  const tags = records.map(parseTags).find((t) => t && "p" in t);
  if (!tags) return "no key record";
  if (tags.v && tags.v !== "DKIM1") return "key record version";
  if (!tags.p) return "key revoked";
  if ((tags.k ?? "rsa") !== algorithm) return "key type does not match the signature";
  if (tags.h && !tags.h.split(":").map((h) => h.trim()).includes("sha256")) return "key refuses sha256";
  try {
    const der = b64(tags.p);
    return algorithm === "rsa"
      ? await crypto.subtle.importKey("spki", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"])
      : await crypto.subtle.importKey("raw", der, { name: "Ed25519" }, false, ["verify"]);
  } catch {
    return "key unreadable";
  }
}

async function verifyOne(message: RawMessage, signature: { raw: string }, bodyHashes: Map<string, Promise<string>>, resolver: TxtResolver, now: Date): Promise<DkimResult> {
  const tags = parseTags(signature.raw.slice(signature.raw.indexOf(":") + 1));
  if (!tags) return { result: "permerror", domain: null, selector: null, reason: "malformed signature" };
  const domain = (tags.d ?? "").toLowerCase();
  const selector = (tags.s ?? "").toLowerCase();
  const fail = (result: "fail" | "neutral" | "permerror", reason: string): DkimResult => ({ result, domain: domain || null, selector: selector || null, reason });
  if (tags.v !== "1" || !tags.b || !tags.bh || !domain || !selector || !tags.h) return fail("permerror", "missing required tag");
  if (!/^[a-z0-9._-]{1,253}$/.test(domain) || !/^[a-z0-9._-]{1,63}$/.test(selector)) return fail("permerror", "bad d= or s=");
  const algorithm = tags.a === "rsa-sha256" ? "rsa" : tags.a === "ed25519-sha256" ? "ed25519" : null;
  if (!algorithm) return fail("permerror", `algorithm ${tags.a ?? "none"} not accepted`);
  // l= lets anyone append to a signed body: such a signature proves nothing about what we read.
  if (tags.l !== undefined) return fail("neutral", "body length limit (l=) not accepted");
  const signed = tags.h.split(":").map((h) => h.trim().toLowerCase()).filter(Boolean);
  if (!signed.includes("from")) return fail("permerror", "From not signed");
  if (signed.length > MAX_SIGNED_HEADERS) return fail("permerror", "too many signed headers");
  if (tags.x && /^\d+$/.test(tags.x) && Number(tags.x) * 1000 < now.getTime()) return fail("fail", "signature expired");
  const [headerCanon, bodyCanon = "simple"] = (tags.c ?? "simple/simple").toLowerCase().split("/");
  if (!["simple", "relaxed"].includes(headerCanon!) || !["simple", "relaxed"].includes(bodyCanon)) return fail("permerror", "unknown canonicalisation");

  let hash = bodyHashes.get(bodyCanon);
  if (!hash) bodyHashes.set(bodyCanon, (hash = bodyHash(message.body, bodyCanon === "relaxed")));
  if ((await hash) !== tags.bh.replace(/\s/g, "")) return fail("fail", "body hash mismatch");

  // Each listed name takes the next unused instance of that field from the bottom (RFC 6376 5.4.2).
  const used = new Map<string, number>();
  const canon = (field: string) => (headerCanon === "relaxed" ? relaxedHeader(field) : field);
  let data = "";
  for (const name of signed) {
    const instances = message.fields.filter((f) => f.name === name);
    const taken = used.get(name) ?? 0;
    const field = instances[instances.length - 1 - taken];
    used.set(name, taken + 1);
    if (field) data += `${canon(field.raw)}\r\n`;
  }
  // The signature field itself, its b= value emptied, without the final CRLF.
  data += canon(signature.raw.replace(/(^[^:]*:|;)([ \t\r\n]*b[ \t\r\n]*=)[^;]*/i, "$1$2"));

  const key = await publicKey(resolver, selector, domain, algorithm);
  if (typeof key === "string") return fail("permerror", key);
  let sig: Uint8Array;
  try {
    sig = b64(tags.b);
  } catch {
    return fail("permerror", "signature not base64");
  }
  const bytes = bytesOf(data);
  const ok =
    algorithm === "rsa"
      ? await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, sig, bytes)
      : await crypto.subtle.verify("Ed25519", key, sig, await crypto.subtle.digest("SHA-256", bytes));
  return ok ? { result: "pass", domain, selector } : fail("fail", "signature does not verify");
}

/** Every DKIM signature of the mail (up to {@link MAX_DKIM_SIGNATURES}), verified. */
export async function verifyDkim(raw: Uint8Array | RawMessage, resolver: TxtResolver, now: Date): Promise<DkimResult[]> {
  const message = raw instanceof Uint8Array ? splitMessage(raw) : raw;
  const signatures = message.fields.filter((f) => f.name === "dkim-signature").slice(0, MAX_DKIM_SIGNATURES);
  const bodyHashes = new Map<string, Promise<string>>();
  const results: DkimResult[] = [];
  for (const signature of signatures) {
    try {
      results.push(await verifyOne(message, signature, bodyHashes, resolver, now));
    } catch (err) {
      if (!(err instanceof DnsLookupError)) throw err;
      const tags = parseTags(signature.raw.slice(signature.raw.indexOf(":") + 1));
      results.push({ result: "temperror", domain: tags?.d?.toLowerCase() ?? null, selector: tags?.s?.toLowerCase() ?? null, reason: err.message.slice(0, 200) });
    }
  }
  return results;
}
