import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff, walkPages } from "../helpers";
import { ids, integrityCheck, search, ticket, word } from "./support";

/**
 * The search triggers fire once a row, so one statement writing many tickets (an import's batch, a
 * retire's DELETE, a bulk update) must leave what the rows' statements one by one would: tickets of
 * one millisecond across 2^21-rowid blocks inserted, edited, moved and deleted several at a time,
 * each found by its own words, in (created_at, rowid) order, the index checking out
 * (migrations/0046_ticket_search_ids.sql). Rowids past 2^21 go in through D1 (no API reaches them).
 */
const BLOCK = 2 ** 21;

describe("multi-row statements on tickets past 2^21 rowids", () => {
  it("insert, update, move and delete several at once, each ticket found by its own words, in order", async () => {
    const s = await makeStaff();
    const common = word("m");
    const a = await ticket(s.customer.token, `Printer ${common} ${word("a")}`, "first");
    const row = (await env.DB.prepare("SELECT rowid AS __rowid, * FROM tickets WHERE id = ?").bind(a.id).first<Record<string, unknown>>())!;
    const cols = Object.keys(row).filter((c) => c !== "__rowid");
    const at = String(row.created_at);
    const later = new Date(Date.parse(at) + 3).toISOString();
    const own = new Map<string, string>([[a.id, String(row.subject).split(" ")[2]!]]);
    // One INSERT of four rows: A's id shared, A's millisecond's low bits below A's, another block, a later ms.
    const made = [Number(row.__rowid) + BLOCK, BLOCK, 2 * BLOCK + 7, 2 * BLOCK + 9].map((rowid, i) => {
      const w = word("k");
      const id = `${a.id}-${rowid}`;
      own.set(id, w);
      const values: Record<string, unknown> = { ...row, id, number: `TICK-MR-${rowid}`, subject: `Scanner ${common} ${w}`, created_at: i === 3 ? later : at };
      return { rowid, values };
    });
    // (A copy of A's row a row of VALUES: D1 binds at most 100 values a statement.)
    const pick: Record<string, string> = { id: "v.column2", number: "v.column3", subject: "v.column4", created_at: "v.column5" };
    await env.DB.prepare(
      `INSERT INTO tickets (rowid, ${cols.map((c) => `"${c}"`).join(", ")}) SELECT v.column1, ${cols.map((c) => pick[c] ?? `t."${c}"`).join(", ")}
       FROM (VALUES ${made.map(() => "(?, ?, ?, ?, ?)").join(", ")}) v, tickets t WHERE t.id = ? ORDER BY v.column1`,
    )
      .bind(...made.flatMap((m) => [m.rowid, m.values.id, m.values.number, m.values.subject, m.values.created_at]), a.id)
      .run();
    const expected = async (dir: "ASC" | "DESC") =>
      (
        await env.DB.prepare(`SELECT id FROM tickets WHERE deleted_at IS NULL AND subject LIKE ? ORDER BY created_at ${dir}, rowid ${dir}`)
          .bind(`%${common}%`)
          .all<{ id: string }>()
      ).results.map((r) => r.id);
    const check = async (step: string) => {
      await integrityCheck("tickets_fts");
      const live = await expected("DESC");
      for (const [id, w] of own) {
        const listed = ids((await api("GET", `/api/v1/tickets?q=${w}&limit=50`, { token: s.agent.token })).body);
        expect(listed, `${step}: ${id} by ${w}`).toEqual(live.includes(id) ? [id] : []);
      }
      expect((await walkPages<{ id: string }>(s.agent, `/api/v1/tickets?q=${common}&limit=2`)).data.map((t) => t.id), step).toEqual(live);
      expect((await walkPages<{ id: string }>(s.agent, `/api/v1/tickets?q=${common}&sort=created_at&limit=2`)).data.map((t) => t.id), step).toEqual(await expected("ASC"));
      expect((await search(s.agent.token, common, { type: "tickets" })).data.map((h) => h.id).sort(), step).toEqual([...live].sort());
    };
    await check("inserted");
    const all = [...own.keys()];
    const inList = (xs: string[]) => `(${xs.map(() => "?").join(", ")})`;
    // One UPDATE of words and status on every one of them.
    await env.DB.prepare(`UPDATE tickets SET priority = 'high', subject = subject || ' edited' WHERE id IN ${inList(all)}`).bind(...all).run();
    await check("edited");
    // One UPDATE moving three into the later millisecond (A's and two past 2^21), one soft-deleted with it.
    const moved = [a.id, all[1]!, all[3]!];
    await env.DB.prepare(`UPDATE tickets SET created_at = ?, deleted_at = CASE WHEN id = ? THEN ? ELSE deleted_at END WHERE id IN ${inList(moved)}`)
      .bind(later, all[3]!, later, ...moved)
      .run();
    await check("moved");
    // Back, restored, in one.
    await env.DB.prepare(`UPDATE tickets SET created_at = ?, deleted_at = NULL WHERE id IN ${inList(moved)}`).bind(at, ...moved).run();
    await check("moved back");
    // One DELETE of two past 2^21 (a retire's).
    await env.DB.prepare(`DELETE FROM tickets WHERE id IN (?, ?)`).bind(all[1]!, all[4]!).run();
    await check("deleted");
  });
});
