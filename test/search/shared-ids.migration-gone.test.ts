import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff } from "../helpers";
import { apply46, back45, ids, integrityCheck, search, ticket, word } from "./support";

/**
 * Migration 0046 on a database where 0045's shared id did its harm and the second ticket of it went
 * since (hard-deleted, or moved to another millisecond): its 'delete' under the shared id took the
 * survivor's document size, and nothing in the rows records it, so the migration always empties the
 * index and fills it again. Its own file: a database no other test marked for renumbering.
 */
const BLOCK = 2 ** 21;

describe("migration ticket_search_ids, the second ticket of a shared id gone before it", () => {
  it("leaves the index whole: bm25, ORDER BY rank and snippets of the survivor's words work", async () => {
    const s = await makeStaff();
    const [common, wa] = [word("c"), word("a")];
    await back45();
    // Each way the second of a shared id goes under 0045: hard-deleted, or moved to another millisecond.
    // Its 'delete' under the shared id took the survivor's document size; nothing in the rows says so.
    const made: string[] = [];
    for (const how of ["delete", "move"] as const) {
      const a = await ticket(s.customer.token, `Printer ${common} ${wa}`, `the ${common} first ${how}`);
      made.push(a.id);
      const row = (await env.DB.prepare("SELECT rowid AS __rowid, * FROM tickets WHERE id = ?").bind(a.id).first<Record<string, unknown>>())!;
      const cols = Object.keys(row).filter((c) => c !== "__rowid");
      const b = `${a.id}-b`;
      const values: Record<string, unknown> = { ...row, id: b, number: `TICK-MIG-B-${how}`, subject: `Scanner ${common}`, description: `second ${common}` };
      await env.DB.prepare(`INSERT INTO tickets (rowid, ${cols.join(", ")}) VALUES (?, ${cols.map(() => "?").join(", ")})`)
        .bind(Number(row.__rowid) + BLOCK, ...cols.map((c) => values[c] ?? null))
        .run();
      if (how === "delete") await env.DB.prepare("DELETE FROM tickets WHERE id = ?").bind(b).run();
      else {
        await env.DB.prepare("UPDATE tickets SET created_at = ? WHERE id = ?").bind(new Date(Date.parse(String(row.created_at)) + 7).toISOString(), b).run();
        made.push(b);
      }
    }
    // No ticket past 2^21 left that shares an id; the index is broken all the same.
    await expect(integrityCheck("tickets_fts")).rejects.toThrow(/SQLITE_CORRUPT/);

    await apply46();

    await integrityCheck("tickets_fts");
    const bm25 = await env.DB.prepare("SELECT bm25(tickets_fts, 10.0, 1.0, 0.0) AS s, snippet(tickets_fts, 1, '[', ']', '…', 16) AS snip FROM tickets_fts WHERE tickets_fts MATCH ? ORDER BY rank")
      .bind(common)
      .all<{ s: number; snip: string }>();
    expect(bm25.results).toHaveLength(3);
    // Through the Worker: the search box ranks and snippets them; the list finds them.
    const hits = (await search(s.agent.token, common, { type: "tickets" })).data;
    expect(hits.map((h) => h.id).sort()).toEqual([...made].sort());
    for (const h of hits) expect(h.snippet).toContain(common);
    expect((await search(s.agent.token, wa, { type: "tickets" })).data.map((h) => h.id).sort()).toEqual([made[0]!, made[1]!].sort());
    const listed = ids((await api("GET", `/api/v1/tickets?q=${common}&limit=50`, { token: s.agent.token })).body);
    expect([...listed].sort()).toEqual([...made].sort());
  });
});
