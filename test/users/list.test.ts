import { describe, expect, it } from "vitest";
import { api, makeUser } from "../helpers";
import { expectNoSecrets, expectProblemShape } from "../auth/support";

const run = crypto.randomUUID().slice(0, 6);

async function createAs(adminToken: string, role: string, name: string, email: string) {
  const res = await api("POST", "/api/v1/users", { token: adminToken, body: { name, email, password: "initial-password", role } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe("GET /api/v1/users: happy path", () => {
  it.each(["agent", "manager", "admin"] as const)("lets a %s list users, filtered by role and q", async (role) => {
    const admin = await makeUser("admin");
    const caller = await makeUser(role);
    const tag = `${run}${role}`;
    const target = await createAs(admin.token, "agent", `Quinn ${tag}`, `quinn.${tag}@example.test`);
    await createAs(admin.token, "customer", `Quinn ${tag}`, `quinn.cust.${tag}@example.test`);
    const res = await api("GET", `/api/v1/users?role=agent&q=${encodeURIComponent(`Quinn ${tag}`)}`, { token: caller.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ data: [target], next_cursor: null });
    expectNoSecrets(res.body);
  });

  it("matches q as an email prefix (any case) or a name substring", async () => {
    const admin = await makeUser("admin");
    const u = await createAs(admin.token, "agent", `Robin ${run} Hood`, `robin.${run}@sherwood.test`);
    for (const q of [`ROBIN.${run}`, `${run} hood`, `robin ${run}`]) {
      const res = await api("GET", `/api/v1/users?q=${encodeURIComponent(q)}`, { token: admin.token });
      expect(res.body.data.map((x: any) => x.id), q).toEqual([u.id]);
    }
    const none = await api("GET", `/api/v1/users?q=${encodeURIComponent(`sherwood.test-${run}`)}`, { token: admin.token });
    expect(none.body.data).toEqual([]);
  });

  it("treats % and _ in q as plain characters", async () => {
    const admin = await makeUser("admin");
    const under = await createAs(admin.token, "agent", `under_score ${run}`, `under_score.${run}@example.test`);
    await createAs(admin.token, "agent", `underXscore ${run}`, `underxscore.${run}@example.test`);
    const res = await api("GET", `/api/v1/users?q=${encodeURIComponent(`under_score.${run}`)}`, { token: admin.token });
    expect(res.body.data.map((x: any) => x.id)).toEqual([under.id]);
    const byName = await api("GET", `/api/v1/users?q=${encodeURIComponent(`under_score ${run}`)}`, { token: admin.token });
    expect(byName.body.data.map((x: any) => x.id)).toEqual([under.id]);
    const percent = await api("GET", `/api/v1/users?q=${encodeURIComponent("%")}`, { token: admin.token });
    expect(percent.status).toBe(200);
    expect(percent.body.data).toEqual([]);
  });

  it("pages newest first with cursors that neither overlap nor skip", async () => {
    const admin = await makeUser("admin");
    const made = [];
    for (let i = 0; i < 7; i++) made.push(await createAs(admin.token, "manager", `Pager ${run} ${i}`, `pager${i}.${run}@example.test`));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await api("GET", `/api/v1/users?role=manager&q=pager&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: admin.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.data.map((u: any) => u.id));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(made.map((u) => u.id).reverse());
  });

  it("takes a comma list of roles: the staff of every role, newest first, paged without overlap or skip", async () => {
    const admin = await makeUser("admin");
    const made = [];
    for (const [i, role] of (["agent", "customer", "manager", "admin", "agent", "customer", "manager"] as const).entries()) {
      made.push(await createAs(admin.token, role, `Crew ${run} ${i}`, `crew${i}.${run}@example.test`));
    }
    const staff = made.filter((u) => u.role !== "customer").reverse();
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await api("GET", `/api/v1/users?role=agent,manager,admin&q=${encodeURIComponent(`crew ${run}`)}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: admin.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.map((u) => u.id)).toEqual(staff.map((u) => u.id));
    expect(pages).toBe(3);
    // A role named twice counts once.
    const twice = await api("GET", `/api/v1/users?role=manager,manager&q=${encodeURIComponent(`crew ${run}`)}`, { token: admin.token });
    expect(twice.body.data.map((u: any) => u.id)).toEqual(staff.filter((u) => u.role === "manager").map((u) => u.id));
  });

  it("ignores unknown query parameters and defaults to 25 a page", async () => {
    const admin = await makeUser("admin");
    const res = await api("GET", "/api/v1/users?sort=evil&offset=5&page=2", { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(25);
  });
});

describe("GET /api/v1/users: errors", () => {
  it.each(["0", "101", "abc", "-1", "2.5", ""])("answers 400 to limit=%j", async (limit) => {
    const admin = await makeUser("admin");
    const res = await api("GET", `/api/v1/users?limit=${limit}`, { token: admin.token });
    expectProblemShape(res, 400, "VALIDATION_ERROR");
    expect(res.body.errors.limit).toBeDefined();
  });

  it("accepts limit 1 and 100", async () => {
    const admin = await makeUser("admin");
    expect((await api("GET", "/api/v1/users?limit=1", { token: admin.token })).body.data).toHaveLength(1);
    expect((await api("GET", "/api/v1/users?limit=100", { token: admin.token })).status).toBe(200);
  });

  it.each(["root", "agent,root", ",", "agent,manager,admin,customer,agent"])("answers 400 to role=%j", async (role) => {
    const admin = await makeUser("admin");
    expectProblemShape(await api("GET", `/api/v1/users?role=${encodeURIComponent(role)}`, { token: admin.token }), 400, "VALIDATION_ERROR");
  });

  it("answers 400 to a tampered, truncated or foreign cursor", async () => {
    const admin = await makeUser("admin");
    await createAs(admin.token, "agent", "Cursor One", `cursor1.${run}@example.test`);
    await createAs(admin.token, "agent", "Cursor Two", `cursor2.${run}@example.test`);
    const page = await api("GET", "/api/v1/users?limit=1", { token: admin.token });
    const cursor: string = page.body.next_cursor;
    expect(cursor).toEqual(expect.any(String));
    const [body, sig] = cursor.split(".");
    const forged = btoa(JSON.stringify({ s: "users:-created_at", k: "9999-12-31T00:00:00.000Z", id: "zzzz" })).replace(/=+$/, "");
    const audit = await api("GET", "/api/v1/audit-logs?limit=1", { token: admin.token });
    expect(audit.body.next_cursor).toEqual(expect.any(String));
    for (const bad of [
      `${body}x.${sig}`,
      // Two characters of the MAC changed (a MAC that already ends in "AA" is changed otherwise: 1 in 256).
      `${body}.${sig!.slice(0, -2)}${sig!.endsWith("AA") ? "QA" : "AA"}`,
      body!,
      `${forged}.${sig}`,
      "garbage",
      `${cursor}.extra`,
      audit.body.next_cursor,
    ]) {
      const res = await api("GET", `/api/v1/users?limit=1&cursor=${encodeURIComponent(bad)}`, { token: admin.token });
      expectProblemShape(res, 400, "VALIDATION_ERROR");
    }
  });
});

describe("GET /api/v1/users: security", () => {
  it("refuses a customer with 403 and an anonymous caller with 401", async () => {
    const customer = await makeUser("customer");
    expectProblemShape(await api("GET", "/api/v1/users", { token: customer.token }), 403, "FORBIDDEN");
    expectProblemShape(await api("GET", "/api/v1/users"), 401, "UNAUTHORIZED");
  });
});
