import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff } from "../helpers";
import { ids, integrityCheck, ticket, word } from "./support";

/**
 * A `q=` cursor made while a ticket past 2^21 rowids was there, read after the last one went: the
 * position's rowid is past 2^21 while every id is natural again (search.fts.ts ticketDocsAfter caps
 * it, it must not take its low bits), so the page after it holds the millisecond's tickets below it
 * descending, and none of them ascending. And the last ticket past 2^21 deleted is one row's work:
 * a ranked millisecond keeps its ranks (migrations/0046_ticket_search_ids.sql). Rowids past 2^21
 * go in through D1 (no API reaches them).
 */
const BLOCK = 2 ** 21;

async function copyAt(template: string, rowid: number, subject: string, createdAt: string) {
  const row = (await env.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(template).first<Record<string, unknown>>())!;
  const cols = Object.keys(row);
  const id = `${template}-${rowid}`;
  const values: Record<string, unknown> = { ...row, id, number: `TICK-CUR-${rowid}`, subject, created_at: createdAt };
  await env.DB.prepare(`INSERT INTO tickets (rowid, ${cols.join(", ")}) VALUES (?, ${cols.map(() => "?").join(", ")})`)
    .bind(rowid, ...cols.map((c) => values[c] ?? null))
    .run();
  return id;
}

const page = async (token: string, q: string, sort: string, limit: number, cursor?: string) => {
  const res = await api("GET", `/api/v1/tickets?q=${q}&sort=${sort}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { ids: ids(res.body), next: (res.body as { next_cursor: string | null }).next_cursor };
};

describe("a q= cursor past 2^21 rowids, the last ticket past 2^21 gone", () => {
  it("pages on from its position (created_at, rowid) both ways", async () => {
    const s = await makeStaff();
    for (const dir of ["desc", "asc"] as const) {
      const common = word("c");
      const low = await ticket(s.customer.token, `Printer ${common}`, "first");
      const at = (await env.DB.prepare("SELECT created_at AS c FROM tickets WHERE id = ?").bind(low.id).first<{ c: string }>())!.c;
      const later = new Date(Date.parse(at) + 5).toISOString();
      // Y alone in its millisecond past 2^21 (a natural id there: nothing is ranked).
      const y = await copyAt(low.id, BLOCK + (dir === "desc" ? 0 : 7), `Scanner ${common}`, later);
      // After it (ascending, a page goes on past Y).
      const after = await copyAt(low.id, 1_100_000 + (dir === "desc" ? 0 : 1), `Modem ${common}`, new Date(Date.parse(at) + 6).toISOString());
      expect((await env.DB.prepare("SELECT count(*) AS n FROM tickets_search_ranked").first<{ n: number }>())!.n).toBe(0);
      const first = await page(s.agent.token, common, dir === "desc" ? "-created_at" : "created_at", 2);
      expect(first.ids).toEqual(dir === "desc" ? [after, y] : [low.id, y]);
      expect(first.next).toBeTruthy();
      // Y goes; a ticket below 2^21 comes into its millisecond (an import's, a restore's row).
      await env.DB.prepare("DELETE FROM tickets WHERE id = ?").bind(y).run();
      const z = await copyAt(low.id, 1_000_000 + (dir === "desc" ? 0 : 1), `Router ${common}`, later);
      await integrityCheck("tickets_fts");
      const rest = await page(s.agent.token, common, dir === "desc" ? "-created_at" : "created_at", 10, first.next!);
      // (later, 1,000,000) is before (later, 2^21): on the page after it descending, not ascending.
      expect(rest.ids).toEqual(dir === "desc" ? [z, low.id] : [after]);
      for (const id of [z, after]) await env.DB.prepare("DELETE FROM tickets WHERE id = ?").bind(id).run();
    }
  });
});

describe("the last ticket past 2^21 rowids deleted", () => {
  it("writes its own rows only, however many milliseconds are ranked, and the rest is found in order", async () => {
    const s = await makeStaff();
    const common = word("r");
    const a = await ticket(s.customer.token, `Printer ${common}`, "first");
    const at = Date.parse((await env.DB.prepare("SELECT created_at AS c FROM tickets WHERE id = ?").bind(a.id).first<{ c: string }>())!.c);
    // 20 milliseconds each holding a ticket below 2^21 and one past it: each numbered by rank.
    const made: string[] = [];
    for (let i = 0; i < 20; i++) {
      const ms = new Date(at + 10 + i).toISOString();
      made.push(await copyAt(a.id, 1_000_000 + i, `Low ${common}`, ms));
      made.push(await copyAt(a.id, BLOCK + 100 + i, `High ${common}`, ms));
    }
    // Two tickets past 2^21 alone in their milliseconds: the first deleted is the measure.
    const measure = await copyAt(a.id, BLOCK + 999, `Last ${common}`, new Date(at + 49).toISOString());
    const last = await copyAt(a.id, BLOCK + 1_000, `Last ${common}`, new Date(at + 50).toISOString());
    expect((await env.DB.prepare("SELECT count(*) AS n FROM tickets_search_ranked").first<{ n: number }>())!.n).toBe(20);
    // Every ticket past 2^21 but the last gone first (a retire's hard deletes), then the last.
    for (let i = 0; i < 20; i++) await env.DB.prepare("DELETE FROM tickets WHERE id = ?").bind(made[2 * i + 1]).run();
    const one = await env.DB.prepare("DELETE FROM tickets WHERE id = ?").bind(measure).run();
    const gone = await env.DB.prepare("DELETE FROM tickets WHERE id = ?").bind(last).run();
    // Its ticket row, its doc row, its postings, as the one before: not the 20 milliseconds'
    // tickets renumbered (~200 rows more).
    expect(gone.meta.rows_written).toBeLessThanOrEqual(one.meta.rows_written + 4);
    await integrityCheck("tickets_fts");
    const lows = made.filter((_, i) => i % 2 === 0);
    const listed = ids((await api("GET", `/api/v1/tickets?q=${common}&limit=50`, { token: s.agent.token })).body);
    expect(listed).toEqual([...lows].reverse().concat(a.id));
  });
});
