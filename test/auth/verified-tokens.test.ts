import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import type { Bindings } from "../../src/env";
import { verifyAccessToken } from "../../src/features/auth/tokens";
import { api, db, makeUser } from "../helpers";
import { expectProblemShape, forgeToken, me } from "./support";

/**
 * A token's signature is checked once per isolate and remembered until it expires
 * (features/auth/tokens.ts, issue 15 item 3): what the caller may do is still decided on every
 * request, from their row and the token's expiry.
 */
describe("access tokens verified before", () => {
  it("are refused once they expire, though they were accepted a moment before", async () => {
    const u = await makeUser("customer");
    const token = await forgeToken({ sub: u.id, role: "customer", tv: 0 }, { expSecondsFromNow: 2 });
    expect((await me(token)).status).toBe(200);
    expect((await me(token)).status).toBe(200);
    // Past its exp (whole seconds): refused, as a token never seen before would be.
    await new Promise((r) => setTimeout(r, 3_100));
    expectProblemShape(await me(token), 401, "UNAUTHORIZED");
  });

  it("are refused at once when the user is deactivated or their sessions revoked, and for a deleted user", async () => {
    const a = await makeUser("agent");
    const b = await makeUser("customer");
    const c = await makeUser("customer");
    for (const u of [a, b, c]) expect((await me(u.token)).status).toBe(200);
    await db().update(users).set({ active: false }).where(eq(users.id, a.id));
    await db().update(users).set({ tokenVersion: 1 }).where(eq(users.id, b.id));
    await db().delete(users).where(eq(users.id, c.id));
    for (const u of [a, b, c]) expectProblemShape(await me(u.token), 401, "UNAUTHORIZED");
    // A write too: nothing is made for a caller who no longer passes.
    expectProblemShape(await api("POST", "/api/v1/tickets", { token: b.token, body: { subject: "after revoke", description: "d" } }), 401, "UNAUTHORIZED");
  });

  it("keep no role of their own: a demoted agent's old token is refused (the role change revokes it)", async () => {
    const admin = await makeUser("admin");
    const agent = await makeUser("agent");
    expect((await api("GET", "/api/v1/tickets", { token: agent.token })).status).toBe(200);
    expect((await api("PATCH", `/api/v1/users/${agent.id}`, { token: admin.token, body: { role: "customer" } })).status).toBe(200);
    expectProblemShape(await api("GET", "/api/v1/tickets", { token: agent.token }), 401, "UNAUTHORIZED");
  });

  it("are checked again under another secret, issuer or audience (a rotation): a remembered token is not accepted by a setting it was not verified under", async () => {
    const u = await makeUser("customer");
    const base = env as unknown as Bindings;
    expect(await verifyAccessToken(base, u.token)).toMatchObject({ sub: u.id });
    expect(await verifyAccessToken({ ...base, JWT_SECRET: `${base.JWT_SECRET}-rotated` }, u.token)).toBeNull();
    expect(await verifyAccessToken({ ...base, JWT_ISSUER: `${base.JWT_ISSUER}-other` }, u.token)).toBeNull();
    expect(await verifyAccessToken({ ...base, JWT_AUDIENCE: `${base.JWT_AUDIENCE}-other` }, u.token)).toBeNull();
    // And the original setting still accepts it.
    expect(await verifyAccessToken(base, u.token)).toMatchObject({ sub: u.id });
  });
});
