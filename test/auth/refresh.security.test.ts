import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { refreshTokens } from "../../src/db/schema";
import { randomToken, sha256Hex } from "../../src/lib/crypto";
import { newId } from "../../src/lib/ids";
import { api, db, makeUser } from "../helpers";
import { expectProblemShape, login, rawCall, refresh, registerCustomer } from "./support";

describe("refresh token rotation: security", () => {
  it("stops the old token working once rotated", async () => {
    const c = await registerCustomer();
    expect((await refresh(c.refresh_token)).status).toBe(200);
    expectProblemShape(await refresh(c.refresh_token), 401, "UNAUTHORIZED");
  });

  it("revokes the whole family, newest token included, when a rotated token is presented again", async () => {
    const c = await registerCustomer();
    const second = await refresh(c.refresh_token);
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(200);
    // The thief replays the first token: everyone in that family is signed out.
    expectProblemShape(await refresh(c.refresh_token), 401, "UNAUTHORIZED");
    expectProblemShape(await refresh(third.body.refresh_token), 401, "UNAUTHORIZED");
    const rows = await db().select().from(refreshTokens).where(eq(refreshTokens.userId, c.user.id));
    expect(rows.length).toBe(3);
    expect(rows.every((r) => r.revokedAt)).toBe(true);
  });

  it("leaves the user's other sessions alone when one family is revoked", async () => {
    const c = await registerCustomer();
    const laptop = await login(c.email, c.password);
    await refresh(c.refresh_token);
    await refresh(c.refresh_token); // reuse: revokes the register session's family
    expect((await refresh(laptop.body.refresh_token)).status).toBe(200);
  });

  it("lets at most one of two concurrent refreshes with the same token win", async () => {
    const c = await registerCustomer();
    const results = await Promise.all([refresh(c.refresh_token), refresh(c.refresh_token)]);
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    for (const r of results) if (r.status !== 200) expectProblemShape(r, 401, "UNAUTHORIZED");
  });

  it("refuses an expired refresh token", async () => {
    const u = await makeUser("customer");
    const token = randomToken(32);
    const past = new Date(Date.now() - 1000).toISOString();
    await db()
      .insert(refreshTokens)
      .values({ id: newId(), userId: u.id, familyId: newId(), tokenHash: await sha256Hex(token), expiresAt: past, createdAt: past });
    expectProblemShape(await refresh(token), 401, "UNAUTHORIZED");
  });

  it("stores only a hash of the refresh token", async () => {
    const c = await registerCustomer();
    const rows = await db().select().from(refreshTokens).where(eq(refreshTokens.userId, c.user.id));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(c.refresh_token);
    expect(rows[0]!.tokenHash).toBe(await sha256Hex(c.refresh_token));
    const thirtyDays = Date.parse(rows[0]!.expiresAt) - Date.parse(rows[0]!.createdAt);
    expect(thirtyDays).toBe(30 * 86_400_000);
  });

  it.each([
    ["a garbage token", "garbage"],
    ["an access token", "ACCESS"],
    ["a token of the right shape that was never issued", "A".repeat(43)],
  ])("refuses %s with the same 401 body as a wrong password", async (_label, token) => {
    const c = await registerCustomer();
    const wrongPassword = await rawCall("POST", "/api/v1/auth/login", { email: c.email, password: "wrong-password" });
    const res = await rawCall("POST", "/api/v1/auth/refresh", { refresh_token: token === "ACCESS" ? c.access_token : token });
    expect(res.status).toBe(401);
    expect(res.text).toBe(wrongPassword.text);
  });

  it.each([
    ["an empty token", { refresh_token: "" }],
    ["a token over 512 characters", { refresh_token: "a".repeat(513) }],
    ["no token", {}],
    ["a numeric token", { refresh_token: 42 }],
  ])("answers 400 to %s", async (_label, body) => {
    expectProblemShape(await api("POST", "/api/v1/auth/refresh", { body }), 400, "VALIDATION_ERROR");
    expectProblemShape(await api("POST", "/api/v1/auth/logout", { body }), 400, "VALIDATION_ERROR");
  });

  it("refuses to refresh for a user whose password an admin changed", async () => {
    const admin = await makeUser("admin");
    const c = await registerCustomer();
    const res = await api("PATCH", `/api/v1/users/${c.user.id}`, { token: admin.token, body: { password: "brand-new-password" } });
    expect(res.status).toBe(200);
    expectProblemShape(await refresh(c.refresh_token), 401, "UNAUTHORIZED");
    expect((await login(c.email, "brand-new-password")).status).toBe(200);
  });
});
