import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { api, expectProblem, makeStaff } from "../helpers";
import { ok, openTicket, patchTicket } from "../tickets/fixtures";
import { defineField, uniqueKey } from "./support";

/**
 * `GET /tickets?cf.<key>=<value>` walks the field's index rows in the list's order and stops after a
 * page. Measured here with the bench's D1 metering (D1_METRICS=1 reports the request's rows read):
 * among 2,000 tickets a page of 25 reads about as many rows as any other list page, whether the
 * value is common or rare, on page 1 or deeper.
 */
const TICKETS = 2_000;
const PAGE_ROWS_GOAL = 100;

let s: Awaited<ReturnType<typeof makeStaff>>;
let product: { id: string; key: string };
let approved: { id: string; key: string };
let count: { id: string; key: string };
let due: { id: string; key: string };
let labels: { id: string; key: string };
/** Seeded ticket ids newest first, with their values. */
const seeded: { id: string; product: string; approved: boolean; requester: string }[] = [];

const app = createApp();
async function metered(path: string, token: string) {
  const res = await app.request(path, { headers: { authorization: `Bearer ${token}` } }, { ...env, D1_METRICS: "1" });
  const body = (await res.json()) as { data: { id: string }[]; next_cursor: string | null };
  return { status: res.status, body, rowsRead: Number(res.headers.get("x-d1-rows-read")) };
}

beforeAll(async () => {
  s = await makeStaff();
  product = await defineField(s.admin, {
    key: uniqueKey("product"),
    label: "Product",
    type: "dropdown",
    customer_visible: true,
    options: ["common", "uncommon", "rare", "never"].map((value) => ({ value, label: value })),
  });
  approved = await defineField(s.admin, { key: uniqueKey("approved"), label: "Approved", type: "checkbox" });
  count = await defineField(s.admin, { key: uniqueKey("count"), label: "Count", type: "integer" });
  due = await defineField(s.admin, { key: uniqueKey("due"), label: "Due", type: "date" });
  labels = await defineField(s.admin, { key: uniqueKey("labels"), label: "Labels", type: "multiselect", options: ["a", "b"].map((value) => ({ value, label: value })) });

  // Tickets straight in D1, as the bench seeds them, each with its values and their index rows.
  const base = Date.UTC(2026, 0, 1);
  const ticketInsert = env.DB.prepare(
    `INSERT INTO tickets (id, number, subject, description, status, priority, priority_rank, channel, tags, requester_id, created_by_id,
      version, created_at, updated_at, sla_policy, sla_next_due_at, custom_fields)
     VALUES (?, ?, 'Seeded', 'seeded', 'open', 'medium', 2, 'web', '[]', ?, ?, 1, ?, ?, 'medium', '9999-12-31T23:59:59.999Z', ?)`,
  );
  const valueInsert = env.DB.prepare(
    "INSERT INTO ticket_field_values (field_id, ticket_id, value_text, value_int, ticket_created_at, ticket_rowid) VALUES (?1, ?2, ?3, ?4, ?5, (SELECT rowid FROM tickets WHERE id = ?2))",
  );
  const statements: D1PreparedStatement[] = [];
  const run = crypto.randomUUID().slice(0, 8);
  for (let i = 0; i < TICKETS; i++) {
    const id = `${run}-${String(i).padStart(5, "0")}`;
    const at = new Date(base + i * 60_000).toISOString();
    const value = i % 100 === 7 ? "rare" : i % 4 === 1 ? "uncommon" : "common";
    const isApproved = i % 2 === 0;
    const requester = i % 50 === 3 ? s.customer.id : s.customer2.id;
    const values = { [product.key]: value, [approved.key]: isApproved };
    statements.push(
      ticketInsert.bind(id, `TICK-SEED-${run}-${i}`, requester, s.agent.id, at, at, JSON.stringify(values)),
      valueInsert.bind(product.id, id, value, null, at),
      valueInsert.bind(approved.id, id, null, isApproved ? 1 : 0, at),
    );
    seeded.unshift({ id, product: value, approved: isApproved, requester });
  }
  for (let i = 0; i < statements.length; i += 500) await env.DB.batch(statements.slice(i, i + 500));
});

const ids = (page: { data: { id: string }[] }) => page.data.map((t) => t.id);
const expected = (pred: (t: (typeof seeded)[number]) => boolean) => seeded.filter(pred).map((t) => t.id);

describe("custom field filters walk an index (rows read measured)", () => {
  it("a common value: every page holds the right tickets in order and reads at most a page's worth of rows", async () => {
    const want = expected((t) => t.product === "common");
    let cursor: string | null = null;
    const got: string[] = [];
    const costs: number[] = [];
    for (let page = 0; page < 4; page++) {
      const res = await metered(`/api/v1/tickets?cf.${product.key}=common&limit=25${cursor ? `&cursor=${cursor}` : ""}`, s.agent.token);
      expect(res.status).toBe(200);
      got.push(...ids(res.body));
      costs.push(res.rowsRead);
      cursor = res.body.next_cursor;
    }
    expect(got).toEqual(want.slice(0, 100));
    for (const cost of costs) expect(cost).toBeLessThanOrEqual(PAGE_ROWS_GOAL);
  });

  it("a rare value reads its own rows, not the table's", async () => {
    const want = expected((t) => t.product === "rare");
    expect(want).toHaveLength(TICKETS / 100);
    const res = await metered(`/api/v1/tickets?cf.${product.key}=rare&limit=100`, s.agent.token);
    expect(ids(res.body)).toEqual(want);
    expect(res.rowsRead).toBeLessThanOrEqual(PAGE_ROWS_GOAL);
    const none = await metered(`/api/v1/tickets?cf.${product.key}=never`, s.agent.token);
    expect(none.body.data).toEqual([]);
    expect(none.rowsRead).toBeLessThan(20);
  });

  it("oldest first walks the same index the other way", async () => {
    const res = await metered(`/api/v1/tickets?cf.${product.key}=uncommon&sort=created_at&limit=25`, s.agent.token);
    expect(ids(res.body)).toEqual(expected((t) => t.product === "uncommon").reverse().slice(0, 25));
    expect(res.rowsRead).toBeLessThanOrEqual(PAGE_ROWS_GOAL);
  });

  it("two filters: the first walks, the second probes each row", async () => {
    const res = await metered(`/api/v1/tickets?cf.${product.key}=common&cf.${approved.key}=false&limit=25`, s.agent.token);
    expect(ids(res.body)).toEqual(expected((t) => t.product === "common" && !t.approved).slice(0, 25));
    // A third of the walked rows match both, so the page walks ~75 index rows, each with its ticket
    // and one probe: O(page / selectivity), never O(tickets holding the first value).
    expect(res.rowsRead).toBeLessThanOrEqual(4 * PAGE_ROWS_GOAL);
  });

  it("tickets created in the same millisecond (an import, a bulk create) page in the list's order without a sort", async () => {
    // 120 tickets share one created_at and hold count = 42; their ids sort unlike their rowids.
    const at = new Date(Date.UTC(2025, 5, 1)).toISOString();
    const run = crypto.randomUUID().slice(0, 8);
    const made: string[] = [];
    const statements: D1PreparedStatement[] = [];
    for (let i = 0; i < 120; i++) {
      const id = `${String((i * 37) % 120).padStart(3, "0")}-tie-${run}`;
      made.push(id);
      statements.push(
        env.DB.prepare(
          `INSERT INTO tickets (id, number, subject, description, status, priority, priority_rank, channel, tags, requester_id, created_by_id,
            version, created_at, updated_at, sla_policy, sla_next_due_at, custom_fields)
           VALUES (?, ?, 'Tied', 'tied', 'open', 'medium', 2, 'web', '[]', ?, ?, 1, ?, ?, 'medium', '9999-12-31T23:59:59.999Z', ?)`,
        ).bind(id, `TICK-TIE-${run}-${i}`, s.customer2.id, s.agent.id, at, at, JSON.stringify({ [count.key]: 42 })),
        env.DB.prepare(
          "INSERT INTO ticket_field_values (field_id, ticket_id, value_text, value_int, ticket_created_at, ticket_rowid) VALUES (?1, ?2, NULL, 42, ?3, (SELECT rowid FROM tickets WHERE id = ?2))",
        ).bind(count.id, id, at),
      );
    }
    await env.DB.batch(statements);
    const got: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await metered(`/api/v1/tickets?cf.${count.key}=42&limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, s.agent.token);
      expect(res.status).toBe(200);
      got.push(...ids(res.body));
      // A page and its tickets, not the whole run of equal keys sorted (that read ~360 rows).
      expect(res.rowsRead).toBeLessThanOrEqual(PAGE_ROWS_GOAL);
      cursor = res.body.next_cursor;
    } while (cursor);
    // Newest first, ties by insertion (rowid), each ticket once.
    expect(got).toEqual([...made].reverse());
  });

  it("a customer's list walks their own tickets and probes each one", async () => {
    const res = await metered(`/api/v1/tickets?cf.${product.key}=common&limit=25`, s.customer.token);
    expect(ids(res.body)).toEqual(expected((t) => t.requester === s.customer.id && t.product === "common").slice(0, 25));
    // Their 40 tickets, each with one probe, plus the page: never the 2,000.
    expect(res.rowsRead).toBeLessThanOrEqual(2 * PAGE_ROWS_GOAL);
  });
});

describe("filters by every filterable type, through the API", () => {
  it("dropdown, checkbox, integer, date and a multiselect option match what the tickets hold", async () => {
    const a = await openTicket(s.agent, { custom_fields: { [count.key]: 3, [due.key]: "2026-05-01", [labels.key]: ["a", "b"] } });
    const b = await openTicket(s.agent, { custom_fields: { [count.key]: 4, [due.key]: "2026-05-01", [labels.key]: ["b"] } });
    const list = async (query: string) => ids(await ok(api("GET", `/api/v1/tickets?${query}&limit=100`, { token: s.agent.token })));
    expect(await list(`cf.${count.key}=3`)).toEqual([a.id]);
    expect(await list(`cf.${count.key}=-3`)).toEqual([]);
    expect(await list(`cf.${due.key}=2026-05-01`)).toEqual([b.id, a.id]);
    expect(await list(`cf.${labels.key}=a`)).toEqual([a.id]);
    expect(await list(`cf.${labels.key}=b`)).toEqual([b.id, a.id]);
    expect(await list(`cf.${labels.key}=b&cf.${count.key}=4`)).toEqual([b.id]);
    // A changed value moves the ticket between filters; another sort still filters right.
    await ok(patchTicket(s.agent, a.id, { custom_fields: { [labels.key]: ["b"], [count.key]: null } }));
    expect(await list(`cf.${labels.key}=a`)).toEqual([]);
    expect(await list(`cf.${count.key}=3`)).toEqual([]);
    expect(await list(`cf.${labels.key}=b&sort=-updated_at`)).toEqual([a.id, b.id]);
    // A deleted ticket leaves the filter.
    expect((await api("DELETE", `/api/v1/tickets/${b.id}`, { token: s.admin.token })).status).toBe(204);
    expect(await list(`cf.${labels.key}=b`)).toEqual([a.id]);
  });

  it("a filter checked on each ticket (another sort, a second filter) finds what the value index finds, for every type", async () => {
    // Checked on the ticket row's own values, not the index (reads no row): both must agree on
    // false and 0, on a cleared value, and on a value of one field under another field's key.
    const make = (custom_fields: Record<string, unknown>) => openTicket(s.agent, { custom_fields });
    const made = [
      await make({ [approved.key]: false, [count.key]: 0, [due.key]: "2026-06-01", [labels.key]: ["a"] }),
      await make({ [approved.key]: true, [count.key]: -3, [due.key]: "2026-06-02", [labels.key]: ["a", "b"] }),
      await make({ [count.key]: 7, [product.key]: "never" }),
      await make({ [approved.key]: false, [count.key]: 0, [due.key]: "2026-06-01" }),
    ];
    await ok(patchTicket(s.agent, made[3]!.id, { custom_fields: { [approved.key]: null, [count.key]: null } }));
    const mine = new Set(made.map((t) => t.id));
    const list = async (query: string) => {
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: { id: string }[]; next_cursor: string | null } = await ok(api("GET", `/api/v1/tickets?${query}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: s.agent.token }));
        all.push(...ids(page).filter((id) => mine.has(id)));
        cursor = page.next_cursor;
      } while (cursor);
      return all.sort();
    };
    const filters = [
      `cf.${approved.key}=false`,
      `cf.${approved.key}=true`,
      `cf.${count.key}=0`,
      `cf.${count.key}=-3`,
      `cf.${count.key}=7`,
      `cf.${due.key}=2026-06-01`,
      `cf.${product.key}=never`,
      `cf.${labels.key}=a`,
      `cf.${labels.key}=b`,
    ];
    const want: Record<string, string[]> = {
      [filters[0]!]: [made[0]!.id],
      [filters[1]!]: [made[1]!.id],
      [filters[2]!]: [made[0]!.id],
      [filters[3]!]: [made[1]!.id],
      [filters[4]!]: [made[2]!.id],
      [filters[5]!]: [made[0]!.id, made[3]!.id],
      [filters[6]!]: [made[2]!.id],
      [filters[7]!]: [made[0]!.id, made[1]!.id],
      [filters[8]!]: [made[1]!.id],
    };
    for (const f of filters) {
      const expected = want[f]!.slice().sort();
      // The value index walk; the row check under another sort; the row check as a second filter.
      expect(await list(`${f}&status=open`), f).toEqual(expected);
      expect(await list(`${f}&status=open&sort=-updated_at`), `${f} sort=-updated_at`).toEqual(expected);
      expect(await list(`cf.${due.key}=2026-06-01&${f}`), `${f} second`).toEqual(expected.filter((id) => want[filters[5]!]!.includes(id)));
    }
  });

  it.each([
    ["a text field", (k: { text: string }) => `cf.${k.text}=x`, "a text field cannot be filtered by"],
    ["an unknown key", () => "cf.no_such_field=1", "no such field"],
    ["a bad checkbox value", () => `cf.${approved.key}=yes`, "must be true or false"],
    ["a bad integer", () => `cf.${count.key}=1%3B%20DROP%20TABLE%20tickets`, "must be an integer"],
    ["an unknown option", () => `cf.${product.key}=%27%20OR%201%3D1%20--`, "must be one of: common, uncommon, rare, never"],
  ])("%s is 400 naming the parameter", async (_, query, message) => {
    const text = await defineField(s.admin, { key: uniqueKey("note"), label: "Note", type: "text" });
    const q = query({ text: text.key });
    const res = await api("GET", `/api/v1/tickets?${q}`, { token: s.agent.token });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(Object.values(res.body.errors)).toEqual([[message]]);
  });

  it("more than five field filters is 400", async () => {
    const q = Array.from({ length: 6 }, (_, i) => `cf.f${i}=1`).join("&");
    expectProblem(await api("GET", `/api/v1/tickets?${q}`, { token: s.agent.token }), 400, "VALIDATION_ERROR");
  });
});
