import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, makeUser, meteredApi, meteredStatements, type MeteredResponse, type TestUser } from "../helpers";
import { DAY, seedTickets } from "./fixtures";
import { decodeCursor, encodeCursor } from "../../src/lib/cursor";
import { signingSecret } from "../../src/features/auth/tokens";
import type { Bindings } from "../../src/env";

/**
 * A bulk change (or a sweep) stamps every ticket it changes with one updated_at: a tie of up to 100
 * in "Recently updated" order. SQLite seeks a list's keyset `(updated_at, rowid) < (?, ?)` on
 * updated_at only, so every page and every round of a walk inside the tie read the tie's rows already
 * handed over again (1,000,000 tickets: "Pending" + a word read 348 rows for 25 matches within the
 * first 88). Where a tie may go on, a walk now reads the rest of its tie and what lies beyond as two
 * arms, each seeked (tickets.list.ts afterTie): a page inside the tie reads about what the first reads.
 */

const TICKETS = 160;
const WORD = "printer";
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

let agent: TestUser;
let tied: string[];

beforeAll(async () => {
  const admin = await makeUser("admin");
  agent = await makeUser("agent");
  const customer = await makeUser("customer");
  await seedTickets(
    Array.from({ length: TICKETS }, (_, i) => ({
      id: `tie-${String(i).padStart(4, "0")}`,
      number: `TIE-${i}`,
      subject: `Ticket ${i}${i % 2 ? ` ${WORD}` : ""}`,
      status: i % 3 === 0 ? ("pending" as const) : ("open" as const),
      requesterId: customer.id,
      createdById: admin.id,
      createdAt: iso(NOW - 30 * DAY + i * 60_000),
      updatedAt: iso(NOW - 20 * DAY + i * 60_000),
    })),
  );
  // One bulk change of 100 tickets: one updated_at for all of them, at the head of the list.
  tied = Array.from({ length: 100 }, (_, k) => `tie-${String(30 + k).padStart(4, "0")}`);
  const bulk = await api("POST", "/api/v1/tickets/bulk", { token: agent.token, body: { ids: tied, changes: { priority: "high" } } });
  expect(bulk.status, JSON.stringify(bulk.body)).toBe(200);
}, 120_000);

type Query = Record<string, string>;

/** The straightforward query, in the list's order (updated_at, then rowid, both descending). */
async function expected(query: Query): Promise<string[]> {
  const where = ["deleted_at IS NULL", "id LIKE 'tie-%'"];
  if (query.status) where.push(`status IN (${query.status.split(",").map((s) => `'${s}'`).join(", ")})`);
  if (query.q) where.push(`subject LIKE '% ${query.q}'`);
  const { results } = await env.DB.prepare(`SELECT id FROM tickets WHERE ${where.join(" AND ")} ORDER BY updated_at DESC, rowid DESC`).all<{ id: string }>();
  return results.map((r) => r.id);
}

async function pages(query: Query, limit: number) {
  const ids: string[] = [];
  const responses: MeteredResponse[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 100; n++) {
    const params: URLSearchParams = new URLSearchParams({ ...query, sort: "-updated_at", limit: String(limit), ...(cursor ? { cursor } : {}) });
    const res: MeteredResponse = await meteredApi("GET", `/api/v1/tickets?${params}`, { token: agent.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.data.map((t: { id: string }) => t.id));
    responses.push(res);
    cursor = res.body.next_cursor;
    if (!cursor) return { ids, responses };
  }
  throw new Error("too many pages");
}

const shown = (res: MeteredResponse) => meteredStatements(res).map((s) => `${s.rows_read} ${s.sql.slice(0, 160)}`).join("\n");

describe("pages inside a tie of updated_at", () => {
  it("the bulk change made the tie the list pages through", async () => {
    const { results } = await env.DB.prepare(`SELECT count(DISTINCT updated_at) AS n, count(*) AS c FROM tickets WHERE id IN (${tied.map(() => "?").join(", ")})`)
      .bind(...tied)
      .all<{ n: number; c: number }>();
    expect(results[0]).toEqual({ n: 1, c: 100 });
  });

  // [query, limit, most rows a page reads]: the caller, the walk (a page and one more, a row ahead in
  // each arm), the requester and its version, the estimate of q=; not the rows before the page.
  const cases: [Query, number, number][] = [
    [{}, 10, 20],
    // Two statuses: two walks, one compound of four arms past a key.
    [{ status: "open,pending" }, 10, 22],
    // A word in half the tickets: the walk probes each row, in rounds sized by the share that passed.
    [{ q: WORD, status: "open,pending" }, 10, 60],
    [{ q: WORD, status: "pending" }, 5, 40],
  ];
  for (const [query, limit, most] of cases) {
    it(`${new URLSearchParams(query)} limit=${limit}: every ticket once, in order; no page reads what came before it`, async () => {
      const { ids, responses } = await pages(query, limit);
      expect(ids).toEqual(await expected(query));
      responses.forEach((res, k) => expect(res.rowsRead, `page ${k + 1}:\n${shown(res)}`).toBeLessThanOrEqual(most));
    });
  }
});

describe("the cursor's untied mark", () => {
  it("a cursor marked as 9e7b1a4 marked it (a '~' after the rowid) pages on as the same cursor marked today", async () => {
    const path = "/api/v1/tickets?sort=-created_at&limit=3";
    const first = await api("GET", path, { token: agent.token });
    expect(first.status).toBe(200);
    const secret = signingSecret(env as unknown as Bindings);
    const pos = await decodeCursor(secret, "tickets:-created_at", first.body.next_cursor);
    expect(pos.untied).toBe(true);
    const legacy = await encodeCursor(secret, "tickets:-created_at", { key: pos.key, id: `${pos.id}~` });
    const page = (cursor: string) => api("GET", `${path}&cursor=${encodeURIComponent(cursor)}`, { token: agent.token });
    const [today, before] = await Promise.all([page(first.body.next_cursor), page(legacy)]);
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect(before.body.data.map((t: { id: string }) => t.id)).toEqual(today.body.data.map((t: { id: string }) => t.id));
    expect(today.body.data).toHaveLength(3);
  });

  it.each(["~", "~~", "12~~", "abc", "1e3", "0x10", " 12", "2025:", ":12", "2025:12:3", "-5"])("a signed cursor whose id is %j answers 400, not a page", async (id) => {
    const secret = signingSecret(env as unknown as Bindings);
    const cursor = await encodeCursor(secret, "tickets:-created_at", { key: [new Date(NOW).toISOString()], id });
    const res = await api("GET", `/api/v1/tickets?sort=-created_at&limit=3&cursor=${encodeURIComponent(cursor)}`, { token: agent.token });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "VALIDATION_ERROR", errors: { cursor: [expect.any(String)] } });
  });
});
