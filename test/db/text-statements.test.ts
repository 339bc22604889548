import { env } from "cloudflare:workers";
import { and, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { compileSql, createDb, insertColumnList, insertRow, IS_NULL, preparedSelect, returnedRows, runBatch, updateRow } from "../../src/db/client";
import { insertSelect } from "../../src/db/insert-select";
import { notifications, outboundMessages, tickets, users } from "../../src/db/schema";
import { requesterColumns } from "../../src/features/tickets/tickets.serialize";
import { api, makeStaff } from "../helpers";

// The hot path's statements as text (issue 15): each must be exactly what drizzle builds, reads or
// writes for the same input, so the text is a cheaper way to the same SQL, never another statement.

describe("compileSql", () => {
  it("writes the text and parameters drizzle's dialect writes for our hand-written templates", () => {
    const db = createDb(env.DB);
    const templates = [
      sql`SELECT ${tickets.id}, ${users.name} FROM ${tickets} JOIN ${users} ON ${users.id} = ${tickets.requesterId} WHERE ${tickets.id} = ${"t1"}`,
      sql`INSERT INTO x SELECT ${1}, ${null}, ${"a"} WHERE ${and(eq(tickets.status, "open"), inArray(tickets.id, ["a", "b"]))}`,
      sql`${sql.raw("literal")} ${sql.identifier("named")} ${[1, 2, sql`nested ${3}`]}`,
      // A value bound through its column's mapping (JSON).
      sql`UPDATE ${tickets} SET ${sql.identifier(tickets.tags.name)} = ${sql.param(["vip", "x"], tickets.tags)}`,
    ];
    for (const template of templates) {
      const built = db.run(template).getQuery();
      expect(compileSql(template)).toEqual({ sql: built.sql, params: built.params });
    }
  });

  it("leaves what it does not know to drizzle (placeholders, inlined parameters)", () => {
    expect(compileSql(sql`SELECT ${sql.placeholder("x")}`)).toBeNull();
    expect(compileSql(sql`SELECT ${sql`${1}`.inlineParams()}`)).toBeNull();
  });
});

describe("preparedSelect and updateRow", () => {
  it("read a ticket with its requester as drizzle's select does, and write a guarded update as drizzle's update does", async () => {
    const s = await makeStaff();
    const created = await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Text statements", description: "d", tags: ["vip"] } });
    expect(created.status).toBe(201);
    const db = createDb(env.DB);
    const byId = preparedSelect({ row: tickets, requester: requesterColumns }, 'from "tickets" inner join "users" on "users"."id" = "tickets"."requester_id" where "tickets"."id" = ? limit 1');
    const viaDrizzle = () => db.select({ row: tickets, requester: requesterColumns }).from(tickets).innerJoin(users, eq(users.id, tickets.requesterId)).where(eq(tickets.id, created.body.id)).limit(1);
    const [before] = await byId(env.DB, [created.body.id]);
    expect(before).toEqual((await viaDrizzle())[0]);
    expect(before!.row.tags).toEqual(["vip"]);
    expect(typeof before!.row.slaBreached).toBe("boolean");

    const set = { tags: ["a", "b"], slaBreached: true, customFields: { k: [1, "x"] }, assigneeId: null, revision: before!.row.revision + 1 };
    // The guard no longer holds: nothing written.
    const stale = updateRow(db, tickets, set, [["id", before!.row.id], ["deletedAt", IS_NULL], ["revision", before!.row.revision + 5]])!;
    await runBatch(db, [stale]);
    expect((await byId(env.DB, [created.body.id]))[0]).toEqual(before);
    const text = updateRow(db, tickets, set, [["id", before!.row.id], ["deletedAt", IS_NULL], ["revision", before!.row.revision]])!;
    await runBatch(db, [text]);
    const [after] = await viaDrizzle();
    expect(after!.row).toEqual({ ...before!.row, ...set });
    // A value given as SQL is drizzle's to build.
    expect(updateRow(db, tickets, { subject: sql`'x'` }, [["id", "a"]])).toBeNull();
  });
});

describe("preparedSelect in a batch", () => {
  it("keeps two selected columns of one name apart (D1 answers a batch's rows keyed by column name)", async () => {
    const s = await makeStaff();
    const created = await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Two ids", description: "d" } });
    expect(created.status).toBe(201);
    // tickets.id and users.id are both "id"; the fields after them must not shift.
    const pick = preparedSelect(
      { ticketId: tickets.id, requesterId: users.id, subject: tickets.subject, requester: { id: users.id, name: users.name }, tags: tickets.tags },
      'from "tickets" inner join "users" on "users"."id" = "tickets"."requester_id" where "tickets"."id" = ?',
    );
    const read = pick.inBatch(env.DB, [created.body.id]);
    const [result] = await env.DB.batch([read.statement]);
    const expected = { ticketId: created.body.id, requesterId: s.customer.id, subject: "Two ids", requester: { id: s.customer.id, name: s.customer.name }, tags: [] };
    expect(read.rows(result!)).toEqual([expected]);
    // The same select outside a batch reads the same row.
    expect(await pick(env.DB, [created.body.id])).toEqual([expected]);
  });
});

describe("insert column lists", () => {
  it("leave generated columns out, as drizzle's insert does (insertRow and every INSERT … SELECT)", () => {
    const t = sqliteTable("gen_demo", { id: text("id").primaryKey(), n: integer("n"), twice: integer("twice").generatedAlwaysAs(sql`n * 2`) });
    expect(insertColumnList(t)).toBe('"id", "n"');
    const db = createDb(env.DB);
    const built = db.insert(t).values({ id: "a", n: 1 }).toSQL();
    expect((insertRow(db, t, { id: "a", n: 1 }) as unknown as { getQuery(): { sql: string; params: unknown[] } }).getQuery()).toEqual({ ...built, method: "run" });
  });
});

describe("insertSelect with RETURNING", () => {
  it("returns the inserted rows as drizzle reads them back (JSON, booleans, nulls, defaults)", async () => {
    const s = await makeStaff();
    const created = await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Returning", description: "d" } });
    expect(created.status).toBe(201);
    const db = createDb(env.DB);
    const base = `ret-${crypto.randomUUID()}`;
    const inApp = insertSelect(
      db,
      notifications,
      { id: sql`${base} || '.' || ${users.id}`, userId: sql`${users.id}`, type: "assigned", ticketId: created.body.id, title: "t", body: "b", createdAt: "2026-12-06T00:00:00.000Z" },
      sql`FROM ${users} WHERE ${inArray(users.id, [s.agent.id, s.manager.id])}`,
      getTableColumns(notifications),
    );
    const mail = insertSelect(
      db,
      outboundMessages,
      { id: sql`${base} || '.' || ${users.id}`, ticketId: created.body.id, userId: sql`${users.id}`, kind: "notification", automatic: 1, toAddress: sql`${users.email}`, toName: sql`${users.name}`, data: JSON.stringify({ k: [1] }), status: "pending", createdAt: "2026-12-06T00:00:00.000Z", updatedAt: "2026-12-06T00:00:00.000Z" },
      sql`FROM ${users} WHERE ${eq(users.id, s.agent.id)}`,
      getTableColumns(outboundMessages),
    );
    // Nothing to insert: an empty list, not "unknown".
    const none = insertSelect(db, notifications, { id: "x", userId: "x", type: "assigned", title: "t", body: "b", createdAt: "c" }, sql`WHERE 0`, { id: notifications.id });
    await runBatch(db, [inApp, mail, none]);
    const rows = returnedRows<typeof notifications.$inferSelect>(inApp)!;
    const stored = await db.select().from(notifications).where(sql`${notifications.id} > ${base + "."} AND ${notifications.id} < ${base + "/"}`);
    expect(rows.sort((a, b) => a.id.localeCompare(b.id))).toEqual(stored.sort((a, b) => a.id.localeCompare(b.id)));
    expect(rows).toHaveLength(2);
    expect(rows[0]!.readAt).toBeNull();
    const [mailRow] = returnedRows<typeof outboundMessages.$inferSelect>(mail)!;
    expect(mailRow).toEqual((await db.select().from(outboundMessages).where(eq(outboundMessages.id, `${base}.${s.agent.id}`)))[0]);
    expect(mailRow!.automatic).toBe(true);
    expect(mailRow!.data).toEqual({ k: [1] });
    expect(mailRow!.attempts).toBe(0);
    expect(returnedRows(none)).toEqual([]);
  });
});
