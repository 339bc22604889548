import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff } from "../helpers";
import { ticket, word } from "./support";

/**
 * Migration 0045 (the ticket search index keyed in created order) fills the index a rowid range at a
 * time (D1 stops a query at 30 s; one 'rebuild' over a million tickets takes about a minute): every
 * live ticket is found afterwards, whichever range its rowid falls in, and none that was deleted.
 */
describe("migration ticket_search_created_order", () => {
  it("indexes every live ticket of every rowid range, none deleted; the index checks out", async () => {
    const s = await makeStaff();
    const w = word();
    const first = await ticket(s.customer.token, `Before ${w} one`, "x");
    const gone = await ticket(s.customer.token, `Before ${w} gone`, "x");
    expect((await api("DELETE", `/api/v1/tickets/${gone.id}`, { token: s.admin.token })).status).toBe(204);
    const row = (await env.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(first.id).first<Record<string, unknown>>())!;
    const cols = Object.keys(row);
    const base = Date.parse(String(row.created_at));
    // A ticket in the second range and one past 2^21 (the last, open-ended range).
    const far: [number, string][] = [
      [200_000, "mid"],
      [2 ** 21 + 7, "high"],
    ];
    await env.DB.batch(
      far.map(([rowid, tag], i) => {
        const values: Record<string, unknown> = { ...row, id: `${first.id}-${tag}`, number: `TICK-20990103-${i}`, subject: `Before ${w} ${tag}`, created_at: new Date(base - (i + 1) * 1000).toISOString() };
        return env.DB.prepare(`INSERT INTO tickets (rowid, ${cols.join(", ")}) VALUES (?, ${cols.map(() => "?").join(", ")})`).bind(rowid, ...cols.map((c) => values[c] ?? null));
      }),
    );

    // The database as it was before 0045 in what 0045 and 0046 make anew (0045's five triggers as
    // stand-ins: only their names matter to its DROPs); then 0045 itself, then 0046 after it.
    const undo = [
      ...["tickets_search_ai", "tickets_search_au", "tickets_search_au_moved", "tickets_search_ad", "tickets_search_renumber_ai"].map((t) => `DROP TRIGGER ${t}`),
      ...["tickets_search_ranked", "tickets_search_renumber", "tickets_search_members", "tickets_search_docs"].map((t) => `DROP TABLE ${t}`),
      ...["tickets_fts_ai", "tickets_fts_au_content", "tickets_fts_au_deleted", "tickets_fts_au_restored", "tickets_fts_ad"].map((t) => `CREATE TRIGGER ${t} AFTER DELETE ON tickets BEGIN SELECT 1; END`),
    ];
    for (const q of undo) await env.DB.prepare(q).run();
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.endsWith("_ticket_search_created_order.sql"))!;
    expect(migration.queries.filter((q) => /^\s*(--[^\n]*\n\s*)*INSERT INTO tickets_fts\(rowid/.test(q))).toHaveLength(17);
    for (const q of migration.queries) await env.DB.prepare(q).run();
    for (const q of env.TEST_MIGRATIONS.find((m) => m.name.endsWith("_ticket_search_ids.sql"))!.queries) await env.DB.prepare(q).run();

    await env.DB.prepare("INSERT INTO tickets_fts(tickets_fts, rank) VALUES ('integrity-check', 1)").run();
    const listed = await api("GET", `/api/v1/tickets?q=${w}&limit=10`, { token: s.agent.token });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((t: { subject: string }) => t.subject)).toEqual([`Before ${w} one`, `Before ${w} mid`, `Before ${w} high`]);
    // Still maintained after it: a new ticket is found, a deleted one is not.
    const after = await ticket(s.customer.token, `After ${w}`, "x");
    const again = await api("GET", `/api/v1/tickets?q=${w}&limit=10`, { token: s.agent.token });
    expect(again.body.data.map((t: { id: string }) => t.id)).toEqual([after.id, first.id, `${first.id}-mid`, `${first.id}-high`]);
  });
});
