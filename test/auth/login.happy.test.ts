import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { makeUser, PASSWORD } from "../helpers";
import { login, me, refresh, registerCustomer, uniqueIp } from "./support";

describe("POST /api/v1/auth/login: happy path", () => {
  it("answers the same shape as register, matching the email case-insensitively", async () => {
    const c = await registerCustomer();
    const res = await login(`  ${c.email.toUpperCase()}  `, c.password);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(["access_token", "expires_in", "refresh_token", "token_type", "user"]);
    expect(res.body).toMatchObject({ token_type: "Bearer", expires_in: 900, user: c.user });
    expect((await me(res.body.access_token)).body).toEqual(c.user);
  });

  it.each(["customer", "agent", "manager", "admin"] as const)("signs in a %s with their role in the token", async (role) => {
    const u = await makeUser(role);
    const res = await login(u.email, PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: u.id, role });
    expect(decodeJwt(res.body.access_token)).toMatchObject({ sub: u.id, role });
  });

  it("starts an independent session each time", async () => {
    const c = await registerCustomer();
    const a = await login(c.email, c.password);
    const b = await login(c.email, c.password);
    expect(a.body.refresh_token).not.toBe(b.body.refresh_token);
    expect((await refresh(a.body.refresh_token)).status).toBe(200);
    expect((await refresh(b.body.refresh_token)).status).toBe(200);
  });

  it("carries RateLimit-Limit, -Remaining and -Reset on a success", async () => {
    const c = await registerCustomer();
    const res = await login(c.email, c.password, { "cf-connecting-ip": uniqueIp() });
    expect(res.headers.get("ratelimit-limit")).toBe("10");
    expect(res.headers.get("ratelimit-remaining")).toBe("10");
    const reset = Number(res.headers.get("ratelimit-reset"));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(900);
  });

  it("does not count successful sign-ins against the limit", async () => {
    const c = await registerCustomer();
    const ip = uniqueIp();
    for (let i = 0; i < 12; i++) {
      const res = await login(c.email, c.password, { "cf-connecting-ip": ip });
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit-remaining")).toBe("10");
    }
  });
});
