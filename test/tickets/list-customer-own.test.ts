import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { makeUser, meteredApi, type MeteredResponse, type TestUser } from "../helpers";
import { DAY, seedTickets } from "./fixtures";

/**
 * A customer's list reads their own tickets only, whatever its sort and filters. Where no index of
 * their own tickets served the list (sort=priority, -priority, sla_due before migration 0051; still:
 * breached=true, an assignee with a status), it used to walk an index of everyone's tickets with the requester checked
 * per row, under the scan budget: a customer among many others' tickets got empty pages, and each
 * page's cursor (signed, not sealed: its payload is base64 JSON) held the sort keys of another
 * customer's ticket: its created_at, its priority, its rowid; how many pages said how many such
 * tickets others have.
 */

const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const OTHERS = 700;
let a: TestUser;
let b: TestUser;
let agent: TestUser;
/** A's tickets, B's tickets: id → rowid. */
const rowids = new Map<string, number>();

/** The position a list cursor holds: its sort keys and id (`[<year>:]<rowid>`). */
const payloadOf = (cursor: string) =>
  JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(cursor.split(".")[0]!.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0)))) as { k: unknown; id: string };

beforeAll(async () => {
  [a, b, agent] = await Promise.all([makeUser("customer"), makeUser("customer"), makeUser("agent")]);
  // A: three old tickets of low and medium priority. B: many newer critical ones. Every one tagged
  // vip, breached, assigned to the agent and open: each of B's is in every list A asks for below.
  await seedTickets([
    ...(["low", "medium", "low"] as const).map((priority, i) => ({ id: `own-a-${i}`, number: `OWNA-${i}`, subject: `A ${i}`, priority, requesterId: a.id, createdById: a.id, createdAt: iso(NOW - 90 * DAY + i * 1000), updatedAt: iso(NOW - 80 * DAY - i * 1000) })),
    ...Array.from({ length: OTHERS }, (_, i) => ({ id: `own-b-${i}`, number: `OWNB-${i}`, subject: `B ${i}`, priority: "critical" as const, requesterId: b.id, createdById: b.id, createdAt: iso(NOW - 10 * DAY + i * 1000), updatedAt: iso(NOW - 10 * DAY + i * 1000) })),
  ]);
  await env.DB.prepare(`UPDATE tickets SET tags = '["vip"]', sla_breached = 1, assignee_id = ? WHERE id LIKE 'own-%'`).bind(agent.id).run();
  const rows = await env.DB.prepare(`SELECT rowid AS r, created_at AS c, id FROM tickets WHERE id LIKE 'own-%'`).all<{ r: number; c: string; id: string }>();
  const tag = env.DB.prepare(`INSERT INTO ticket_tag_index (tag, created_at, ticket_rowid) VALUES ('vip', ?, ?)`);
  await env.DB.batch(rows.results.map((r) => tag.bind(r.c, r.r)));
  for (const r of rows.results) rowids.set(r.id, r.r);
}, 120_000);

/** A's tickets in the list's order (the plain query). */
async function expected(sort: string): Promise<string[]> {
  const order: Record<string, string> = {
    priority: "priority_rank DESC, created_at ASC, rowid ASC",
    "-priority": "priority_rank ASC, created_at DESC, rowid DESC",
    sla_due: "sla_next_due_at ASC, created_at ASC, rowid ASC",
    "-created_at": "created_at DESC, rowid DESC",
    created_at: "created_at ASC, rowid ASC",
    "-updated_at": "updated_at DESC, rowid DESC",
  };
  const { results } = await env.DB.prepare(`SELECT id FROM tickets WHERE requester_id = ? AND deleted_at IS NULL ORDER BY ${order[sort]}`).bind(a.id).all<{ id: string }>();
  return results.map((r) => r.id);
}

const SHAPES: [string, string][] = [
  ["sort=priority", "priority"],
  ["sort=-priority", "-priority"],
  ["sort=sla_due", "sla_due"],
  ["tag=vip", "-created_at"],
  ["tag=vip&sort=created_at", "created_at"],
  ["breached=true", "-created_at"],
  ["breached=true&sort=priority", "priority"],
  [`status=open&assignee_id=AGENT`, "-created_at"],
  [`status=open&assignee_id=AGENT&sort=-updated_at`, "-updated_at"],
  ["tag=vip&sort=sla_due&priority=low,medium,critical", "sla_due"],
];

describe("a customer's list among many tickets of others", () => {
  it("holds their own tickets on the first page, with no cursor, and reads a handful of rows, not others' tickets", async () => {
    for (const [shape, sort] of SHAPES) {
      const query = shape.replace("AGENT", agent.id);
      const res = await meteredApi("GET", `/api/v1/tickets?${query}&limit=25`, { token: a.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data.map((t: { id: string }) => t.id), query).toEqual(await expected(sort));
      expect(res.body.next_cursor, query).toBeNull();
      // Before: 400-500 rows a page (others' tickets, up to the scan budget), the page empty.
      expect(res.rowsRead, query).toBeLessThan(40);
    }
  });

  it("an unverified account's list, in those orders too, holds only the tickets it opened itself", async () => {
    const u = await makeUser("customer", { verified: false });
    await seedTickets([
      { id: "own-u-self", number: "OWNU-0", subject: "U self", priority: "low", requesterId: u.id, createdById: u.id, createdAt: iso(NOW - 50 * DAY), updatedAt: iso(NOW - 50 * DAY) },
      // Filed for the address by staff: not the account's until it proves the address.
      { id: "own-u-staff", number: "OWNU-1", subject: "U by staff", priority: "high", requesterId: u.id, createdById: agent.id, createdAt: iso(NOW - 49 * DAY), updatedAt: iso(NOW - 49 * DAY) },
    ]);
    for (const query of ["sort=priority", "sort=sla_due", `status=open&assignee_id=${agent.id}`, "sort=-created_at"]) {
      await env.DB.prepare(`UPDATE tickets SET assignee_id = ? WHERE id LIKE 'own-u-%'`).bind(agent.id).run();
      const res = await meteredApi("GET", `/api/v1/tickets?${query}&limit=25`, { token: u.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data.map((t: { id: string }) => t.id), query).toEqual(["own-u-self"]);
    }
  });

  it("pages one ticket at a time: every cursor is at one of their own tickets, none holds another customer's sort keys", async () => {
    const own = new Set([...rowids].filter(([id]) => id.startsWith("own-a-")).map(([, r]) => String(r)));
    for (const [shape, sort] of SHAPES) {
      const query = shape.replace("AGENT", agent.id);
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let n = 0; n < 10; n++) {
        const res: MeteredResponse = await meteredApi("GET", `/api/v1/tickets?${query}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: a.token });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        // Never an empty page that goes on (it said others have tickets there).
        if (res.body.next_cursor) expect(res.body.data.length, query).toBe(1);
        ids.push(...res.body.data.map((t: { id: string }) => t.id));
        cursor = res.body.next_cursor;
        if (!cursor) break;
        const id = payloadOf(cursor).id.replace(/^\d+:/, "");
        expect(own.has(id), `${query}: cursor at rowid ${id}, not one of the customer's tickets`).toBe(true);
        expect(JSON.stringify(payloadOf(cursor).k), query).not.toContain(iso(NOW - 10 * DAY).slice(0, 10));
      }
      expect(ids, query).toEqual(await expected(sort));
    }
  });

  it("a cursor another caller was given (an agent, another customer) pages the customer's own tickets only; an edited one is refused", async () => {
    for (const sort of ["priority", "-created_at", "sla_due"]) {
      const foreign = [
        (await meteredApi("GET", `/api/v1/tickets?sort=${sort}&limit=1`, { token: agent.token })).body.next_cursor as string,
        (await meteredApi("GET", `/api/v1/tickets?sort=${sort}&limit=1`, { token: b.token })).body.next_cursor as string,
      ];
      for (const cursor of foreign) {
        const res = await meteredApi("GET", `/api/v1/tickets?sort=${sort}&limit=100&cursor=${encodeURIComponent(cursor)}`, { token: a.token });
        expect(res.status).toBe(200);
        expect(res.body.data.map((t: { requester: { id: string } }) => t.requester.id).every((id: string) => id === a.id), sort).toBe(true);
        // Its position moved to another ticket, signed as it was: a 400, not a page.
        const [body, mac] = cursor.split(".");
        const payload = JSON.parse(atob(body!.replaceAll("-", "+").replaceAll("_", "/")));
        const edited = btoa(JSON.stringify({ ...payload, id: String(Number(payload.id) + 1) })).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
        expect((await meteredApi("GET", `/api/v1/tickets?sort=${sort}&cursor=${edited}.${mac}`, { token: a.token })).status).toBe(400);
      }
    }
  });
});
