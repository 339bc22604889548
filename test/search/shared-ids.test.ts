import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, makeStaff, walkPages, type TestUser } from "../helpers";
import { ids, integrityCheck, search, ticket, word } from "./support";

/**
 * The ticket search index past 2^21 rowids (migrations/0046_ticket_search_ids.sql): a ticket's id
 * is its created_at in ms × 2^21 + its rowid's low 21 bits, so two tickets of one millisecond whose
 * rowids are 2^21 apart would share one (the second never found, the first matching its words, the
 * index corrupted by a later 'delete'). No API reaches such rowids in a test: those tickets go in
 * through D1 with an explicit rowid (as an import, a restore or a year move brings an equal
 * created_at); the API then reads them.
 */
const BLOCK = 2 ** 21;

/** A copy of `template`'s row at `rowid` (its own id, number, words, requester and created_at). */
async function insertAt(template: string, rowid: number, over: { subject: string; description: string; requester: TestUser; createdAt: string }) {
  const row = (await env.DB.prepare("SELECT * FROM tickets WHERE id = ?").bind(template).first<Record<string, unknown>>())!;
  const cols = Object.keys(row);
  const id = `${template}-${rowid}`;
  const values: Record<string, unknown> = {
    ...row,
    id,
    number: `TICK-SHARED-${rowid}`,
    subject: over.subject,
    description: over.description,
    requester_id: over.requester.id,
    created_at: over.createdAt,
  };
  await env.DB.prepare(`INSERT INTO tickets (rowid, ${cols.join(", ")}) VALUES (?, ${cols.map(() => "?").join(", ")})`)
    .bind(rowid, ...cols.map((c) => values[c] ?? null))
    .run();
  return id;
}

const rowidOf = async (id: string) => (await env.DB.prepare("SELECT rowid AS r FROM tickets WHERE id = ?").bind(id).first<{ r: number }>())!.r;
const createdAtOf = async (id: string) => (await env.DB.prepare("SELECT created_at AS c FROM tickets WHERE id = ?").bind(id).first<{ c: string }>())!.c;
const listed = async (who: TestUser, q: string) => {
  const res = await api("GET", `/api/v1/tickets?q=${q}&limit=50`, { token: who.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return ids(res.body);
};
const found = async (who: TestUser, q: string) => (await search(who.token, q, { type: "tickets" })).data.map((h) => h.id);

describe("two tickets of one millisecond, rowids 2^21 apart", () => {
  it("each is found by its own words only, by the right people, and the index checks out after every write", async () => {
    const s = await makeStaff();
    const [common, wa, wb, wc] = [word("c"), word("a"), word("b"), word("k")];
    // A through the API; B 2^21 rowids after it and C 2^21 after B, in A's millisecond: one low-bit id.
    const a = await ticket(s.customer.token, `Printer ${common} ${wa}`, "first");
    const at = await createdAtOf(a.id);
    const ra = await rowidOf(a.id);
    const b = await insertAt(a.id, ra + BLOCK, { subject: `Scanner ${common} ${wb}`, description: "second", requester: s.customer2, createdAt: at });
    await integrityCheck("tickets_fts");
    const c = await insertAt(a.id, ra + 2 * BLOCK, { subject: `Router ${common} ${wc}`, description: "third", requester: s.customer, createdAt: at });
    await integrityCheck("tickets_fts");

    // Staff: each by its own words, all three in (created_at, rowid) order; the search box the same.
    expect(await listed(s.agent, wa)).toEqual([a.id]);
    expect(await listed(s.agent, wb)).toEqual([b]);
    expect(await listed(s.agent, wc)).toEqual([c]);
    expect(await listed(s.agent, common)).toEqual([c, b, a.id]);
    expect(await found(s.agent, wb)).toEqual([b]);
    expect(await found(s.agent, wa)).toEqual([a.id]);
    expect((await found(s.agent, common)).sort()).toEqual([a.id, b, c].sort());
    // Customers: their own only.
    expect(await listed(s.customer, common)).toEqual([c, a.id]);
    expect(await listed(s.customer2, common)).toEqual([b]);
    expect(await listed(s.customer, wb)).toEqual([]);
    expect(await found(s.customer, wb)).toEqual([]);
    expect(await found(s.customer2, wa)).toEqual([]);
    expect(await found(s.customer2, wb)).toEqual([b]);

    // An edit of B: its new words, not its old ones; A keeps its own.
    const wb2 = word("e");
    const patched = await api("PATCH", `/api/v1/tickets/${b}`, { token: s.agent.token, body: { subject: `Scanner ${common} ${wb2}`, priority: "high" } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await integrityCheck("tickets_fts");
    expect(await listed(s.agent, wb2)).toEqual([b]);
    expect(await listed(s.agent, wb)).toEqual([]);
    expect(await listed(s.agent, wa)).toEqual([a.id]);
    expect(await listed(s.agent, `${common}&priority=high`)).toEqual([b]);

    // A soft delete of A (the first of the three): B and C stay, A's words find nothing.
    expect((await api("DELETE", `/api/v1/tickets/${a.id}`, { token: s.admin.token })).status).toBe(204);
    await integrityCheck("tickets_fts");
    expect(await listed(s.agent, wa)).toEqual([]);
    expect(await listed(s.agent, common)).toEqual([c, b]);
    expect(await found(s.agent, wb2)).toEqual([b]);
    // Restored (no route restores a ticket; the row as a restore leaves it).
    await env.DB.prepare("UPDATE tickets SET deleted_at = NULL WHERE id = ?").bind(a.id).run();
    await integrityCheck("tickets_fts");
    expect(await listed(s.agent, common)).toEqual([c, b, a.id]);
    expect(await listed(s.agent, wa)).toEqual([a.id]);

    // A created_at moved out of the millisecond and back (the created_at triggers).
    await env.DB.prepare("UPDATE tickets SET created_at = ? WHERE id = ?").bind(new Date(Date.parse(at) + 1).toISOString(), c).run();
    await integrityCheck("tickets_fts");
    expect(await listed(s.agent, common)).toEqual([c, b, a.id]);
    await env.DB.prepare("UPDATE tickets SET created_at = ? WHERE id = ?").bind(at, c).run();
    await integrityCheck("tickets_fts");
    expect(await listed(s.agent, common)).toEqual([c, b, a.id]);
    expect(await listed(s.agent, wc)).toEqual([c]);

    // Erasure of B's requester: B's words are rewritten; the others keep theirs.
    const erased = await api("POST", `/api/v1/users/${s.customer2.id}/erase`, { token: s.admin.token, body: { confirm: s.customer2.email } });
    expect(erased.status, JSON.stringify(erased.body)).toBe(200);
    await integrityCheck("tickets_fts");
    expect(await listed(s.agent, wa)).toEqual([a.id]);
    expect(await listed(s.agent, wc)).toEqual([c]);

    // A hard delete of C (a retire's, from main; C has no rows of its own elsewhere): A and B still found.
    await env.DB.prepare("DELETE FROM tickets WHERE id = ?").bind(c).run();
    await integrityCheck("tickets_fts");
    expect(await listed(s.agent, common)).toEqual([b, a.id]);
    expect(await listed(s.agent, wa)).toEqual([a.id]);
    expect(await listed(s.agent, wc)).toEqual([]);
    expect(await listed(s.agent, wb2)).toEqual([b]);
  });
});

describe("the created-order walk past 2^21 rowids", () => {
  it("lists what ORDER BY created_at, rowid lists, page after page, both ways, a customer their own", async () => {
    const s = await makeStaff();
    const common = word("p");
    const first = await ticket(s.customer.token, `Outage ${common} zero`, "x");
    const base = Date.parse(await createdAtOf(first.id)) + 10_000;
    const at = (ms: number) => new Date(base + ms).toISOString();
    const who = [s.customer, s.customer2];
    // Rowids past 2^21 in one millisecond with low rowids (their low bits in the other order),
    // equal low bits (a shared id), and tickets of their own milliseconds around them; in each
    // millisecond the low rowids first, as SQLite hands rowids out (the table's last + 1).
    const seed: [number, number][] = [
      [1_500_000, 0],
      [BLOCK + 10, 0],
      [2 * BLOCK + 1_500_000, 0],
      [1_400_000, 1],
      [1_600_000, 2],
      [1_700_000, 2],
      [3 * BLOCK + 5, 2],
      [BLOCK + 1_700_000, 2],
      [1_800_000, 3],
      [1_900_000, 4],
      [4 * BLOCK + 1_800_000, 4],
    ];
    let i = 0;
    for (const [rowid, ms] of seed) {
      await insertAt(first.id, rowid, { subject: `Outage ${common} ${i}`, description: "y", requester: who[i++ % 2]!, createdAt: at(ms) });
    }
    await integrityCheck("tickets_fts");
    const expected = async (dir: "ASC" | "DESC", requester?: string) =>
      (
        await env.DB.prepare(
          `SELECT id FROM tickets WHERE deleted_at IS NULL AND subject LIKE ? ${requester ? "AND requester_id = ?" : ""} ORDER BY created_at ${dir}, rowid ${dir}`,
        )
          .bind(`%${common}%`, ...(requester ? [requester] : []))
          .all<{ id: string }>()
      ).results.map((r) => r.id);
    for (const [sort, dir] of [["-created_at", "DESC"], ["created_at", "ASC"]] as const) {
      for (const limit of [2, 3, 25]) {
        const got = await walkPages<{ id: string }>(s.agent, `/api/v1/tickets?q=${common}&sort=${sort}&limit=${limit}`);
        expect(got.data.map((t) => t.id), `${sort} limit ${limit}`).toEqual(await expected(dir));
      }
      const mine = await walkPages<{ id: string }>(s.customer2, `/api/v1/tickets?q=${common}&sort=${sort}&limit=2`);
      const want = await expected(dir, s.customer2.id);
      expect(want.length).toBeGreaterThan(3);
      expect(mine.data.map((t) => t.id)).toEqual(want);
    }
  });
});
