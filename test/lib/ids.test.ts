import { describe, expect, it } from "vitest";
import { idTime, newId } from "../../src/lib/ids";

/** Ids draw their randomness from a block of CSPRNG bytes (src/lib/ids.ts): each byte is used once. */
describe("newId", () => {
  it("stays unique, well-formed and time-ordered across many blocks of random bytes", () => {
    const at = Date.UTC(2026, 11, 6, 12);
    const ids = Array.from({ length: 5_000 }, (_, i) => newId(at + Math.floor(i / 100)));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{26}$/);
    expect(idTime(ids[0]!)).toBe(at);
    expect(idTime(ids.at(-1)!)).toBe(at + 49);
    // No two ids share their random part either (a block's bytes are never handed out twice).
    expect(new Set(ids.map((id) => id.slice(10))).size).toBe(ids.length);
  });
});
