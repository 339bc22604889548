import { env } from "cloudflare:workers";
import { and, eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { compileSql, createDb, IS_NULL, preparedSelect, runBatch, updateRow } from "../../src/db/client";
import { tickets, users } from "../../src/db/schema";
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
