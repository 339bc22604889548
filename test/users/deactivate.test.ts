import { describe, expect, it } from "vitest";
import { api, makeUser, PASSWORD } from "../helpers";
import { auditRowsFor, expectProblemShape, login, rawCall, uniqueIp, userRow } from "../auth/support";

describe("DELETE /api/v1/users/{id} (deactivate)", () => {
  it("answers 204, keeps the user readable as inactive, and audits it", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("agent");
    const res = await api("DELETE", `/api/v1/users/${u.id}`, { token: admin.token });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    expect((await api("GET", `/api/v1/users/${u.id}`, { token: admin.token })).body).toMatchObject({ id: u.id, active: false });
    const rows = await auditRowsFor(u.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorId: admin.id, entityType: "user", changes: { active: [true, false] } });
  });

  it("refuses at once: login (same body as a wrong password), refresh, and outstanding access tokens", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("manager");
    const session = await login(u.email, PASSWORD);
    expect(session.status).toBe(200);
    const wrongPassword = await rawCall("POST", "/api/v1/auth/login", { email: u.email, password: "not-the-password" }, { "cf-connecting-ip": uniqueIp() });

    expect((await api("DELETE", `/api/v1/users/${u.id}`, { token: admin.token })).status).toBe(204);

    const relogin = await rawCall("POST", "/api/v1/auth/login", { email: u.email, password: PASSWORD }, { "cf-connecting-ip": uniqueIp() });
    expect(relogin.status).toBe(401);
    expect(relogin.text).toBe(wrongPassword.text);
    const refreshed = await rawCall("POST", "/api/v1/auth/refresh", { refresh_token: session.body.refresh_token });
    expect(refreshed.status).toBe(401);
    expect(refreshed.text).toBe(wrongPassword.text);
    expectProblemShape(await api("GET", "/api/v1/auth/me", { token: session.body.access_token }), 401, "UNAUTHORIZED");
    expectProblemShape(await api("GET", "/api/v1/tickets", { token: u.token }), 401, "UNAUTHORIZED");
  });

  it("is idempotent: deactivating an inactive user answers 204 again", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("customer");
    expect((await api("DELETE", `/api/v1/users/${u.id}`, { token: admin.token })).status).toBe(204);
    expect((await api("DELETE", `/api/v1/users/${u.id}`, { token: admin.token })).status).toBe(204);
    expect(await userRow(u.email)).toMatchObject({ active: false });
  });

  it("lets an admin deactivate another admin, who is then locked out", async () => {
    const admin = await makeUser("admin");
    const other = await makeUser("admin");
    expect((await api("DELETE", `/api/v1/users/${other.id}`, { token: admin.token })).status).toBe(204);
    expectProblemShape(await api("GET", "/api/v1/users", { token: other.token }), 401, "UNAUTHORIZED");
  });
});
