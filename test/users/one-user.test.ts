import { describe, expect, it } from "vitest";
import { api, makeUser, PASSWORD } from "../helpers";
import { auditRowsFor, expectNoSecrets, expectProblemShape, login, uniqueEmail, userRow } from "../auth/support";

describe("GET|PATCH /api/v1/users/{id}: happy path", () => {
  it("lets an admin read a user", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("agent");
    const res = await api("GET", `/api/v1/users/${u.id}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: u.id, name: u.name, email: u.email, role: "agent", active: true, email_verified: true, created_at: expect.any(String) });
    expectNoSecrets(res.body);
  });

  it("lets an admin rename, re-address and re-role a user, and audits old and new values", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("agent");
    const email = uniqueEmail("moved");
    const res = await api("PATCH", `/api/v1/users/${u.id}`, { token: admin.token, body: { name: "Renamed", email: email.toUpperCase(), role: "manager" } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: u.id, name: "Renamed", email, role: "manager", active: true });
    expect((await api("GET", `/api/v1/users/${u.id}`, { token: admin.token })).body).toEqual(res.body);
    const [row] = await auditRowsFor(u.id);
    expect(row).toMatchObject({ action: "user.updated", actorId: admin.id });
    expect(row!.changes).toEqual({ name: [u.name, "Renamed"], email: [u.email, email], role: ["agent", "manager"] });
  });

  it("answers 200 and changes nothing for an empty or no-op patch", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("agent");
    for (const body of [{}, { name: u.name, role: "agent" }]) {
      const res = await api("PATCH", `/api/v1/users/${u.id}`, { token: admin.token, body });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: u.name, role: "agent" });
    }
    expect(await auditRowsFor(u.id)).toHaveLength(0);
    // A no-op does not sign the user out.
    expect((await api("GET", "/api/v1/auth/me", { token: u.token })).status).toBe(200);
  });

  it("changes a password: the old one stops working, the new one works, and the audit holds neither", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("customer");
    const before = (await userRow(u.email))!.passwordHash!;
    const res = await api("PATCH", `/api/v1/users/${u.id}`, { token: admin.token, body: { password: "fresh-password-42" } });
    expect(res.status).toBe(200);
    expectNoSecrets(res.body);
    expect((await login(u.email, PASSWORD)).status).toBe(401);
    expect((await login(u.email, "fresh-password-42")).status).toBe(200);
    const rows = await auditRowsFor(u.id);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!.changes)).toEqual(["password"]);
    const text = JSON.stringify(rows);
    expect(text).not.toContain("fresh-password-42");
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(before);
    expect(text).not.toContain((await userRow(u.email))!.passwordHash!);
    expect(text).not.toMatch(/pbkdf2/);
  });

  it("reactivates a deactivated user, whose old tokens stay dead", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("agent");
    await api("DELETE", `/api/v1/users/${u.id}`, { token: admin.token });
    const res = await api("PATCH", `/api/v1/users/${u.id}`, { token: admin.token, body: { active: true } });
    expect(res.body.active).toBe(true);
    expect((await api("GET", "/api/v1/auth/me", { token: u.token })).status).toBe(401);
    expect((await login(u.email, PASSWORD)).status).toBe(200);
  });
});

describe("GET|PATCH /api/v1/users/{id}: errors", () => {
  it("answers 404 for an unknown id", async () => {
    const admin = await makeUser("admin");
    expectProblemShape(await api("GET", "/api/v1/users/01unknown", { token: admin.token }), 404, "NOT_FOUND");
    expectProblemShape(await api("PATCH", "/api/v1/users/01unknown", { token: admin.token, body: { name: "x" } }), 404, "NOT_FOUND");
    expectProblemShape(await api("DELETE", "/api/v1/users/01unknown", { token: admin.token }), 404, "NOT_FOUND");
  });

  it("answers 409 to an email another account has, in any case, and changes nothing", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("agent");
    const other = await makeUser("customer");
    const res = await api("PATCH", `/api/v1/users/${u.id}`, { token: admin.token, body: { name: "Should not stick", email: other.email.toUpperCase() } });
    expectProblemShape(res, 409, "CONFLICT");
    expect(await userRow(u.email)).toMatchObject({ name: u.name, email: u.email });
    expect(await auditRowsFor(u.id)).toHaveLength(0);
  });

  it.each([
    ["a short password", { password: "short" }],
    ["an unknown role", { role: "owner" }],
    ["an invalid email", { email: "not-mail" }],
    ["a non-boolean active", { active: "no" }],
    ["a blank name", { name: "" }],
  ])("answers 400 to %s and changes nothing", async (_label, body) => {
    const admin = await makeUser("admin");
    const u = await makeUser("agent");
    expectProblemShape(await api("PATCH", `/api/v1/users/${u.id}`, { token: admin.token, body }), 400, "VALIDATION_ERROR");
    expect(await userRow(u.email)).toMatchObject({ name: u.name, role: "agent", active: true, tokenVersion: 0 });
  });

  it("refuses an admin demoting or deactivating themselves (409)", async () => {
    const admin = await makeUser("admin");
    for (const body of [{ role: "manager" }, { role: "customer" }, { active: false }]) {
      expectProblemShape(await api("PATCH", `/api/v1/users/${admin.id}`, { token: admin.token, body }), 409, "CONFLICT");
    }
    expectProblemShape(await api("DELETE", `/api/v1/users/${admin.id}`, { token: admin.token }), 409, "CONFLICT");
    expect(await userRow(admin.email)).toMatchObject({ role: "admin", active: true });
    expect((await api("GET", "/api/v1/auth/me", { token: admin.token })).status).toBe(200);
  });

  it("lets an admin edit their own name and password", async () => {
    const admin = await makeUser("admin");
    expect((await api("PATCH", `/api/v1/users/${admin.id}`, { token: admin.token, body: { name: "Me Myself", role: "admin" } })).status).toBe(200);
    expect((await api("PATCH", `/api/v1/users/${admin.id}`, { token: admin.token, body: { password: "my-new-admin-password" } })).status).toBe(200);
    expect((await login(admin.email, "my-new-admin-password")).status).toBe(200);
  });
});

describe("GET|PATCH|DELETE /api/v1/users/{id}: security", () => {
  it.each(["customer", "agent", "manager"] as const)("refuses a %s with 403 on read, edit and deactivate, and changes nothing", async (role) => {
    const caller = await makeUser(role);
    const target = await makeUser("agent");
    expectProblemShape(await api("GET", `/api/v1/users/${target.id}`, { token: caller.token }), 403, "FORBIDDEN");
    expectProblemShape(await api("PATCH", `/api/v1/users/${target.id}`, { token: caller.token, body: { role: "admin" } }), 403, "FORBIDDEN");
    expectProblemShape(await api("PATCH", `/api/v1/users/${caller.id}`, { token: caller.token, body: { role: "admin" } }), 403, "FORBIDDEN");
    expectProblemShape(await api("DELETE", `/api/v1/users/${target.id}`, { token: caller.token }), 403, "FORBIDDEN");
    expect(await userRow(target.email)).toMatchObject({ role: "agent", active: true });
    expect(await userRow(caller.email)).toMatchObject({ role });
  });

  it("refuses anonymous callers with 401", async () => {
    const target = await makeUser("agent");
    expectProblemShape(await api("GET", `/api/v1/users/${target.id}`), 401, "UNAUTHORIZED");
    expectProblemShape(await api("PATCH", `/api/v1/users/${target.id}`, { body: { name: "x" } }), 401, "UNAUTHORIZED");
    expectProblemShape(await api("DELETE", `/api/v1/users/${target.id}`), 401, "UNAUTHORIZED");
  });

  it("ignores a token_version or password_hash smuggled into a patch", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("agent");
    const res = await api("PATCH", `/api/v1/users/${u.id}`, { token: admin.token, body: { name: "Plain", token_version: 0, password_hash: "pbkdf2-sha256$1$AA$AA" } });
    expect(res.status).toBe(200);
    expect(await userRow(u.email)).toMatchObject({ name: "Plain", tokenVersion: 0 });
    expect((await login(u.email, PASSWORD)).status).toBe(200);
  });
});
