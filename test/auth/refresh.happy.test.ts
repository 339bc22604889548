import { describe, expect, it } from "vitest";
import { api } from "../helpers";
import { me, refresh, registerCustomer } from "./support";

describe("POST /api/v1/auth/refresh and /logout: happy path", () => {
  it("rotates a refresh token into a new pair, again and again", async () => {
    const c = await registerCustomer();
    let token = c.refresh_token;
    for (let i = 0; i < 3; i++) {
      const res = await refresh(token);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(["access_token", "expires_in", "refresh_token", "token_type", "user"]);
      expect(res.body).toMatchObject({ token_type: "Bearer", expires_in: 900, user: c.user });
      expect(res.body.refresh_token).not.toBe(token);
      expect((await me(res.body.access_token)).status).toBe(200);
      token = res.body.refresh_token;
    }
  });

  it("logs out with 204, after which the token no longer refreshes", async () => {
    const c = await registerCustomer();
    const out = await api("POST", "/api/v1/auth/logout", { body: { refresh_token: c.refresh_token } });
    expect(out.status).toBe(204);
    expect(out.body).toBeNull();
    expect((await refresh(c.refresh_token)).status).toBe(401);
  });

  it("logs out the whole session, including tokens rotated from the one presented", async () => {
    const c = await registerCustomer();
    const next = await refresh(c.refresh_token);
    expect((await api("POST", "/api/v1/auth/logout", { body: { refresh_token: next.body.refresh_token } })).status).toBe(204);
    expect((await refresh(next.body.refresh_token)).status).toBe(401);
  });

  it("accepts logout with a bearer token too, and logs out only that session", async () => {
    const c = await registerCustomer();
    const other = await api("POST", "/api/v1/auth/login", { body: { email: c.email, password: c.password } });
    const out = await api("POST", "/api/v1/auth/logout", { token: c.access_token, body: { refresh_token: c.refresh_token } });
    expect(out.status).toBe(204);
    expect((await refresh(c.refresh_token)).status).toBe(401);
    expect((await refresh(other.body.refresh_token)).status).toBe(200);
  });

  it("answers 204 to logout with an unknown or already used token", async () => {
    const c = await registerCustomer();
    for (const token of ["never-issued-token", c.refresh_token, c.refresh_token]) {
      expect((await api("POST", "/api/v1/auth/logout", { body: { refresh_token: token } })).status).toBe(204);
    }
  });
});
