import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, insertRow, runBatch } from "../../src/db/client";
import { auditLogs, ticketHistory } from "../../src/db/schema";
import { api, makeStaff } from "../helpers";

// insertRow writes the hot inserts (ticket, history, audit, comment, outbox) as text statements: what
// it stores must be exactly what drizzle's insert stored for the same values, read back raw.
const raw = async (table: string, id: string) => {
  const row = await env.DB.prepare(`SELECT * FROM ${table} WHERE id = ?`).bind(id).first<Record<string, unknown>>();
  const { id: _id, ...rest } = row!;
  return rest;
};

describe("insertRow", () => {
  it("stores what drizzle's insert stores: JSON, booleans, nulls, and columns left to their defaults", async () => {
    const s = await makeStaff();
    const created = await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Insert row", description: "d" } });
    expect(created.status).toBe(201);
    const db = createDb(env.DB);
    const id = () => crypto.randomUUID();
    const audit = { at: "2026-12-06T00:00:00.000Z", actorId: null, action: "test.done", entityType: "ticket", entityId: created.body.id, changes: { a: [1, "b"], nested: { c: null } }, ip: null, userAgent: "ua" };
    // bumpsVersion and internal missing: their defaults (false) as drizzle fills them.
    const history = { ticketId: created.body.id, type: "note", actorId: null, ruleId: null, ruleName: null, at: "2026-12-06T00:00:00.000Z", version: 99, changes: { x: [null, true] } };
    const [a1, a2, h1, h2] = [id(), id(), id(), id()];
    await runBatch(db, [
      db.insert(auditLogs).values({ id: a1, ...audit }),
      insertRow(db, auditLogs, { id: a2, ...audit }),
      db.insert(ticketHistory).values({ id: h1, ...history }),
      insertRow(db, ticketHistory, { id: h2, ...history, version: 100 }),
    ]);
    expect(await raw("audit_logs", a2)).toEqual(await raw("audit_logs", a1));
    expect({ ...(await raw("ticket_history", h2)), version: 99 }).toEqual(await raw("ticket_history", h1));
    expect((await raw("ticket_history", h2)).internal).toBe(0);
  });

  it("does nothing on a conflict when asked, and takes a value given as SQL through drizzle", async () => {
    const db = createDb(env.DB);
    const rowId = crypto.randomUUID();
    const row = { id: rowId, at: "2026-12-06T00:00:00.000Z", actorId: null, action: "first", entityType: "t", entityId: "e", changes: {}, ip: null, userAgent: null };
    await runBatch(db, [insertRow(db, auditLogs, row), insertRow(db, auditLogs, { ...row, action: "second" }, { onConflictDoNothing: true })]);
    expect((await raw("audit_logs", rowId)).action).toBe("first");
    const other = crypto.randomUUID();
    await runBatch(db, [insertRow(db, auditLogs, { ...row, id: other, action: sql`'from sql'` as unknown as string })]);
    expect((await raw("audit_logs", other)).action).toBe("from sql");
  });
});
