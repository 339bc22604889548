import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { TICKET_STATUSES, TICKET_PRIORITIES } from "../../src/domain/vocabulary";
import { makeUser, meteredApi, meteredStatements, type MeteredResponse, type TestUser } from "../helpers";
import { seeded } from "../helpers/random";
import { DAY, seedTickets } from "./fixtures";

/**
 * The console's search box inside its views (`q=` with the unsolved statuses, API.md "Tickets"):
 * a page of 25 reads at most 100 D1 rows even when its 25 tickets have 25 requesters (a row each),
 * and each list is the straightforward query's tickets in its order. At 1M tickets the bench read
 * 108 rows for `q=error` + unsolved page 2: its text walk computed the status check as a value,
 * which cost a row a ticket (bench/results/2026-12-07-06-39-scale32-1m.md).
 */

const TICKETS = 2_500;
const WORD = "printer";
const UNSOLVED = ["open", "in_progress", "pending"] as const;
/** More requesters than a page holds: any 25 consecutive matches have 25 different ones. */
const REQUESTERS = 40;
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

let agent: TestUser;
let customers: TestUser[];

beforeAll(async () => {
  const admin = await makeUser("admin");
  agent = await makeUser("agent");
  customers = await Promise.all(Array.from({ length: REQUESTERS }, () => makeUser("customer")));
  const rnd = seeded(33);
  // Created over 100 days, inserted in no created order (some in one millisecond); half hold the
  // word, half of the tickets are unsolved.
  const made = Array.from({ length: TICKETS }, (_, i) => ({
    i,
    created: NOW - Math.floor(rnd.next() * 100 * DAY) - (i % 11 === 0 ? 0 : Math.floor(rnd.next() * 1000)),
    word: rnd.next() < 0.5,
    status: rnd.next() < 0.5 ? rnd.pick(UNSOLVED) : rnd.pick(TICKET_STATUSES),
    priority: rnd.pick(TICKET_PRIORITIES),
  }));
  // Requesters by created order among the unsolved tickets with the word, so any 25 of them in a
  // row (a page, either order) are 25 requesters; the other tickets' by seed order.
  const listed = made.filter((t) => t.word && (UNSOLVED as readonly string[]).includes(t.status));
  const rank = new Map([...listed].sort((a, b) => b.created - a.created || b.i - a.i).map((t, k) => [t.i, k]));
  await seedTickets(
    made.map((t) => ({
      id: `tr-${String(t.i).padStart(5, "0")}`,
      number: `TR-${t.i}`,
      subject: `Ticket ${t.i}${t.word ? ` ${WORD}` : ""}`,
      status: t.status,
      priority: t.priority,
      requesterId: customers[(rank.get(t.i) ?? t.i) % REQUESTERS]!.id,
      createdById: admin.id,
      createdAt: iso(t.created),
      updatedAt: iso(t.created + DAY),
    })),
  );
}, 120_000);

type Query = Record<string, string>;

/** The straightforward query: every filter as plain SQL, one ORDER BY. */
async function expected(query: Query, caller: TestUser): Promise<string[]> {
  const where = ["deleted_at IS NULL", "id LIKE 'tr-%'", `subject LIKE '% ${WORD}'`];
  const params: string[] = [];
  const list = (column: string, values: string[]) => {
    where.push(`${column} IN (${values.map(() => "?").join(", ")})`);
    params.push(...values);
  };
  if (caller.role === "customer") list("requester_id", [caller.id]);
  if (query.status) list("status", query.status.split(","));
  if (query.priority) list("priority", query.priority.split(","));
  if (query.assignee_id) where.push("assignee_id IS NULL");
  const order = query.sort === "created_at" ? "created_at ASC, rowid ASC" : "created_at DESC, rowid DESC";
  const { results } = await env.DB.prepare(`SELECT id FROM tickets WHERE ${where.join(" AND ")} ORDER BY ${order}`)
    .bind(...params)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Every page of the list through next_cursor: the ids, and each page's response. */
async function pages(query: Query, caller: TestUser, limit: number) {
  const ids: string[] = [];
  const responses: MeteredResponse[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 500; n++) {
    const params: URLSearchParams = new URLSearchParams({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    const res: MeteredResponse = await meteredApi("GET", `/api/v1/tickets?${params}`, { token: caller.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.data.map((t: { id: string }) => t.id));
    responses.push(res);
    cursor = res.body.next_cursor;
    if (!cursor) return { ids, responses };
  }
  throw new Error("too many pages");
}

describe("q= with the unsolved statuses, 25 requesters a page", () => {
  for (const sort of ["-created_at", "created_at"]) {
    it(`pages 1 and 2 read at most 100 rows each (sort=${sort})`, async () => {
      const query = { q: WORD, status: UNSOLVED.join(","), sort, limit: "25" };
      let cursor: string | null = null;
      for (const page of [1, 2]) {
        const res: MeteredResponse = await meteredApi("GET", `/api/v1/tickets?${new URLSearchParams({ ...query, ...(cursor ? { cursor } : {}) })}`, { token: agent.token });
        expect(res.status).toBe(200);
        expect(res.body.data).toHaveLength(25);
        // The shape the bench's page 2 had: every ticket another requester's (one row each to read).
        expect(new Set(res.body.data.map((t: { requester: { id: string } }) => t.requester.id)).size).toBe(25);
        expect(res.body.data.every((t: { status: string }) => (UNSOLVED as readonly string[]).includes(t.status))).toBe(true);
        const statements = meteredStatements(res).map((s) => `${s.rows_read} ${s.sql.slice(0, 120)}`);
        expect(res.rowsRead, `page ${page}:\n${statements.join("\n")}`).toBeLessThanOrEqual(100);
        cursor = res.body.next_cursor;
        expect(cursor).toBeTruthy();
      }
    });
  }
});

describe("the text lists return what a straightforward query returns", () => {
  // The text walk checks every filter on the row too: each status and priority list, both orders,
  // a customer's own, and a filter the walk does not hold (the list's own index walked, the text probed).
  const cases: [Query, number, "agent" | "customer"][] = [
    [{ q: WORD, status: UNSOLVED.join(",") }, 25, "agent"],
    [{ q: WORD, status: UNSOLVED.join(","), sort: "created_at" }, 7, "agent"],
    [{ q: WORD, status: "pending" }, 25, "agent"],
    [{ q: WORD, status: "open,closed,resolved,in_progress" }, 50, "agent"],
    [{ q: WORD, priority: "low,medium,high" }, 25, "agent"],
    [{ q: WORD, status: UNSOLVED.join(","), priority: "high,critical" }, 25, "agent"],
    [{ q: WORD, status: UNSOLVED.join(",") }, 3, "customer"],
    [{ q: WORD, status: UNSOLVED.join(","), assignee_id: "none" }, 25, "agent"],
  ];
  for (const [query, limit, who] of cases) {
    it(`${new URLSearchParams(query)} limit=${limit} (${who})`, async () => {
      const caller = who === "agent" ? agent : customers[5]!;
      const got = await pages(query, caller, limit);
      const want = await expected(query, caller);
      expect(want.length).toBeGreaterThan(0);
      expect(got.ids).toEqual(want);
    }, 120_000);
  }
});

describe("a rare word in the console's views", () => {
  // A word of one ticket (its number in the subject) is the text's set: its ticket looked up by rowid,
  // every filter checked on it. With a status or an assignee filter SQLite once walked that index
  // instead and sorted it (at 1,000,000 tickets 50,700 rows for the unsolved views).
  const views: Query[] = [
    { status: UNSOLVED.join(","), sort: "-updated_at" },
    { status: UNSOLVED.join(","), sort: "sla_due" },
    { status: UNSOLVED.join(","), assignee_id: "none", sort: "sla_due" },
    { status: "pending", sort: "-updated_at" },
  ];
  for (const view of views) {
    it(`${new URLSearchParams(view)}: its one ticket, a handful of rows`, async () => {
      const statuses = view.status!.split(",");
      const { results } = await env.DB.prepare(`SELECT id, substr(subject, 8) AS n FROM tickets WHERE id LIKE 'tr-%' AND status IN (${statuses.map(() => "?").join(", ")}) ORDER BY id LIMIT 1`)
        .bind(...statuses)
        .all<{ id: string; n: string }>();
      const { id, n } = results[0]!;
      const word = n.split(" ")[0]!;
      const res: MeteredResponse = await meteredApi("GET", `/api/v1/tickets?${new URLSearchParams({ ...view, q: word, limit: "25" })}`, { token: agent.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data.map((t: { id: string }) => t.id)).toEqual([id]);
      const statements = meteredStatements(res).map((s) => `${s.rows_read} ${s.sql.slice(0, 160)}`);
      expect(res.rowsRead, statements.join("\n")).toBeLessThanOrEqual(10);
    });
  }
});
