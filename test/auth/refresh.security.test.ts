import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { refreshTokens, users } from "../../src/db/schema";
import { randomToken, sha256Hex } from "../../src/lib/crypto";
import { newId } from "../../src/lib/ids";
import { api, db, makeUser, PASSWORD } from "../helpers";
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

/**
 * Issue 9 item 6: a refresh racing a password change must not come out of it with a working
 * session. The rotating statement checks that the token is not revoked and that the user's token
 * version is still the one the token was issued under; the token carries that version.
 */
describe("refresh racing a password change", () => {
  it("refuses a refresh token issued under an older token version (what a change committing mid-refresh leaves)", async () => {
    const user = await makeUser("customer");
    const session = await login(user.email, PASSWORD);
    expect(session.status).toBe(200);
    const [row] = await db().select().from(refreshTokens).where(eq(refreshTokens.tokenHash, await sha256Hex(session.body.refresh_token)));
    expect(row!.tokenVersion).toBe(0);
    // A password change bumped the version, and this token escaped its revocation (it was written just after it).
    await db().update(users).set({ tokenVersion: 1 }).where(eq(users.id, user.id));
    expectProblemShape(await refresh(session.body.refresh_token), 401, "UNAUTHORIZED");
  });

  it("never leaves a working refresh or access token when the two run at the same time", async () => {
    const admin = await makeUser("admin");
    const user = await makeUser("agent");
    // Either side may win any round; no round may leave a session behind.
    for (let i = 0; i < 8; i++) {
      const session = await login(user.email, i === 0 ? PASSWORD : `new-password-${i - 1}`);
      expect(session.status, JSON.stringify(session.body)).toBe(200);
      const [rotated, changed] = await Promise.all([
        refresh(session.body.refresh_token),
        api("PATCH", `/api/v1/users/${user.id}`, { token: admin.token, body: { password: `new-password-${i}` } }),
      ]);
      expect(changed.status).toBe(200);
      expectProblemShape(await refresh(session.body.refresh_token), 401, "UNAUTHORIZED");
      if (rotated.status === 200) {
        expectProblemShape(await refresh(rotated.body.refresh_token), 401, "UNAUTHORIZED");
        expectProblemShape(await api("GET", "/api/v1/auth/me", { token: rotated.body.access_token }), 401, "UNAUTHORIZED");
      } else expectProblemShape(rotated, 401, "UNAUTHORIZED");
    }
  });
});
