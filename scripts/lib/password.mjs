// Password hashing for the Node-side scripts (scripts/start.mjs, scripts/create-admin.mjs).
// It must produce exactly what src/features/auth/password.ts produces and verifies:
//   key material = HMAC-SHA256(key = pepper, message = password)
//   hash         = PBKDF2-HMAC-SHA256(key material, 16-byte random salt, 100,000 iterations, 256 bits)
//   stored       = `pbkdf2-sha256$100000$<base64url salt>$<base64url hash>` (base64url without padding)
// Cloudflare's production Workers refuse PBKDF2 above 100,000 iterations, so do not raise it here alone.
import { createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const ALGORITHM = "pbkdf2-sha256";

/** The stored form of `password`, as the Worker's hashPassword(password, pepper) would write it. */
export function hashPassword(password, pepper, salt = randomBytes(SALT_BYTES)) {
  if (typeof password !== "string" || typeof pepper !== "string" || pepper === "") {
    throw new TypeError("hashPassword needs a password and a non-empty pepper");
  }
  const peppered = createHmac("sha256", Buffer.from(pepper, "utf8")).update(password, "utf8").digest();
  const hash = pbkdf2Sync(peppered, salt, PBKDF2_ITERATIONS, HASH_BYTES, "sha256");
  return [ALGORITHM, PBKDF2_ITERATIONS, Buffer.from(salt).toString("base64url"), hash.toString("base64url")].join("$");
}

/** True when `stored` (any format the Worker accepts) matches `password` under `pepper`. */
export function verifyPassword(password, stored, pepper) {
  const [algorithm, iterations, salt, hash] = String(stored).split("$");
  const n = Number(iterations);
  if (algorithm !== ALGORITHM || !Number.isInteger(n) || n < 1 || n > PBKDF2_ITERATIONS || !salt || !hash) return false;
  const peppered = createHmac("sha256", Buffer.from(pepper, "utf8")).update(password, "utf8").digest();
  const expected = Buffer.from(hash, "base64url");
  const actual = pbkdf2Sync(peppered, Buffer.from(salt, "base64url"), n, expected.length || HASH_BYTES, "sha256");
  return expected.length === HASH_BYTES && actual.equals(expected);
}

const ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lowercased, as src/lib/ids.ts

/** A 26-char, time-ordered id in the app's own layout (10 chars of milliseconds, 16 of randomness). */
export function newId(now = Date.now()) {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ID_ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = "";
  for (const b of randomBytes(16)) rand += ID_ALPHABET[b % 32];
  return time + rand;
}

/** A single-quoted SQL string literal (for `wrangler d1 execute --command`). */
export function sqlString(value) {
  return `'${String(value).replaceAll("'", "''")}'`;
}
