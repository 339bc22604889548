import { describe, expect, it } from "vitest";
import { api, makeUser } from "../helpers";
import { auditRowsFor, expectNoSecrets, expectProblemShape, login, uniqueEmail, userRow } from "../auth/support";

const ROLES = ["customer", "agent", "manager", "admin"] as const;

describe("POST /api/v1/users: happy path", () => {
  it.each(ROLES)("lets an admin create a %s, who can then sign in with that role", async (role) => {
    const admin = await makeUser("admin");
    const email = uniqueEmail(role);
    const res = await api("POST", "/api/v1/users", {
      token: admin.token,
      body: { name: ` New ${role} `, email: email.toUpperCase(), password: "initial-password", role },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // An admin vouches for the address of an account they create (API.md "Auth": staff-created users are verified).
    expect(res.body).toEqual({ id: expect.any(String), name: `New ${role}`, email, role, active: true, email_verified: true, created_at: expect.any(String) });
    expect(res.headers.get("location")).toBe(`/api/v1/users/${res.body.id}`);
    expectNoSecrets(res.body);
    const session = await login(email, "initial-password");
    expect(session.status).toBe(200);
    expect(session.body.user.role).toBe(role);
  });

  it("audits the creation with the admin as actor and no password", async () => {
    const admin = await makeUser("admin");
    const res = await api("POST", "/api/v1/users", {
      token: admin.token,
      body: { name: "Audited", email: uniqueEmail(), password: "secret-initial", role: "agent" },
      headers: { "cf-connecting-ip": "203.0.113.50", "user-agent": "AdminConsole/2" },
    });
    const rows = await auditRowsFor(res.body.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: "user.created", actorId: admin.id, entityType: "user", ip: "203.0.113.50", userAgent: "AdminConsole/2" });
    expect(rows[0]!.changes).toMatchObject({ role: [null, "agent"] });
    expect(JSON.stringify(rows[0])).not.toMatch(/secret-initial|pbkdf2/);
  });
});

describe("POST /api/v1/users: errors", () => {
  it("answers 409 for an existing email in any case, and keeps the first", async () => {
    const admin = await makeUser("admin");
    const existing = await makeUser("agent");
    const res = await api("POST", "/api/v1/users", {
      token: admin.token,
      body: { name: "Dup", email: existing.email.toUpperCase(), password: "initial-password", role: "manager" },
    });
    expectProblemShape(res, 409, "CONFLICT");
    expect((await userRow(existing.email))!.role).toBe("agent");
  });

  it.each([
    ["no role", { role: undefined }, "role"],
    ["an unknown role", { role: "superadmin" }, "role"],
    ["an invalid email", { email: "nope" }, "email"],
    ["a 7-character password", { password: "1234567" }, "password"],
    ["a 257-character password", { password: "p".repeat(257) }, "password"],
    ["a blank name", { name: " " }, "name"],
  ])("answers 400 to %s and creates nothing", async (_label, patch, field) => {
    const admin = await makeUser("admin");
    const email = uniqueEmail();
    const res = await api("POST", "/api/v1/users", { token: admin.token, body: { name: "X", email, password: "initial-password", role: "agent", ...patch } });
    expectProblemShape(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors[field]).toBeDefined();
    expect(await userRow(email)).toBeUndefined();
  });
});

describe("POST /api/v1/users: security", () => {
  it.each(["customer", "agent", "manager"] as const)("refuses a %s with 403 and creates nothing", async (role) => {
    const caller = await makeUser(role);
    const email = uniqueEmail();
    const res = await api("POST", "/api/v1/users", { token: caller.token, body: { name: "X", email, password: "initial-password", role: "admin" } });
    expectProblemShape(res, 403, "FORBIDDEN");
    expect(await userRow(email)).toBeUndefined();
  });

  it("refuses an anonymous caller with 401, before looking at the body", async () => {
    expectProblemShape(await api("POST", "/api/v1/users", { body: { name: "X", email: uniqueEmail(), password: "initial-password", role: "admin" } }), 401, "UNAUTHORIZED");
    expectProblemShape(await api("POST", "/api/v1/users", { body: { junk: true } }), 401, "UNAUTHORIZED");
  });

  it("ignores fields a client may not set (id, active, token version)", async () => {
    const admin = await makeUser("admin");
    const email = uniqueEmail();
    const res = await api("POST", "/api/v1/users", {
      token: admin.token,
      body: { id: "mine", name: "X", email, password: "initial-password", role: "agent", active: false, token_version: 7, password_hash: "x" },
    });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe("mine");
    expect(res.body.active).toBe(true);
    expect(await userRow(email)).toMatchObject({ tokenVersion: 0, active: true });
  });
});
