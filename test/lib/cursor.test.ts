import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "../../src/lib/cursor";
import { fromBase64Url, hmac, toBase64Url } from "../../src/lib/crypto";

const SECRET = "cursor-test-secret-0123456789abcdef0123456789";
const SORT = "tickets:-created_at";
const position = { key: ["2026-11-26T09:30:00.000Z", "01jd0000000000000000000000"], id: "01jd0000000000000000000000" };

const rejects = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: "VALIDATION_ERROR", status: 400 });

/** Flips one bit of byte `i` of a base64url segment. */
function flip(segment: string, i: number): string {
  const bytes = fromBase64Url(segment)!;
  bytes[i] = bytes[i]! ^ 0x01;
  return toBase64Url(bytes);
}

describe("signed keyset cursors", () => {
  it.each([
    ["a single string", { key: "2026-11-26T09:30:00.000Z", id: "x" }],
    ["a number", { key: 4, id: "x" }],
    ["null", { key: null, id: "x" }],
    ["a compound key", position],
    ["a key with quotes and unicode", { key: ["it's \"quoted\" ✓", 3, null], id: "é" }],
  ])("round-trips %s", async (_label, pos) => {
    const cursor = await encodeCursor(SECRET, SORT, pos);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(await decodeCursor(SECRET, SORT, cursor)).toEqual(pos);
  });

  it("carries the ticket list's untied mark in a field of its own: the id reads as before, so a release that knows no mark pages on", async () => {
    const cursor = await encodeCursor(SECRET, SORT, { ...position, id: "42", untied: true });
    const payload = JSON.parse(new TextDecoder().decode(fromBase64Url(cursor.split(".")[0]!)!));
    expect(payload).toEqual({ s: SORT, k: position.key, id: "42", u: 1 });
    expect(await decodeCursor(SECRET, SORT, cursor)).toEqual({ ...position, id: "42", untied: true });
    // Without the mark, no field: the cursors of before it, and of other lists, are unchanged.
    const plain = await encodeCursor(SECRET, SORT, position);
    expect(JSON.parse(new TextDecoder().decode(fromBase64Url(plain.split(".")[0]!)!))).toEqual({ s: SORT, k: position.key, id: position.id });
  });

  it("is opaque to the naked eye but not secret: the signature is what protects it", async () => {
    const cursor = await encodeCursor(SECRET, SORT, position);
    expect(cursor).not.toContain("2026");
  });

  it("rejects a cursor made for another sort", async () => {
    const cursor = await encodeCursor(SECRET, "tickets:priority", position);
    await rejects(decodeCursor(SECRET, SORT, cursor));
  });

  it("rejects a cursor signed with another secret", async () => {
    const cursor = await encodeCursor("another-secret-0123456789abcdef0123456789", SORT, position);
    await rejects(decodeCursor(SECRET, SORT, cursor));
  });

  it("rejects every single flipped byte of the payload", async () => {
    const cursor = await encodeCursor(SECRET, SORT, position);
    const [payload, mac] = cursor.split(".") as [string, string];
    const length = fromBase64Url(payload)!.length;
    for (let i = 0; i < length; i++) await rejects(decodeCursor(SECRET, SORT, `${flip(payload, i)}.${mac}`));
  });

  it("rejects every single flipped byte of the signature", async () => {
    const cursor = await encodeCursor(SECRET, SORT, position);
    const [payload, mac] = cursor.split(".") as [string, string];
    for (let i = 0; i < fromBase64Url(mac)!.length; i++) await rejects(decodeCursor(SECRET, SORT, `${payload}.${flip(mac, i)}`));
  });

  it("rejects a forged position with a truncated or missing signature", async () => {
    const cursor = await encodeCursor(SECRET, SORT, position);
    const [payload, mac] = cursor.split(".") as [string, string];
    await rejects(decodeCursor(SECRET, SORT, `${payload}.${mac.slice(0, -2)}`));
    await rejects(decodeCursor(SECRET, SORT, `${payload}.`));
    await rejects(decodeCursor(SECRET, SORT, payload));
    const forged = toBase64Url(new TextEncoder().encode(JSON.stringify({ s: SORT, k: ["1970-01-01T00:00:00.000Z", ""], id: "" })));
    await rejects(decodeCursor(SECRET, SORT, `${forged}.${mac}`));
  });

  it("rejects a validly signed payload that is not a cursor", async () => {
    for (const text of ["not json", "[]", '{"s":"tickets:-created_at"}', '{"s":"tickets:-created_at","k":{"$gt":""},"id":"x"}']) {
      const bytes = new TextEncoder().encode(text);
      const mac = (await hmac(SECRET, bytes)).slice(0, 16);
      await rejects(decodeCursor(SECRET, SORT, `${toBase64Url(bytes)}.${toBase64Url(mac)}`));
    }
  });

  it.each(["", ".", "..", "garbage", "a.b.c", "!!!.???", "' OR 1=1 --", "%00.%00", "eyJ9.eyJ9", " . "])("rejects garbage %j", async (cursor) => {
    await rejects(decodeCursor(SECRET, SORT, cursor));
  });
});
