import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLogs } from "../../src/db/schema";
import { api, db, makeUser, PASSWORD } from "../helpers";
import { expectProblemShape, uniqueEmail, userRow } from "../auth/support";

const snapshot = async () => JSON.stringify(await db().select().from(auditLogs).orderBy(auditLogs.id));
const countRows = async () => (await db().select({ n: sql<number>`count(*)` }).from(auditLogs))[0]!.n;

describe("GET /api/v1/audit-logs: security", () => {
  it.each(["customer", "agent", "manager"] as const)("refuses a %s with 403", async (role) => {
    const u = await makeUser(role);
    expectProblemShape(await api("GET", "/api/v1/audit-logs", { token: u.token }), 403, "FORBIDDEN");
    expectProblemShape(await api("GET", `/api/v1/audit-logs?actor_id=${u.id}`, { token: u.token }), 403, "FORBIDDEN");
  });

  it("refuses an anonymous caller with 401", async () => {
    expectProblemShape(await api("GET", "/api/v1/audit-logs"), 401, "UNAUTHORIZED");
  });

  it("has no route that changes or deletes an entry", async () => {
    const admin = await makeUser("admin");
    await api("POST", "/api/v1/users", { token: admin.token, body: { name: "Seed", email: uniqueEmail(), password: "longpassword", role: "agent" } });
    const [entry] = (await api("GET", "/api/v1/audit-logs?limit=1", { token: admin.token })).body.data;
    const before = await snapshot();
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const body = method === "DELETE" ? undefined : { action: "nothing.happened", changes: {} };
      expectProblemShape(await api(method, "/api/v1/audit-logs", { token: admin.token, body }), 405, "METHOD_NOT_ALLOWED");
      const one = await api(method, `/api/v1/audit-logs/${entry.id}`, { token: admin.token, body });
      expect([404, 405]).toContain(one.status);
      expect(one.headers.get("content-type")).toBe("application/problem+json");
    }
    expectProblemShape(await api("GET", `/api/v1/audit-logs/${entry.id}`, { token: admin.token }), 404, "NOT_FOUND");
    expect(await snapshot()).toBe(before);
  });

  it("audits a password change without the password or either hash", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("agent");
    const oldHash = (await userRow(u.email))!.passwordHash!;
    const res = await api("PATCH", `/api/v1/users/${u.id}`, { token: admin.token, body: { password: "Sup3r-Secret-New" } });
    expect(res.status).toBe(200);
    const newHash = (await userRow(u.email))!.passwordHash!;
    const log = await api("GET", `/api/v1/audit-logs?entity_type=user&entity_id=${u.id}`, { token: admin.token });
    expect(log.body.data).toHaveLength(1);
    expect(Object.keys(log.body.data[0].changes)).toContain("password");
    const text = JSON.stringify(log.body);
    for (const secret of ["Sup3r-Secret-New", PASSWORD, oldHash, newHash, oldHash.split("$")[3]!, newHash.split("$")[3]!]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/pbkdf2/);
    // Nor in the stored row itself.
    const stored = await snapshot();
    expect(stored).not.toContain("Sup3r-Secret-New");
    expect(stored).not.toContain(newHash);
  });

  it("never stores a password from a registration or an admin create", async () => {
    const admin = await makeUser("admin");
    const before = await countRows();
    await api("POST", "/api/v1/auth/register", { body: { name: "R", email: uniqueEmail(), password: "reg-secret-123" } });
    await api("POST", "/api/v1/users", { token: admin.token, body: { name: "C", email: uniqueEmail(), password: "create-secret-123", role: "agent" } });
    expect(await countRows()).toBe(before + 2);
    const stored = await snapshot();
    expect(stored).not.toMatch(/reg-secret-123|create-secret-123|pbkdf2/);
  });
});

describe("GET /api/v1/audit-logs: errors", () => {
  it.each(["0", "101", "abc", "-5"])("answers 400 to limit=%j", async (limit) => {
    const admin = await makeUser("admin");
    expectProblemShape(await api("GET", `/api/v1/audit-logs?limit=${limit}`, { token: admin.token }), 400, "VALIDATION_ERROR");
  });

  it("answers 400 to a tampered cursor or a cursor of another list", async () => {
    const admin = await makeUser("admin");
    for (let i = 0; i < 2; i++) {
      await api("POST", "/api/v1/users", { token: admin.token, body: { name: `Cur${i}`, email: uniqueEmail(), password: "longpassword", role: "agent" } });
    }
    const page = await api("GET", "/api/v1/audit-logs?limit=1", { token: admin.token });
    const cursor: string = page.body.next_cursor;
    expect(cursor).toEqual(expect.any(String));
    const users = await api("GET", "/api/v1/users?limit=1", { token: admin.token });
    expect(users.body.next_cursor).toEqual(expect.any(String));
    const [body, sig] = cursor.split(".");
    const flipped = `${body!.slice(0, 5)}${body![5] === "A" ? "B" : "A"}${body!.slice(6)}.${sig}`;
    for (const bad of [flipped, `${body}.`, "x.y", users.body.next_cursor, "%%%"]) {
      const res = await api("GET", `/api/v1/audit-logs?limit=1&cursor=${encodeURIComponent(bad)}`, { token: admin.token });
      expectProblemShape(res, 400, "VALIDATION_ERROR");
    }
  });

  it("ignores unknown query parameters", async () => {
    const admin = await makeUser("admin");
    expect((await api("GET", "/api/v1/audit-logs?delete=true&order=asc", { token: admin.token })).status).toBe(200);
  });
});
