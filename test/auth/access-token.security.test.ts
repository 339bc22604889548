import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { base64url, decodeJwt, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { api, db, makeUser, PASSWORD } from "../helpers";
import { expectProblemShape, forgeToken, login, me } from "./support";

const expect401 = async (token: string | undefined, headers: Record<string, string> = {}) =>
  expectProblemShape(await api("GET", "/api/v1/auth/me", { token, headers }), 401, "UNAUTHORIZED");

describe("access tokens: security", () => {
  it("accepts a token we forge exactly like the server does (the control for the cases below)", async () => {
    const u = await makeUser("customer");
    expect((await me(await forgeToken({ sub: u.id, role: "customer", tv: 0 }))).status).toBe(200);
  });

  it("refuses requests without a usable Authorization header", async () => {
    const u = await makeUser("customer");
    await expect401(undefined);
    await expect401(undefined, { authorization: "Bearer" });
    await expect401(undefined, { authorization: `Basic ${btoa(`${u.email}:${PASSWORD}`)}` });
    await expect401(undefined, { authorization: `Token ${u.token}` });
    await expect401(undefined, { authorization: `Bearer ${u.token} extra` });
    await expect401("not.a.jwt");
    await expect401("garbage");
  });

  it("reads the token from the Authorization header only, whatever the scheme's case", async () => {
    const u = await makeUser("customer");
    expect((await api("GET", "/api/v1/auth/me", { headers: { authorization: `bearer ${u.token}` } })).status).toBe(200);
    // Tokens in URLs end up in logs and Referer headers: REST routes never read them there.
    expectProblemShape(await api("GET", `/api/v1/auth/me?access_token=${u.token}`), 401, "UNAUTHORIZED");
    expectProblemShape(await api("GET", `/api/v1/users?access_token=${u.token}`), 401, "UNAUTHORIZED");
  });

  it("refuses an expired token", async () => {
    const u = await makeUser("customer");
    await expect401(await forgeToken({ sub: u.id, role: "customer", tv: 0 }, { expSecondsFromNow: -1 }));
  });

  it('refuses alg "none"', async () => {
    const u = await makeUser("admin");
    const unsigned = new UnsecuredJWT({ sub: u.id, role: "admin", tv: 0 })
      .setIssuer(env.JWT_ISSUER)
      .setAudience(env.JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime("10m")
      .encode();
    await expect401(unsigned);
    // The same with a dangling signature segment.
    await expect401(`${unsigned}${base64url.encode("sig")}`);
  });

  it("refuses HS512 and HS384 signed with the right secret (the algorithm is pinned)", async () => {
    const u = await makeUser("customer");
    await expect401(await forgeToken({ sub: u.id, role: "customer", tv: 0 }, { alg: "HS512" }));
    await expect401(await forgeToken({ sub: u.id, role: "customer", tv: 0 }, { alg: "HS384" }));
  });

  it("refuses a token signed with another secret", async () => {
    const u = await makeUser("customer");
    await expect401(await forgeToken({ sub: u.id, role: "customer", tv: 0 }, { secret: "another-secret-another-secret-another-secret" }));
  });

  it("refuses a wrong issuer or audience", async () => {
    const u = await makeUser("customer");
    await expect401(await forgeToken({ sub: u.id, role: "customer", tv: 0 }, { iss: "someone-else" }));
    await expect401(await forgeToken({ sub: u.id, role: "customer", tv: 0 }, { aud: "another-api" }));
  });

  it("refuses a tampered payload (customer promoted to admin, signature kept)", async () => {
    const u = await makeUser("customer");
    const [header, , signature] = u.token.split(".");
    const payload = { ...decodeJwt(u.token), role: "admin" };
    const tampered = `${header}.${base64url.encode(JSON.stringify(payload))}.${signature}`;
    await expect401(tampered);
    expectProblemShape(await api("GET", "/api/v1/users", { token: tampered }), 401, "UNAUTHORIZED");
  });

  it("refuses tokens missing the subject or the token version", async () => {
    const u = await makeUser("customer");
    await expect401(await forgeToken({ role: "customer", tv: 0 }));
    await expect401(await forgeToken({ sub: u.id, role: "customer" }));
    await expect401(await forgeToken({ sub: u.id, role: "customer", tv: "0" }));
    await expect401(await forgeToken({ sub: u.id, role: "root", tv: 0 }));
  });

  it("takes the role from the database, not from a (validly signed) claim", async () => {
    const u = await makeUser("customer");
    const token = await forgeToken({ sub: u.id, role: "admin", tv: 0 });
    expectProblemShape(await api("GET", "/api/v1/users", { token }), 403, "FORBIDDEN");
    expect((await me(token)).body.role).toBe("customer");
  });

  it("refuses the token of a user who no longer exists", async () => {
    const u = await makeUser("agent");
    await db().delete(users).where(eq(users.id, u.id));
    await expect401(u.token);
  });

  it("refuses the token of a deactivated user at once", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("agent");
    expect((await me(u.token)).status).toBe(200);
    expect((await api("DELETE", `/api/v1/users/${u.id}`, { token: admin.token })).status).toBe(204);
    await expect401(u.token);
    expectProblemShape(await api("GET", "/api/v1/tickets", { token: u.token }), 401, "UNAUTHORIZED");
  });

  it("refuses tokens issued before a password change (stale token version), and accepts the new login", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("manager");
    const session = await login(u.email, PASSWORD);
    expect((await api("PATCH", `/api/v1/users/${u.id}`, { token: admin.token, body: { password: "a-whole-new-password" } })).status).toBe(200);
    await expect401(u.token);
    await expect401(session.body.access_token);
    expect((await login(u.email, PASSWORD)).status).toBe(401);
    const fresh = await login(u.email, "a-whole-new-password");
    expect(fresh.status).toBe(200);
    expect((await me(fresh.body.access_token)).status).toBe(200);
  });

  it("refuses tokens issued before a role change", async () => {
    const admin = await makeUser("admin");
    const u = await makeUser("agent");
    expect((await api("PATCH", `/api/v1/users/${u.id}`, { token: admin.token, body: { role: "customer" } })).status).toBe(200);
    await expect401(u.token);
  });
});
