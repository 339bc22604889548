import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashPassword, parseHash, PBKDF2_ITERATIONS, verifyPassword } from "../../src/features/auth/password";
import { hmac, toBase64Url } from "../../src/lib/crypto";

const PEPPER = env.PASSWORD_PEPPER;

/** A hash built by hand the way the module does, at any cost: what an old or hostile row could hold. */
async function handMadeHash(password: string, pepper: string, iterations: number) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await crypto.subtle.importKey("raw", await hmac(pepper, password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return `pbkdf2-sha256$${iterations}$${toBase64Url(salt)}$${toBase64Url(bits)}`;
}

describe("password hashing (PBKDF2-SHA256 + pepper)", () => {
  it("stores algorithm, 100,000 iterations, a 16-byte salt and a 32-byte hash", async () => {
    const stored = await hashPassword("correct horse", PEPPER);
    expect(stored).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const parsed = parseHash(stored)!;
    expect(parsed.iterations).toBe(100_000);
    expect(parsed.salt.byteLength).toBe(16);
    expect(parsed.hash.byteLength).toBe(32);
  });

  it("never asks for more than the production Workers maximum of 100,000 iterations", () => {
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
  });

  it("uses a fresh salt for every hash of the same password", async () => {
    const hashes = await Promise.all([1, 2, 3].map(() => hashPassword("same password", PEPPER)));
    const salts = hashes.map((h) => h.split("$")[2]);
    expect(new Set(salts).size).toBe(3);
    expect(new Set(hashes.map((h) => h.split("$")[3])).size).toBe(3);
  });

  it("verifies the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse", PEPPER);
    expect(await verifyPassword("correct horse", stored, PEPPER)).toBe(true);
    expect(await verifyPassword("correct horsE", stored, PEPPER)).toBe(false);
    expect(await verifyPassword("", stored, PEPPER)).toBe(false);
  });

  it("depends on the pepper: the same password with another pepper does not verify", async () => {
    const stored = await hashPassword("correct horse", PEPPER);
    expect(await verifyPassword("correct horse", stored, `${PEPPER}-other`)).toBe(false);
    expect(await verifyPassword("correct horse", await hashPassword("correct horse", "other-pepper"), PEPPER)).toBe(false);
  });

  it("accepts a hand-made hash at the same cost (the format is what it says)", async () => {
    expect(await verifyPassword("pw", await handMadeHash("pw", PEPPER, 100_000), PEPPER)).toBe(true);
    expect(await verifyPassword("pw", await handMadeHash("pw", PEPPER, 1_000), PEPPER)).toBe(true);
  });

  it("refuses a stored hash claiming more than 100,000 iterations, even with the right password", async () => {
    const stored = await handMadeHash("pw", PEPPER, 200_000);
    expect(parseHash(stored)).toBeNull();
    expect(await verifyPassword("pw", stored, PEPPER)).toBe(false);
  });

  it.each([
    ["another algorithm", "pbkdf2-sha1$1000$AAAAAAAAAAAAAAAAAAAAAA$AAAA"],
    ["zero iterations", "pbkdf2-sha256$0$AAAAAAAAAAAAAAAAAAAAAA$AAAA"],
    ["negative iterations", "pbkdf2-sha256$-5$AAAAAAAAAAAAAAAAAAAAAA$AAAA"],
    ["fractional iterations", "pbkdf2-sha256$1000.5$AAAAAAAAAAAAAAAAAAAAAA$AAAA"],
    ["non-numeric iterations", "pbkdf2-sha256$lots$AAAAAAAAAAAAAAAAAAAAAA$AAAA"],
    ["a salt that is not base64url", "pbkdf2-sha256$1000$!!!$AAAA"],
    ["no hash part", "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA"],
    ["an empty string", ""],
  ])("refuses a stored hash with %s", async (_label, stored) => {
    expect(parseHash(stored)).toBeNull();
    expect(await verifyPassword("pw", stored, PEPPER)).toBe(false);
  });

  it("refuses when there is no stored hash at all", async () => {
    expect(await verifyPassword("pw", null, PEPPER)).toBe(false);
  });
});
