import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff, walkPages } from "../helpers";
import { ids, integrityCheck, ticket, word } from "./support";

/**
 * Below 2^21 rowids the list takes a search id's low bits for its ticket's rowid (two lookups a
 * statement) while no millisecond is ranked. When the last ticket past 2^21 goes (a retire, an
 * erasure), the milliseconds numbered by rank while it was there keep their ranks
 * (migrations/0046_ticket_search_ids.sql: tickets_search_ranked is for good), so readers keep reading
 * doc rows, and their tickets are still found, in order. Rowids past 2^21 go in through D1 (no API
 * reaches them).
 */
const BLOCK = 2 ** 21;

describe("the last ticket past 2^21 rowids gone", () => {
  it("leaves every other ticket found by its own words, in created order, the index checking out", async () => {
    const s = await makeStaff();
    const [common, wa, wd] = [word("c"), word("a"), word("d")];
    const a = await ticket(s.customer.token, `Printer ${common} ${wa}`, "first");
    const row = (await env.DB.prepare("SELECT rowid AS __rowid, * FROM tickets WHERE id = ?").bind(a.id).first<Record<string, unknown>>())!;
    const cols = Object.keys(row).filter((c) => c !== "__rowid");
    const insertAt = async (rowid: number, subject: string, createdAt: string) => {
      const values: Record<string, unknown> = { ...row, id: `${a.id}-${rowid}`, number: `TICK-NAT-${rowid}`, subject, created_at: createdAt };
      await env.DB.prepare(`INSERT INTO tickets (rowid, ${cols.join(", ")}) VALUES (?, ${cols.map(() => "?").join(", ")})`).bind(rowid, ...cols.map((c) => values[c] ?? null)).run();
      return `${a.id}-${rowid}`;
    };
    const later = new Date(Date.parse(String(row.created_at)) + 5).toISOString();
    // A's millisecond and D's each hold a ticket past 2^21: both are numbered by rank.
    const b = await insertAt(Number(row.__rowid) + BLOCK, `Scanner ${common}`, String(row.created_at));
    const d = await insertAt(1_500_000, `Router ${common} ${wd}`, later);
    const e = await insertAt(BLOCK + 10, `Router ${common}`, later);
    const listed = async (q: string) => ids((await api("GET", `/api/v1/tickets?q=${q}&limit=50`, { token: s.agent.token })).body);
    expect(await listed(common)).toEqual([e, d, b, a.id]);

    await env.DB.prepare("DELETE FROM tickets WHERE id = ?").bind(b).run();
    await integrityCheck("tickets_fts");
    expect(await listed(common)).toEqual([e, d, a.id]);
    await env.DB.prepare("DELETE FROM tickets WHERE id = ?").bind(e).run();
    await integrityCheck("tickets_fts");
    expect(await listed(wa)).toEqual([a.id]);
    expect(await listed(wd)).toEqual([d]);
    expect((await walkPages<{ id: string }>(s.agent, `/api/v1/tickets?q=${common}&sort=created_at&limit=1`)).data.map((t) => t.id)).toEqual([a.id, d]);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM tickets_search_ranked").first<{ n: number }>())!.n).toBe(2);
    // And maintained after: a new ticket in D's millisecond joins its ranks.
    const f = await insertAt(1_400_000, `Router ${common}`, later);
    await integrityCheck("tickets_fts");
    expect(await listed(common)).toEqual([d, f, a.id]);
  });
});
