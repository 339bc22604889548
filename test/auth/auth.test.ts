import { describe, expect, it } from "vitest";
import { api, expectProblem, makeUser, PASSWORD } from "../helpers";

describe("auth smoke", () => {
  it("registers, logs in, refreshes, and reads me", async () => {
    const reg = await api("POST", "/api/v1/auth/register", { body: { name: "Ann", email: "Ann@Example.com", password: "longpassword" } });
    expect(reg.status).toBe(201);
    expect(reg.body.user).toMatchObject({ email: "ann@example.com", role: "customer", active: true });
    expect(reg.body.user.password_hash).toBeUndefined();
    const me = await api("GET", "/api/v1/auth/me", { token: reg.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe("ann@example.com");
    const login = await api("POST", "/api/v1/auth/login", { body: { email: "ANN@example.com", password: "longpassword" } });
    expect(login.status).toBe(200);
    const r1 = await api("POST", "/api/v1/auth/refresh", { body: { refresh_token: login.body.refresh_token } });
    expect(r1.status).toBe(200);
    const reuse = await api("POST", "/api/v1/auth/refresh", { body: { refresh_token: login.body.refresh_token } });
    expectProblem(reuse, 401, "UNAUTHORIZED");
    const r2 = await api("POST", "/api/v1/auth/refresh", { body: { refresh_token: r1.body.refresh_token } });
    expectProblem(r2, 401, "UNAUTHORIZED");
  });

  it("logs a seeded user in", async () => {
    const u = await makeUser("agent");
    const login = await api("POST", "/api/v1/auth/login", { body: { email: u.email, password: PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.headers.get("ratelimit-limit")).toBe("10");
  });
});
