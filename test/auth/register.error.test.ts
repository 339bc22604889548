import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { api, db } from "../helpers";
import { expectProblemShape, register, uniqueEmail, userRow } from "./support";

const countUsers = async () => (await db().select({ n: sql<number>`count(*)` }).from(users))[0]!.n;

describe("POST /api/v1/auth/register: errors", () => {
  it("names every missing field", async () => {
    const res = await register({});
    expectProblemShape(res, 400, "VALIDATION_ERROR");
    expect(Object.keys(res.body.errors).sort()).toEqual(["email", "name", "password"]);
  });

  it.each(["not-an-email", "a@", "@example.test", "a b@example.test", `${"x".repeat(250)}@example.test`, ""])(
    "refuses the email %j with errors.email",
    async (email) => {
      const before = await countUsers();
      const res = await register({ name: "X", email, password: "longpassword" });
      expectProblemShape(res, 400, "VALIDATION_ERROR");
      expect(res.body.errors.email).toEqual([expect.any(String)]);
      expect(await countUsers()).toBe(before);
    },
  );

  it.each([
    ["7 characters", "1234567"],
    ["257 characters", "p".repeat(257)],
    ["empty", ""],
  ])("refuses a password of %s with errors.password and creates nothing", async (_label, password) => {
    const email = uniqueEmail();
    const res = await register({ name: "X", email, password });
    expectProblemShape(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors.password).toEqual([expect.any(String)]);
    expect(await userRow(email)).toBeUndefined();
  });

  it.each([
    ["a blank name", { name: "   " }],
    ["a name over 200 characters", { name: "n".repeat(201) }],
    ["a numeric email", { email: 12345 }],
    ["a password that is not a string", { password: 12345678 }],
  ])("refuses %s", async (_label, patch) => {
    const res = await register({ name: "X", email: uniqueEmail(), password: "longpassword", ...patch });
    expectProblemShape(res, 400, "VALIDATION_ERROR");
  });

  it.each([["an array", "[]"], ["null", "null"], ["a string", '"hello"'], ["a number", "42"]])("refuses a body that is %s", async (_l, raw) => {
    const res = await api("POST", "/api/v1/auth/register", { raw, headers: { "content-type": "application/json" } });
    expectProblemShape(res, 400, "VALIDATION_ERROR");
  });

  it("answers 409 for an email already registered, whatever its case, and keeps the first account", async () => {
    const email = uniqueEmail("dup");
    const first = await register({ name: "First", email, password: "longpassword" });
    expect(first.status).toBe(201);
    for (const variant of [email, email.toUpperCase(), ` ${email.replace(/^./, (c) => c.toUpperCase())} `]) {
      const again = await register({ name: "Second", email: variant, password: "otherpassword" });
      expectProblemShape(again, 409, "CONFLICT");
      expect(again.headers.get("ratelimit-limit")).toBe("10");
    }
    const rows = await db().select().from(users).where(eq(users.email, email));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toBe("First");
  });
});
