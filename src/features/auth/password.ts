import { fromBase64Url, hmac, timingSafeEqual, toBase64Url } from "../../lib/crypto";

/** Cloudflare's production Workers refuse PBKDF2 above 100,000 iterations; `wrangler dev` does not. */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;
const ALGORITHM = "pbkdf2-sha256";

async function derive(password: string, pepper: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  // The pepper is mixed in by HMAC first, so the stored hash alone cannot be attacked offline.
  const peppered = await hmac(pepper, password);
  const key = await crypto.subtle.importKey("raw", peppered, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

/** `pbkdf2-sha256$<iterations>$<salt>$<hash>`: algorithm and cost are stored so they can be raised later. */
export async function hashPassword(password: string, pepper: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, pepper, salt, PBKDF2_ITERATIONS);
  return [ALGORITHM, PBKDF2_ITERATIONS, toBase64Url(salt), toBase64Url(hash)].join("$");
}

export function parseHash(stored: string): { iterations: number; salt: Uint8Array; hash: Uint8Array } | null {
  const [algorithm, iterations, salt, hash] = stored.split("$");
  const n = Number(iterations);
  if (algorithm !== ALGORITHM || !Number.isInteger(n) || n < 1 || n > PBKDF2_ITERATIONS || !salt || !hash) return null;
  const saltBytes = fromBase64Url(salt);
  const hashBytes = fromBase64Url(hash);
  return saltBytes && hashBytes ? { iterations: n, salt: saltBytes, hash: hashBytes } : null;
}

export async function verifyPassword(password: string, stored: string | null, pepper: string): Promise<boolean> {
  const parsed = stored ? parseHash(stored) : null;
  if (!parsed) {
    // Same work for unknown users and password-less accounts: no timing oracle for which emails exist.
    await derive(password, pepper, new Uint8Array(SALT_BYTES), PBKDF2_ITERATIONS);
    return false;
  }
  return timingSafeEqual(await derive(password, pepper, parsed.salt, parsed.iterations), parsed.hash);
}
