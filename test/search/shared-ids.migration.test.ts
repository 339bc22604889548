import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff, walkPages } from "../helpers";
import { apply46, back45, ids, integrityCheck, ticket, word } from "./support";

/**
 * Migration 0046 (ticket search ids unique and in created order past 2^21 rowids) repairs what 0045's
 * ids did: under 0045's triggers two tickets of one millisecond whose rowids are 2^21 apart share an
 * id (FTS5's integrity check fails, the second is never found), and two of one millisecond in
 * different 2^21 blocks list in low-bit order. After 0046 each is found by its own words, the walk
 * is in (created_at, rowid) order, and the index checks out.
 */
const BLOCK = 2 ** 21;

describe("migration ticket_search_ids", () => {
  it("gives a ticket that shared an id its own, orders a millisecond by rowid, and the index checks out", async () => {
    const s = await makeStaff();
    const [common, wa, wb] = [word("c"), word("a"), word("b")];
    await back45();

    const a = await ticket(s.customer.token, `Printer ${common} ${wa}`, "first");
    const row = (await env.DB.prepare("SELECT rowid AS __rowid, * FROM tickets WHERE id = ?").bind(a.id).first<Record<string, unknown>>())!;
    const cols = Object.keys(row).filter((c) => c !== "__rowid");
    const insertAt = (rowid: number, subject: string, createdAt: string) => {
      const values: Record<string, unknown> = { ...row, id: `${a.id}-${rowid}`, number: `TICK-MIG-${rowid}`, subject, created_at: createdAt };
      return env.DB.prepare(`INSERT INTO tickets (rowid, ${cols.join(", ")}) VALUES (?, ${cols.map(() => "?").join(", ")})`).bind(rowid, ...cols.map((c) => values[c] ?? null)).run();
    };
    // B shares A's id; C and D share a millisecond, D's rowid past 2^21 with lower low bits than C's.
    const later = new Date(Date.parse(String(row.created_at)) + 5).toISOString();
    await insertAt(Number(row.__rowid) + BLOCK, `Scanner ${common} ${wb}`, String(row.created_at));
    await insertAt(1_500_000, `Router ${common} c`, later);
    await insertAt(BLOCK + 10, `Router ${common} d`, later);
    await expect(integrityCheck("tickets_fts")).rejects.toThrow(/SQLITE_CORRUPT/);

    await apply46();

    await integrityCheck("tickets_fts");
    const listed = async (q: string) => ids((await api("GET", `/api/v1/tickets?q=${q}&limit=50`, { token: s.agent.token })).body);
    expect(await listed(wa)).toEqual([a.id]);
    expect(await listed(wb)).toEqual([`${a.id}-${Number(row.__rowid) + BLOCK}`]);
    const plain = (
      await env.DB.prepare("SELECT id FROM tickets WHERE deleted_at IS NULL AND subject LIKE ? ORDER BY created_at DESC, rowid DESC").bind(`%${common}%`).all<{ id: string }>()
    ).results.map((r) => r.id);
    expect(plain).toHaveLength(4);
    expect((await walkPages<{ id: string }>(s.agent, `/api/v1/tickets?q=${common}&limit=1`)).data.map((t) => t.id)).toEqual(plain);
    expect((await walkPages<{ id: string }>(s.agent, `/api/v1/tickets?q=${common}&sort=created_at&limit=1`)).data.map((t) => t.id)).toEqual([...plain].reverse());
    // Still maintained after it.
    const after = await ticket(s.customer.token, `After ${common}`, "x");
    expect((await listed(common))[0]).toBe(after.id);
    await integrityCheck("tickets_fts");
  });
});
