import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { fieldToken, MAX_FACET_VALUE_CHARS } from "../../src/domain/search-query";
import { api, makeStaff, meteredApi, meteredStatements, type TestUser } from "../helpers";
import { seeded } from "../helpers/random";
import { integrityCheck } from "../search/support";
import { defineField, uniqueKey } from "../fields/support";
import { ok, openTicket, patchTicket } from "./fixtures";

/**
 * Custom field values as facet tokens of the ticket's search document (migrations/0049): a list in
 * created order combining a field with another field, a status, a priority, `q=` or a customer's own
 * tickets walks those postings in one MATCH (tickets.list.ts facetWalk). Here: the same tickets in the
 * same order as a plain query, page after page with cursors, both orders, through value changes,
 * deletes, restores and created_at moves (the index checked against its view after each write), and
 * values holding FTS5 and SQL syntax matched literally.
 */

let s: Awaited<ReturnType<typeof makeStaff>>;
// Option values may hold letters of any script, digits and `_ . : -` (OPTION_VALUE): `OR`, `NEAR`,
// `a:b` are FTS5 syntax if they ever reached a MATCH unquoted; the longest option is the facet limit.
const LONG = "é".repeat(MAX_FACET_VALUE_CHARS);
const KINDS = ["OR", "NEAR", "a:b", "café", "x-1", LONG];
const LABELS = ["red", "AND", "ü:1"];
let kind: { id: string; key: string };
let labels: { id: string; key: string };
let count: { id: string; key: string };
let flag: { id: string; key: string };
const WORD = "quasar";

beforeAll(async () => {
  s = await makeStaff();
  const options = (values: string[]) => values.map((value) => ({ value, label: value.slice(0, 50) }));
  kind = await defineField(s.admin, { key: uniqueKey("kind"), label: "Kind", type: "dropdown", customer_visible: true, options: options(KINDS) });
  labels = await defineField(s.admin, { key: uniqueKey("labels"), label: "Labels", type: "multiselect", customer_visible: true, options: options(LABELS) });
  count = await defineField(s.admin, { key: uniqueKey("count"), label: "Count", type: "integer", customer_visible: true });
  flag = await defineField(s.admin, { key: uniqueKey("flag"), label: "Flag", type: "checkbox" });
  const rnd = seeded(49);
  for (let i = 0; i < 48; i++) {
    const values: Record<string, unknown> = {};
    if (rnd.next() < 0.9) values[kind.key] = rnd.pick(KINDS.slice(0, 3).concat(KINDS.slice(0, 6)));
    if (rnd.next() < 0.7) values[labels.key] = rnd.some(LABELS, 2);
    if (rnd.next() < 0.8) values[count.key] = rnd.pick([0, 1, -3, 12]);
    if (rnd.next() < 0.8) values[flag.key] = rnd.next() < 0.5;
    const who = rnd.next() < 0.5 ? s.customer : s.customer2;
    const t = await openTicket(who, {
      subject: `Ticket ${i}${rnd.next() < 0.5 ? ` ${WORD}` : ""}`,
      priority: rnd.pick(["low", "medium", "high"]),
      tags: rnd.next() < 0.3 ? ["vip"] : [],
    });
    // Values and status set by staff (customers may not set staff-only fields).
    const status = rnd.pick(["open", "pending", "in_progress", "open"]);
    await ok(patchTicket(s.agent, t.id, { custom_fields: values, status }));
  }
}, 120_000);

type Query = Record<string, string>;
const cf = (field: { key: string }, value: string) => ({ [`cf.${field.key}`]: value });

/** The plain query: every filter as SQL on the row, one ORDER BY. */
async function expected(query: Query, caller: TestUser): Promise<string[]> {
  const where = ["deleted_at IS NULL"];
  const params: unknown[] = [];
  if (caller.role === "customer") (where.push("requester_id = ?"), params.push(caller.id));
  if (query.status) (where.push(`status IN (${query.status.split(",").map(() => "?").join(", ")})`), params.push(...query.status.split(",")));
  if (query.priority) (where.push(`priority IN (${query.priority.split(",").map(() => "?").join(", ")})`), params.push(...query.priority.split(",")));
  if (query.requester_id) (where.push("requester_id = ?"), params.push(query.requester_id));
  if (query.tag) (where.push("EXISTS (SELECT 1 FROM json_each(tickets.tags) j WHERE j.value = ?)"), params.push(query.tag));
  if (query.q) (where.push("(subject LIKE ? OR description LIKE ?)"), params.push(`%${query.q}%`, `%${query.q}%`));
  for (const [k, v] of Object.entries(query).filter(([k]) => k.startsWith("cf."))) {
    const key = k.slice(3);
    if (key === labels.key) (where.push("EXISTS (SELECT 1 FROM json_each(custom_fields, ?) j WHERE j.value = ?)"), params.push(`$."${key}"`, v));
    else (where.push("json_extract(custom_fields, ?) = ?"), params.push(`$."${key}"`, key === count.key ? Number(v) : key === flag.key ? (v === "true" ? 1 : 0) : v));
  }
  const order = query.sort === "created_at" ? "created_at ASC, rowid ASC" : "created_at DESC, rowid DESC";
  const { results } = await env.DB.prepare(`SELECT id FROM tickets WHERE id IN (SELECT id FROM tickets WHERE ${where.join(" AND ")}) ORDER BY ${order}`)
    .bind(...params)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Every page, following next_cursor; the rows each read; whether each walked tickets_fts. */
async function pages(query: Query, caller: TestUser, limit: number) {
  const ids: string[] = [];
  const rows: number[] = [];
  const walkedFacets: boolean[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 200; n++) {
    const params: URLSearchParams = new URLSearchParams({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    const res = await meteredApi("GET", `/api/v1/tickets?${params}`, { token: caller.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.data.map((t: { id: string }) => t.id));
    rows.push(res.rowsRead);
    walkedFacets.push(meteredStatements(res).some((st) => /"tickets_fts" MATCH/.test(st.sql)));
    cursor = res.body.next_cursor;
    if (!cursor) return { ids, rows, walkedFacets };
  }
  throw new Error("too many pages");
}

/** The lists compared with the plain query, both orders, pages of 3 and 25; `facets`: whether they walk the field facets. */
async function sameAsPlain(shapes: [Query, TestUser][], facets = true) {
  for (const [shape, caller] of shapes) {
    for (const sort of ["-created_at", "created_at"]) {
      const query = { ...shape, sort };
      const want = await expected(query, caller);
      for (const limit of [3, 25]) {
        const got = await pages(query, caller, limit);
        expect(got.ids, `${new URLSearchParams(query)} limit=${limit}`).toEqual(want);
        expect(got.walkedFacets.every((w) => w === facets), `${new URLSearchParams(query)}: facets walked ${got.walkedFacets}`).toBe(true);
      }
    }
  }
}

const shapes = (): [Query, TestUser][] => [
  [{ ...cf(kind, "OR"), status: "open" }, s.agent],
  [{ ...cf(kind, "a:b"), ...cf(labels, "red") }, s.agent],
  [{ ...cf(kind, "NEAR"), status: "open,pending,in_progress" }, s.agent],
  [{ ...cf(kind, LONG), ...cf(count, "12") }, s.agent],
  [{ ...cf(flag, "false"), ...cf(count, "0") }, s.agent],
  [{ ...cf(flag, "true"), priority: "high,low" }, s.agent],
  [{ ...cf(labels, "ü:1"), ...cf(count, "-3") }, s.agent],
  [{ ...cf(labels, "AND"), q: WORD }, s.agent],
  [{ ...cf(kind, "OR"), q: WORD, status: "open" }, s.agent],
  // What the match does not hold is checked on the row.
  [{ ...cf(kind, "OR"), priority: "low,medium,high", tag: "vip" }, s.agent],
  [{ ...cf(kind, "a:b"), requester_id: s.customer2.id }, s.agent],
  // A customer: their own tickets only (the owner token, and the row checked).
  [{ ...cf(kind, "OR") }, s.customer],
  [{ ...cf(labels, "red"), status: "open" }, s.customer2],
];

describe("field facets in one match", () => {
  it("list what the plain query lists, page after page, both orders, customers their own", async () => {
    await sameAsPlain(shapes());
    // Every shape found something, most of them several pages of 3.
    for (const [shape, caller] of shapes()) expect((await expected(shape, caller)).length, JSON.stringify(shape)).toBeGreaterThan(0);
  }, 120_000);

  it("a field alone, other sorts and a field with nothing else the match holds keep their plans", async () => {
    await sameAsPlain([[cf(kind, "OR"), s.agent], [{ ...cf(kind, "OR"), tag: "vip" }, s.agent]], false);
    const updated = await pages({ ...cf(kind, "OR"), status: "open", sort: "-updated_at" }, s.agent, 3);
    expect(updated.walkedFacets.some(Boolean)).toBe(false);
  }, 60_000);

  it("match FTS5 and SQL syntax literally: a value is one hex token", async () => {
    for (const value of ['a" OR "b', "x* NEAR(y z)", "k:v", "'); DROP TABLE tickets; --", "über Straße 東京", "OR"]) {
      const token = fieldToken("some_key", { text: value }, false)!;
      expect(token).toMatch(/^f[0-9a-f]+t[0-9a-f]+0$/);
      // The SQL of migration 0049 gives a ticket holding it the same token (the view's facets).
      const t = await openTicket(s.agent);
      await env.DB.prepare("UPDATE tickets SET custom_fields = json_object('some_key', ?, 'opts', json_array(?)) WHERE id = ?").bind(value, value, t.id).run();
      const { facets } = (await env.DB.prepare("SELECT v.facets FROM tickets_search_source v JOIN tickets_search_docs d ON d.doc_id = v.doc_id JOIN tickets t ON t.rowid = d.ticket_rowid WHERE t.id = ?")
        .bind(t.id)
        .first<{ facets: string }>())!;
      expect(facets.toLowerCase().split(" ")).toEqual(expect.arrayContaining([token, fieldToken("opts", { text: value }, true)]));
      await integrityCheck("tickets_fts");
    }
    // Integers and checkboxes as json_extract compares them; a text longer than the limit has none.
    expect(fieldToken("n", { int: -3 }, false)).toBe(`f6ei2d330`);
    expect(fieldToken("n", { text: "é".repeat(MAX_FACET_VALUE_CHARS + 1) }, false)).toBeNull();
    const t = await openTicket(s.agent);
    await env.DB.prepare(`UPDATE tickets SET custom_fields = '{"n":-3,"b":true,"c":false,"r":2.0,"long":"${"é".repeat(MAX_FACET_VALUE_CHARS + 1)}"}' WHERE id = ?`).bind(t.id).run();
    const row = (await env.DB.prepare("SELECT v.facets FROM tickets_search_source v JOIN tickets_search_docs d ON d.doc_id = v.doc_id JOIN tickets t ON t.rowid = d.ticket_rowid WHERE t.id = ?").bind(t.id).first<{ facets: string }>())!;
    const tokens = row.facets.toLowerCase().split(" ").filter((x) => x.startsWith("f"));
    expect(tokens.sort()).toEqual([fieldToken("n", { int: -3 }, false), fieldToken("b", { int: 1 }, false), fieldToken("c", { int: 0 }, false), fieldToken("r", { int: 2 }, false)].sort());
    await integrityCheck("tickets_fts");
    // A filter value that is not an option is refused, never searched.
    const refused = await api("GET", `/api/v1/tickets?${new URLSearchParams({ ...cf(kind, 'OR" OR "x'), status: "open" })}`, { token: s.agent.token });
    expect(refused.status).toBe(400);
  }, 60_000);

  it("follow a ticket's values, deletion, restore and created_at, the index checking out after each write", async () => {
    const t = await openTicket(s.customer, { subject: `Moving ${WORD}` });
    await ok(patchTicket(s.agent, t.id, { status: "open", custom_fields: { [kind.key]: "x-1", [labels.key]: ["red"], [count.key]: 7 } }));
    await integrityCheck("tickets_fts");
    const listed = async (query: Query, caller: TestUser = s.agent) => {
      const got = await pages({ ...query, sort: "-created_at" }, caller, 25);
      expect(got.walkedFacets.every(Boolean)).toBe(true);
      expect(got.ids).toEqual(await expected(query, caller));
      return got.ids.includes(t.id);
    };
    const shape = { ...cf(kind, "x-1"), status: "open" };
    expect(await listed(shape)).toBe(true);
    expect(await listed({ ...cf(labels, "red"), ...cf(count, "7") })).toBe(true);
    // Changed, cleared, changed back.
    await ok(patchTicket(s.agent, t.id, { custom_fields: { [kind.key]: "café", [labels.key]: null } }));
    await integrityCheck("tickets_fts");
    expect(await listed(shape)).toBe(false);
    expect(await listed({ ...cf(kind, "café"), ...cf(count, "7") })).toBe(true);
    expect(await listed({ ...cf(labels, "red"), ...cf(count, "7") })).toBe(false);
    await ok(patchTicket(s.agent, t.id, { custom_fields: { [kind.key]: "x-1", [labels.key]: ["red", "AND"] } }));
    await integrityCheck("tickets_fts");
    expect(await listed(shape)).toBe(true);
    expect(await listed({ ...cf(labels, "AND"), ...cf(count, "7") }, s.customer)).toBe(true);
    // A status change alone rewrites the document with its values.
    await ok(patchTicket(s.agent, t.id, { status: "pending" }));
    await integrityCheck("tickets_fts");
    expect(await listed(shape)).toBe(false);
    expect(await listed({ ...cf(kind, "x-1"), status: "pending" })).toBe(true);
    // Soft-deleted, restored (no route restores; the row as a restore leaves it).
    expect((await api("DELETE", `/api/v1/tickets/${t.id}`, { token: s.admin.token })).status).toBe(204);
    await integrityCheck("tickets_fts");
    expect(await listed({ ...cf(kind, "x-1"), status: "pending" })).toBe(false);
    await env.DB.prepare("UPDATE tickets SET deleted_at = NULL WHERE id = ?").bind(t.id).run();
    await integrityCheck("tickets_fts");
    expect(await listed({ ...cf(kind, "x-1"), status: "pending" })).toBe(true);
    // Its created_at moved a year back, its values changed in the same statement, and back.
    const at = (await env.DB.prepare("SELECT created_at AS c FROM tickets WHERE id = ?").bind(t.id).first<{ c: string }>())!.c;
    await env.DB.prepare("UPDATE tickets SET created_at = ?, custom_fields = json_set(custom_fields, ?, 'OR') WHERE id = ?")
      .bind(new Date(Date.parse(at) - 365 * 86_400_000).toISOString(), `$."${kind.key}"`, t.id)
      .run();
    await integrityCheck("tickets_fts");
    expect(await listed({ ...cf(kind, "OR"), status: "pending" })).toBe(true);
    expect(await listed({ ...cf(kind, "x-1"), status: "pending" })).toBe(false);
    await env.DB.prepare("UPDATE tickets SET created_at = ? WHERE id = ?").bind(at, t.id).run();
    await integrityCheck("tickets_fts");
    expect(await listed({ ...cf(kind, "OR"), status: "pending" })).toBe(true);
    // A copy of its row gone for good (a retire's delete from main; the copy has no rows elsewhere).
    const cols = Object.keys((await env.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(t.id).first<Record<string, unknown>>())!).filter((c) => c !== "id" && c !== "number");
    await env.DB.prepare(`INSERT INTO tickets (id, number, ${cols.join(", ")}) SELECT ?, ?, ${cols.join(", ")} FROM tickets WHERE id = ?`).bind(`${t.id}-copy`, `${t.number}-copy`, t.id).run();
    await integrityCheck("tickets_fts");
    expect((await pages({ ...cf(kind, "OR"), status: "pending" }, s.agent, 25)).ids.filter((id) => id.startsWith(t.id))).toEqual([`${t.id}-copy`, t.id]);
    await env.DB.prepare("DELETE FROM tickets WHERE id = ?").bind(`${t.id}-copy`).run();
    await integrityCheck("tickets_fts");
    expect(await listed({ ...cf(kind, "OR"), status: "pending" })).toBe(true);
  }, 60_000);
});

describe("field facets past 2^21 rowids", () => {
  it("a millisecond renumbered by rank keeps its tickets' tokens: listed as the plain query lists them, the index checking out", async () => {
    // A valued ticket, then a copy of it 2^21 rowids on in its millisecond (as an import or a restore
    // may bring): the millisecond is renumbered by rank (migrations/0046), its postings out and in.
    const t = await openTicket(s.customer, { subject: `Ranked ${WORD}` });
    await ok(patchTicket(s.agent, t.id, { status: "open", custom_fields: { [kind.key]: "a:b", [labels.key]: ["ü:1"], [count.key]: 12 } }));
    const row = (await env.DB.prepare("SELECT rowid AS r, * FROM tickets WHERE id = ?").bind(t.id).first<Record<string, unknown>>())!;
    const cols = Object.keys(row).filter((c) => c !== "r" && c !== "id" && c !== "number");
    await env.DB.prepare(`INSERT INTO tickets (rowid, id, number, ${cols.join(", ")}) SELECT ?, ?, ?, ${cols.join(", ")} FROM tickets WHERE id = ?`)
      .bind(Number(row.r) + 2 ** 21, `${t.id}-far`, `${t.number}-far`, t.id)
      .run();
    // Its value rows too, as the one ticket write keeps them (the list probes a multiselect option there).
    await env.DB.prepare(
      "INSERT INTO ticket_field_values (field_id, ticket_id, value_text, value_int, ticket_created_at, ticket_rowid) SELECT field_id, ?, value_text, value_int, ticket_created_at, ? FROM ticket_field_values WHERE ticket_id = ?",
    )
      .bind(`${t.id}-far`, Number(row.r) + 2 ** 21, t.id)
      .run();
    await integrityCheck("tickets_fts");
    expect((await env.DB.prepare("SELECT count(*) AS n FROM tickets_search_ranked").first<{ n: number }>())!.n).toBeGreaterThan(0);
    const shape = { ...cf(kind, "a:b"), ...cf(count, "12"), status: "open" };
    const listed = async (query: Query) => {
      const got = await pages({ ...query, sort: "-created_at" }, s.agent, 2);
      expect(got.walkedFacets.every(Boolean)).toBe(true);
      expect(got.ids).toEqual(await expected(query, s.agent));
      return got.ids.filter((id) => id.startsWith(t.id));
    };
    expect(await listed(shape)).toEqual([`${t.id}-far`, t.id]);
    expect(await listed({ ...cf(labels, "ü:1"), status: "open" })).toEqual([`${t.id}-far`, t.id]);
    // The far copy's value changed (its id read from its doc row): the near one keeps its tokens.
    await env.DB.prepare("UPDATE tickets SET custom_fields = json_set(custom_fields, ?, 'OR') WHERE id = ?").bind(`$."${kind.key}"`, `${t.id}-far`).run();
    await integrityCheck("tickets_fts");
    expect(await listed(shape)).toEqual([t.id]);
    expect(await listed({ ...cf(kind, "OR"), ...cf(count, "12") })).toEqual([`${t.id}-far`]);
    await env.DB.prepare("DELETE FROM ticket_field_values WHERE ticket_id = ?").bind(`${t.id}-far`).run();
    await env.DB.prepare("DELETE FROM tickets WHERE id = ?").bind(`${t.id}-far`).run();
    await integrityCheck("tickets_fts");
    expect(await listed(shape)).toEqual([t.id]);
  }, 60_000);
});

describe("what a write costs with field facets", () => {
  it("a reply, and a change that leaves the values, write what they write without values", async () => {
    const written: Record<string, Record<string, number>> = {};
    for (const fields of [false, true]) {
      const values = fields ? { [kind.key]: "OR", [count.key]: 3, [labels.key]: ["red", "AND"] } : undefined;
      const res = await meteredApi("POST", "/api/v1/tickets", { token: s.agent.token, body: { subject: "Costs", description: "d", custom_fields: values } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const reply = await meteredApi("POST", `/api/v1/tickets/${res.body.id}/comments`, { token: s.agent.token, body: { body: "On it", internal: false } });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      // The rows the search triggers add to a ticket's update (the PATCH's own write is not metered here).
      const update = async (set: string, ...params: unknown[]) =>
        (await env.DB.prepare(`UPDATE tickets SET ${set} WHERE id = ?`).bind(...params, res.body.id).run()).meta.rows_written;
      written[String(fields)] = {
        create: res.rowsWritten,
        reply: reply.rowsWritten,
        status: await update("status = 'pending'"),
        value: await update("custom_fields = json_set(custom_fields, ?, 'NEAR')", `$."${kind.key}"`),
      };
    }
    console.log(JSON.stringify({ event: "facet_write_rows", written }));
    expect(written.true!.reply).toBe(written.false!.reply);
    expect(written.true!.status).toBe(written.false!.status);
    await integrityCheck("tickets_fts");
  });
});

describe("field facets and a created_at range", () => {
  // The review's scenario: the range bounds the field's value index walk, where the facets' postings
  // would check it on every match (pages of ~400 rows listing nothing, with a cursor each).
  it("a list since yesterday of 3 tickets among 900 older ones with the same value: one page, its range seeked", async () => {
    const staff = await makeStaff();
    const field = await defineField(staff.admin, { key: uniqueKey("since"), label: "Since", type: "dropdown", options: ["a", "b"].map((value) => ({ value, label: value })) });
    const recent: string[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await openTicket(staff.customer);
      await ok(patchTicket(staff.agent, t.id, { custom_fields: { [field.key]: "a" }, status: "open" }));
      recent.push(t.id);
    }
    // 900 copies of the first, two years back, with their value rows (as the one ticket write keeps them).
    const row = (await env.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(recent[0]).first<Record<string, unknown>>())!;
    const cols = Object.keys(row).filter((c) => !["id", "number", "created_at"].includes(c));
    await env.DB.prepare(
      `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 900)
       INSERT INTO tickets (id, number, created_at, ${cols.join(", ")}) SELECT 'since-' || i, 'SINCE-' || i, strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || i || ' minutes'), ${cols.map((c) => `t.${c}`).join(", ")} FROM c, tickets t WHERE t.id = ?`,
    )
      .bind(recent[0])
      .run();
    await env.DB.prepare(
      `INSERT INTO ticket_field_values (field_id, ticket_id, value_text, value_int, ticket_created_at, ticket_rowid) SELECT ?, t.id, 'a', NULL, t.created_at, t.rowid FROM tickets t WHERE t.id LIKE 'since-%'`,
    )
      .bind(field.id)
      .run();
    const since = new Date(Date.now() - 86_400_000).toISOString();
    for (const sort of ["-created_at", "created_at"]) {
      const params = new URLSearchParams({ [`cf.${field.key}`]: "a", status: "open", created_after: since, sort, limit: "25" });
      const res = await meteredApi("GET", `/api/v1/tickets?${params}`, { token: staff.agent.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(new Set(res.body.data.map((t: { id: string }) => t.id)), sort).toEqual(new Set(recent));
      expect(res.body.next_cursor).toBeNull();
      expect(res.rowsRead, meteredStatements(res).map((st) => `${st.rows_read} ${st.sql.slice(0, 120)}`).join("\n")).toBeLessThanOrEqual(40);
    }
  }, 120_000);
});
