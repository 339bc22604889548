import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff } from "../helpers";
import { ids, integrityCheck, ticket, word } from "./support";

/**
 * A word too common for the list to read its matches first (more than the estimate's 12), in an
 * order other than created: the list walks its own index and asks FTS5 about each ticket by its
 * document id (search.fts.ts ticketDoc). A ticket of a millisecond numbered by rank (two 2^21-rowid
 * blocks in it) has its rank for an id, not its natural one: asked by the natural id it would be
 * missed, or another's words taken for its own. Rowids past 2^21 go in through D1 (no API reaches them).
 */
const BLOCK = 2 ** 21;

describe("the list walking its own order with a common word, a millisecond ranked", () => {
  it("finds each ticket of the ranked millisecond once, by its own words", async () => {
    const s = await makeStaff();
    const [common, wa] = [word("c"), word("a")];
    // First, so A's rowid is past its millisecond's ranks (0 and 1), which its natural id would name.
    const others = [];
    for (let i = 0; i < 14; i++) others.push((await ticket(s.customer.token, `Router ${common} ${i}`, "more")).id);
    const a = await ticket(s.customer.token, `Printer ${common} ${wa}`, "first");
    const row = (await env.DB.prepare("SELECT rowid AS __rowid, * FROM tickets WHERE id = ?").bind(a.id).first<Record<string, unknown>>())!;
    const cols = Object.keys(row).filter((c) => c !== "__rowid");
    const rowid = Number(row.__rowid) + BLOCK;
    const b = `${a.id}-${rowid}`;
    // B: A's millisecond, the next 2^21 block, other words: the millisecond is numbered by rank.
    await env.DB.prepare(`INSERT INTO tickets (rowid, ${cols.join(", ")}) VALUES (?, ${cols.map(() => "?").join(", ")})`)
      .bind(rowid, ...cols.map((c) => ({ ...row, id: b, number: `TICK-WALK-${rowid}`, subject: `Scanner ${common}` })[c] ?? null))
      .run();
    expect((await env.DB.prepare("SELECT count(*) AS n FROM tickets_search_ranked").first<{ n: number }>())!.n).toBe(1);
    await integrityCheck("tickets_fts");

    const listed = async (q: string) => {
      const res = await api("GET", `/api/v1/tickets?q=${q}&sort=-updated_at&limit=50`, { token: s.agent.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return ids(res.body);
    };
    const all = await listed(common);
    expect(all.slice().sort()).toEqual([a.id, b, ...others].sort());
    expect(await listed(wa)).toEqual([a.id]);
    expect(await listed(`${common}%20Scanner`)).toEqual([b]);
  });
});
