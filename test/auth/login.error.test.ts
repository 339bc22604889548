import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { api, db, makeUser, PASSWORD } from "../helpers";
import { expectProblemShape, login, rawCall, registerCustomer, uniqueEmail, uniqueIp } from "./support";

const attempt = (email: string, password: string) =>
  rawCall("POST", "/api/v1/auth/login", { email, password }, { "cf-connecting-ip": uniqueIp() });

describe("POST /api/v1/auth/login: errors", () => {
  it("gives byte-identical 401 bodies for an unknown email and a wrong password", async () => {
    const c = await registerCustomer();
    const unknown = await attempt(uniqueEmail("nobody"), c.password);
    const wrong = await attempt(c.email, "wrong-password");
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
    expect(unknown.headers.get("content-type")).toBe(wrong.headers.get("content-type"));
    expect(JSON.parse(wrong.text)).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
  });

  it("refuses a deactivated user with the correct password, with the same body", async () => {
    const admin = await makeUser("admin");
    const agent = await makeUser("agent");
    const wrong = await attempt(agent.email, "wrong-password");
    expect((await api("DELETE", `/api/v1/users/${agent.id}`, { token: admin.token })).status).toBe(204);
    const deactivated = await attempt(agent.email, PASSWORD);
    expect(deactivated.status).toBe(401);
    expect(deactivated.text).toBe(wrong.text);
  });

  it("refuses an account without a password (created from mail) with the same body", async () => {
    const u = await makeUser("customer");
    await db().update(users).set({ passwordHash: null }).where(eq(users.id, u.id));
    const wrong = await attempt(uniqueEmail("ghost"), "whatever-password");
    const noPassword = await attempt(u.email, "whatever-password");
    expect(noPassword.status).toBe(401);
    expect(noPassword.text).toBe(wrong.text);
  });

  it("carries the rate-limit headers on a failure", async () => {
    const c = await registerCustomer();
    const res = await login(c.email, "wrong-password", { "cf-connecting-ip": uniqueIp() });
    expectProblemShape(res, 401, "UNAUTHORIZED");
    expect(res.headers.get("ratelimit-limit")).toBe("10");
    expect(res.headers.get("ratelimit-remaining")).toBe("9");
    expect(Number(res.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
  });

  it.each([
    ["no password", { email: "a@example.test" }],
    ["an empty password", { email: "a@example.test", password: "" }],
    ["a password over 256 characters", { email: "a@example.test", password: "p".repeat(257) }],
    ["no email", { password: "longpassword" }],
    ["a numeric email", { email: 1, password: "longpassword" }],
  ])("answers 400 to %s", async (_label, body) => {
    const res = await api("POST", "/api/v1/auth/login", { body });
    expectProblemShape(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors).toBeTypeOf("object");
  });
});
