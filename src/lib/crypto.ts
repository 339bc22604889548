const encoder = new TextEncoder();

export function toBase64Url(bytes: ArrayBuffer | Uint8Array): string {
  const arr = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (const b of arr) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
    // Only the canonical spelling: the last character's unused bits must be zero, so a signed
    // value (a cursor's MAC) cannot be altered into another string that decodes the same.
    return toBase64Url(bytes) === text ? bytes : null;
  } catch {
    return null;
  }
}

export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  const data = typeof input === "string" ? encoder.encode(input) : input;
  const digest = await crypto.subtle.digest("SHA-256", data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Imported keys per isolate, by secret: the Worker's few secrets (JWT_SECRET, PASSWORD_PEPPER) are
// each imported once instead of on every request. The key itself is kept, not a promise: a request
// never waits on something another request started. Bounded, in case a caller ever passes many.
const MAX_CACHED_KEYS = 8;
const hmacKeys = new Map<string, CryptoKey>();

/** An HMAC-SHA-256 key for `secret` (sign and verify), imported once per isolate. */
export async function hmacKey(secret: string): Promise<CryptoKey> {
  const cached = hmacKeys.get(secret);
  if (cached) return cached;
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  if (hmacKeys.size >= MAX_CACHED_KEYS) hmacKeys.clear();
  hmacKeys.set(secret, key);
  return key;
}

export async function hmac(secret: string, message: string | Uint8Array): Promise<Uint8Array> {
  const data = typeof message === "string" ? encoder.encode(message) : message;
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), data));
}

/** Constant-time comparison (workerd's `crypto.subtle.timingSafeEqual`). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return crypto.subtle.timingSafeEqual(a, b);
}

export function randomToken(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}
