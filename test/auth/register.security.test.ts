import { describe, expect, it } from "vitest";
import { api } from "../helpers";
import { auditRowsFor, expectNoSecrets, expectProblemShape, login, register, uniqueEmail, uniqueIp, userRow } from "./support";

describe("POST /api/v1/auth/register: security", () => {
  it.each(["admin", "agent", "manager", "Admin", "superuser", ""])("refuses role %j with 403 and creates nothing", async (role) => {
    const email = uniqueEmail("climber");
    const res = await register({ name: "Mallory", email, password: "longpassword", role });
    expectProblemShape(res, 403, "FORBIDDEN");
    expect(await userRow(email)).toBeUndefined();
    // The refusal leaves no trace: the same address can still sign up as a customer.
    const ok = await register({ name: "Mallory", email, password: "longpassword" });
    expect(ok.status).toBe(201);
    expect(ok.body.user.role).toBe("customer");
  });

  it("ignores other privilege-looking fields", async () => {
    const email = uniqueEmail("sneaky");
    const res = await register({
      name: "Sneaky",
      email,
      password: "longpassword",
      id: "chosen-id",
      is_admin: true,
      isAdmin: true,
      admin: true,
      active: false,
      token_version: 99,
      tokenVersion: 99,
      password_hash: "pbkdf2-sha256$1$AAAA$AAAA",
      passwordHash: "pbkdf2-sha256$1$AAAA$AAAA",
      created_at: "2000-01-01T00:00:00.000Z",
      permissions: ["users.manage"],
    });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ role: "customer", active: true });
    expect(res.body.user.id).not.toBe("chosen-id");
    expect(res.body.user.created_at).not.toBe("2000-01-01T00:00:00.000Z");
    const row = await userRow(email);
    expect(row).toMatchObject({ role: "customer", active: true, tokenVersion: 0 });
    expect(row!.passwordHash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect((await login(email, "longpassword")).status).toBe(200);
    const users = await api("GET", "/api/v1/users", { token: res.body.access_token });
    expectProblemShape(users, 403, "FORBIDDEN");
  });

  it("never returns a password hash or token version, from register, login, refresh or me", async () => {
    const email = uniqueEmail();
    const reg = await register({ name: "Hal", email, password: "longpassword" });
    const log = await login(email, "longpassword");
    const ref = await api("POST", "/api/v1/auth/refresh", { body: { refresh_token: log.body.refresh_token } });
    const who = await api("GET", "/api/v1/auth/me", { token: ref.body.access_token });
    for (const res of [reg, log, ref, who]) {
      expect(res.status).toBeLessThan(300);
      expectNoSecrets(res.body);
    }
  });

  it("audits the registration with the new user as actor, without the password", async () => {
    const email = uniqueEmail();
    const ip = uniqueIp();
    const res = await register({ name: "Ida", email, password: "audited-password" }, { "cf-connecting-ip": ip, "user-agent": "RegTest/1.0" });
    const rows = await auditRowsFor(res.body.user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: "user.registered", actorId: res.body.user.id, entityType: "user", ip, userAgent: "RegTest/1.0" });
    expect(JSON.stringify(rows[0])).not.toMatch(/audited-password|pbkdf2/);
  });

  it("limits registrations per IP per minute (429 with Retry-After), and not other IPs", async () => {
    const ip = uniqueIp();
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof register>> | undefined;
    // Every attempt from the IP counts, successful or not; a window boundary may restart the count once.
    for (let i = 0; i < 25 && !limited; i++) {
      const res = await register({ name: "Bot", email: uniqueEmail("bot"), password: "longpassword" }, { "cf-connecting-ip": ip });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(limited, `statuses: ${statuses}`).toBeDefined();
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(10);
    expectProblemShape(limited!, 429, "RATE_LIMITED");
    const retryAfter = Number(limited!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited!.headers.get("ratelimit-remaining")).toBe("0");
    const blockedEmail = uniqueEmail("blocked");
    expect((await register({ name: "Late", email: blockedEmail, password: "longpassword" }, { "cf-connecting-ip": ip })).status).toBe(429);
    expect(await userRow(blockedEmail)).toBeUndefined();
    expect((await register({ name: "Other", email: uniqueEmail(), password: "longpassword" }, { "cf-connecting-ip": uniqueIp() })).status).toBe(201);
  });

  it("cannot be outrun by parallel registrations from one IP", async () => {
    const ip = uniqueIp();
    const emails = Array.from({ length: 25 }, () => uniqueEmail("burst"));
    const results = await Promise.all(emails.map((email) => register({ name: "Burst", email, password: "longpassword" }, { "cf-connecting-ip": ip })));
    const created = results.filter((r) => r.status === 201).length;
    expect(created).toBeGreaterThanOrEqual(10);
    expect(created).toBeLessThanOrEqual(20);
    expect(results.filter((r) => r.status === 429).length).toBe(25 - created);
    const stored = (await Promise.all(emails.map((e) => userRow(e)))).filter(Boolean).length;
    expect(stored).toBe(created);
  });
});
