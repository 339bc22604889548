import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { listAuditLogs } from "../../src/features/audit/audit.service";
import { listUsers } from "../../src/features/users/users.service";
import type { ServiceContext } from "../../src/lib/request-context";

/**
 * D1 bills rows read, and a page must cost O(page), not O(rows before it). drizzle reads through
 * `raw()`, which drops D1's `meta`; this wrapper runs each read once more with `all()` to count it.
 */
function countingDb() {
  const counter = { rowsRead: 0 };
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args));
        if (prop === "raw" || prop === "all" || prop === "first") {
          return async (...args: unknown[]) => {
            counter.rowsRead += (await target.all()).meta.rows_read;
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  const d1 = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => wrap(target.prepare(query));
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: createDb(d1), counter };
}

const BACKGROUND = 3_000;
const TRAIL = 40;
const PAGE = 10;
const run = crypto.randomUUID().slice(0, 8);
const entity = `ticket-${run}`;
const actor = `actor-${run}`;

beforeAll(async () => {
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  const rows: D1PreparedStatement[] = [];
  const insert = env.DB.prepare(
    "INSERT INTO audit_logs (id, at, actor_id, action, entity_type, entity_id, changes) VALUES (?, ?, ?, 'x.y', ?, ?, '{}')",
  );
  // The trail of one ticket and one actor, interleaved with a large log of everything else.
  for (let i = 0; i < BACKGROUND; i++) {
    const mine = i % (BACKGROUND / TRAIL) === 0;
    rows.push(insert.bind(`${run}-${String(i).padStart(5, "0")}`, at(i), mine ? actor : `other-${i % 50}`, mine ? "ticket" : ["user", "ticket", "comment"][i % 3], mine ? entity : `e-${i}`));
  }
  for (let i = 0; i < rows.length; i += 500) await env.DB.batch(rows.slice(i, i + 500));
  const users = env.DB.prepare(
    "INSERT INTO users (id, name, email, role, active, token_version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 0, ?, ?)",
  );
  const userRows = Array.from({ length: 1_000 }, (_, i) => users.bind(`${run}-u${i}`, `User ${i}`, `u${i}-${run}@example.test`, i % 10 ? "customer" : "agent", at(i), at(i)));
  for (let i = 0; i < userRows.length; i += 500) await env.DB.batch(userRows.slice(i, i + 500));
});

async function pageCosts(list: (cursor: string | undefined) => Promise<{ next_cursor: string | null; data: unknown[] }>, counter: { rowsRead: number }, pages: number) {
  const costs: number[] = [];
  let cursor: string | undefined;
  for (let p = 0; p < pages; p++) {
    const before = counter.rowsRead;
    const page = await list(cursor);
    costs.push(counter.rowsRead - before);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return costs;
}

describe("audit log pages read O(page) rows at any depth", () => {
  const secret = env.JWT_SECRET;

  it.each([
    ["unfiltered", {}],
    ["by entity_type and entity_id", { entity_type: "ticket", entity_id: entity }],
    ["by actor_id", { actor_id: actor }],
  ])("%s", async (_label, filter) => {
    const { db, counter } = countingDb();
    const costs = await pageCosts((cursor) => listAuditLogs(db, secret, { ...filter, limit: PAGE, cursor }), counter, 4);
    expect(costs.length).toBe(4);
    // A page of 10 (plus the one row that says there is more) and a few index seeks; never the log.
    for (const cost of costs) expect(cost, JSON.stringify(costs)).toBeLessThanOrEqual(3 * PAGE);
  });

  it("by entity_id alone: at most that entity's trail, never the log", async () => {
    const { db, counter } = countingDb();
    const costs = await pageCosts((cursor) => listAuditLogs(db, secret, { entity_id: entity, limit: PAGE, cursor }), counter, 4);
    expect(costs.length).toBe(4);
    // Without the type the pages of each type's range are merged by a sort: O(trail), not O(page).
    for (const cost of costs) expect(cost, JSON.stringify(costs)).toBeLessThanOrEqual(TRAIL + 2 * PAGE);
  });
});

describe("user list pages read O(page) rows at any depth", () => {
  it.each([
    ["unfiltered", {}],
    ["by role", { role: ["agent" as const] }],
    // One indexed page per role, merged: never all customers read and sorted.
    ["by roles", { role: ["customer" as const, "agent" as const] }],
  ])("%s", async (_label, filter) => {
    const { db, counter } = countingDb();
    const ctx = { db, env, actor: null, meta: { ip: null, userAgent: null }, now: new Date() } as unknown as ServiceContext;
    const costs = await pageCosts((cursor) => listUsers(ctx, { ...filter, limit: PAGE, cursor }), counter, 5);
    expect(costs.length).toBe(5);
    for (const cost of costs) expect(cost, JSON.stringify(costs)).toBeLessThanOrEqual(3 * PAGE);
  });
});
