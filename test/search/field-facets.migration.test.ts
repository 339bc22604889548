import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeStaff, walkPages } from "../helpers";
import { defineField, uniqueKey } from "../fields/support";
import { ok, openTicket, patchTicket } from "../tickets/fixtures";
import { integrityCheck } from "./support";

/**
 * Migration 0049 (custom field values as facet tokens) on a database that already holds tickets with
 * values, indexed by 0046's triggers without them: after it every such ticket is listed by a facet
 * walk, and the index checks out; a run stopped part-way and the file run again from the top (D1 may
 * stop a long migration) leaves the same.
 */
const migration = (suffix: string) => env.TEST_MIGRATIONS.find((m) => m.name.endsWith(suffix))!;
const creates = (q: string) => /^\s*(--[^\n]*\n\s*)*CREATE (TRIGGER|VIEW)/.test(q);

/** The search index as 0048 left it: 0045's view, 0046's triggers, no field tokens, rebuilt from that view. */
async function back48() {
  const undo = [
    ...["tickets_search_ai", "tickets_search_au", "tickets_search_au_moved", "tickets_search_ad", "tickets_search_renumber_ai"].map((t) => `DROP TRIGGER ${t}`),
    "DROP VIEW tickets_search_source",
    "DROP TABLE tickets_search_fields",
    "DELETE FROM rule_state WHERE key = 'ticket_search_facets'",
  ];
  for (const q of undo) await env.DB.prepare(q).run();
  for (const q of migration("_ticket_search_created_order.sql").queries.filter((q) => /CREATE VIEW/.test(q))) await env.DB.prepare(q).run();
  for (const q of migration("_ticket_search_ids.sql").queries.filter(creates)) await env.DB.prepare(q).run();
  await env.DB.prepare("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')").run();
}

const apply49 = async (queries = migration("_ticket_search_field_facets.sql").queries) => {
  for (const q of queries) await env.DB.prepare(q).run();
};

describe("migration ticket_search_field_facets", () => {
  it("indexes the values of tickets written before it, run whole, stopped part-way and run again", async () => {
    const s = await makeStaff();
    const kind = await defineField(s.admin, { key: uniqueKey("kind"), label: "Kind", type: "dropdown", options: ["a", "b"].map((value) => ({ value, label: value })) });
    await back48();
    const made: string[] = [];
    for (const value of ["a", "a", "b", "a"]) {
      const t = await openTicket(s.customer);
      await ok(patchTicket(s.agent, t.id, { custom_fields: { [kind.key]: value }, status: "open" }));
      made.push(t.id);
    }
    // 0046's triggers indexed them without field tokens.
    await integrityCheck("tickets_fts");
    expect((await env.DB.prepare("SELECT count(*) AS n FROM tickets_fts WHERE tickets_fts MATCH ?").bind(`facets : f*`).first<{ n: number }>())!.n).toBe(0);

    const listed = async () =>
      (await walkPages<{ id: string }>(s.agent, `/api/v1/tickets?cf.${kind.key}=a&status=open&limit=2`)).data.map((t) => t.id);
    const want = [made[3], made[1], made[0]];
    const facetWalked = async () => {
      const mark = await env.DB.prepare("SELECT value FROM rule_state WHERE key = 'ticket_search_facets'").first();
      const n = (await env.DB.prepare("SELECT count(*) AS n FROM tickets_fts WHERE tickets_fts MATCH ?").bind(`facets : f*`).first<{ n: number }>())!.n;
      return { mark: mark !== null, documents: n };
    };

    await apply49();
    await integrityCheck("tickets_fts");
    expect(await facetWalked()).toEqual({ mark: true, documents: 4 });
    expect(await listed()).toEqual(want);

    // Stopped part-way (after its tokens and the index emptied), then run again from the top.
    const queries = migration("_ticket_search_field_facets.sql").queries;
    const emptied = queries.findIndex((q) => q.includes("'delete-all'"));
    expect(emptied).toBeGreaterThan(0);
    await apply49(queries.slice(0, emptied + 1));
    await apply49();
    await integrityCheck("tickets_fts");
    expect(await facetWalked()).toEqual({ mark: true, documents: 4 });
    expect(await listed()).toEqual(want);

    // Still maintained after it.
    await ok(patchTicket(s.agent, made[2]!, { custom_fields: { [kind.key]: "a" } }));
    await integrityCheck("tickets_fts");
    expect(await listed()).toEqual([made[3], made[2], made[1], made[0]]);
  });
});
