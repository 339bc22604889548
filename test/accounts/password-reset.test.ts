import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { auditLogs } from "../../src/db/schema";
import { signAccountToken } from "../../src/features/auth/account-links";
import { CLOSE_SESSION_ENDED } from "../../src/ticket-room/protocol";
import { RESETS_PER_ADDRESS_PER_HOUR, RESETS_PER_IP_PER_HOUR } from "../../src/features/accounts/accounts.service";
import { roomInWindow, uniqueIp } from "../auth/support";
import { api, db, expectProblem, makeUser, PASSWORD } from "../helpers";
import { closeAll, open, roomPath } from "../helpers/sockets";
import { accountEnv, address, linkIn, outboxOf, registerWith } from "./support";

afterEach(closeAll);

const login = (email: string, password: string) => api("POST", "/api/v1/auth/login", { body: { email, password } });

describe("POST /auth/password-reset", () => {
  it("answers known, unknown and deactivated addresses alike (status, body, headers); only a known active one gets a link", async () => {
    const a = accountEnv();
    await roomInWindow(3600, 30);
    const known = await makeUser("customer");
    const gone = await makeUser("customer");
    const admin = await makeUser("admin");
    expect((await api("DELETE", `/api/v1/users/${gone.id}`, { token: admin.token })).status).toBe(204);
    const ip = { "cf-connecting-ip": uniqueIp() };
    const answers = [];
    for (const email of [known.email, address("nobody"), gone.email]) {
      answers.push(await a.call("POST", "/api/v1/auth/password-reset", { body: { email: email.toUpperCase() }, headers: ip }));
    }
    for (const res of answers) {
      expect(res.status).toBe(202);
      expect(res.body).toEqual(answers[0]!.body);
      expect([...res.headers.keys()].filter((k) => k !== "x-request-id" && k !== "x-d1-bookmark").sort()).toEqual(
        [...answers[0]!.headers.keys()].filter((k) => k !== "x-request-id" && k !== "x-d1-bookmark").sort(),
      );
      // Each address has its own per-address budget, so each answer shows the same remainder.
      expect(res.headers.get("ratelimit-limit")).toBe(String(RESETS_PER_ADDRESS_PER_HOUR));
      expect(res.headers.get("ratelimit-remaining")).toBe(String(RESETS_PER_ADDRESS_PER_HOUR - 1));
    }
    const mails = await a.deliverQueued();
    expect(mails.map((m) => m.to)).toEqual([known.email]);
    expect(await outboxOf(gone.id)).toEqual([]);
    const link = await linkIn(mails[0]!, "/portal/reset-password");
    expect(link.url.startsWith(`${env.PUBLIC_URL}/portal/reset-password#token=`)).toBe(true);
  }, 90_000);

  it(`is rate limited per address (${RESETS_PER_ADDRESS_PER_HOUR} an hour, known or not) and per client`, async () => {
    const a = accountEnv();
    await roomInWindow(3600, 30);
    for (const email of [(await makeUser("customer")).email, address("unknown")]) {
      for (let i = 0; i < RESETS_PER_ADDRESS_PER_HOUR; i++) {
        expect((await a.call("POST", "/api/v1/auth/password-reset", { body: { email }, headers: { "cf-connecting-ip": uniqueIp() } })).status).toBe(202);
      }
      const limited = await a.call("POST", "/api/v1/auth/password-reset", { body: { email }, headers: { "cf-connecting-ip": uniqueIp() } });
      expectProblem(limited, 429, "RATE_LIMITED");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // One client spraying addresses is stopped too.
    const ip = { "cf-connecting-ip": uniqueIp() };
    let status = 202;
    let n = 0;
    while (status === 202 && n < 100) status = (await a.call("POST", "/api/v1/auth/password-reset", { body: { email: address(`spray${n++}`) }, headers: ip })).status;
    expect(status).toBe(429);
    expect(n).toBe(RESETS_PER_IP_PER_HOUR + 1);
  }, 90_000);

  it("a malformed body is a 400 and sends nothing", async () => {
    const a = accountEnv();
    expectProblem(await a.call("POST", "/api/v1/auth/password-reset", { body: {} }), 400, "VALIDATION_ERROR");
    expectProblem(await a.call("POST", "/api/v1/auth/password-reset", { body: { email: "x".repeat(300) } }), 400, "VALIDATION_ERROR");
    expect(a.enqueued).toEqual([]);
  });
});

describe("POST /auth/password-reset/confirm", () => {
  it("sets the password, proves the address and ends every session; the link works once", async () => {
    const a = accountEnv();
    const user = await makeUser("agent");
    const oldLogin = await login(user.email, PASSWORD);
    expect(oldLogin.status).toBe(200);
    const customer = await makeUser("customer");
    const ticket = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "s", description: "d" } });
    const socket = await open(roomPath(ticket.body.id), user.token);

    expect((await a.call("POST", "/api/v1/auth/password-reset", { body: { email: user.email } })).status).toBe(202);
    expect((await a.call("POST", "/api/v1/auth/password-reset", { body: { email: user.email } })).status).toBe(202);
    const [first, second] = await a.deliverQueued();
    const link = await linkIn(first!, "/portal/reset-password");
    const otherLink = await linkIn(second!, "/portal/reset-password");

    const started = Date.now();
    const done = await a.call("POST", "/api/v1/auth/password-reset/confirm", { body: { token: link.token, password: "brand-new-password" } });
    expect(done.status, JSON.stringify(done.body)).toBe(204);
    expect((await socket.closed).code).toBe(CLOSE_SESSION_ENDED);
    expect(Date.now() - started).toBeLessThan(1_000 + 500);

    expect((await login(user.email, PASSWORD)).status).toBe(401);
    expect((await login(user.email, "brand-new-password")).status).toBe(200);
    expectProblem(await api("GET", "/api/v1/auth/me", { token: user.token }), 401, "UNAUTHORIZED");
    expectProblem(await api("POST", "/api/v1/auth/refresh", { body: { refresh_token: oldLogin.body.refresh_token } }), 401, "UNAUTHORIZED");
    // Single use: this link and every other one sent before it are dead.
    for (const token of [link.token, otherLink.token]) {
      const again = await a.call("POST", "/api/v1/auth/password-reset/confirm", { body: { token, password: "another-password-2" } });
      expectProblem(again, 400, "VALIDATION_ERROR");
      expect(Object.keys(again.body.errors)).toEqual(["token"]);
    }
    expect((await login(user.email, "brand-new-password")).status).toBe(200);
    const audit = await db().select().from(auditLogs).where(eq(auditLogs.entityId, user.id));
    expect(audit.map((r) => r.action)).toEqual(expect.arrayContaining(["user.password_reset_requested", "user.password_reset"]));
    expect(JSON.stringify(audit)).not.toContain("brand-new-password");
  });

  it("refuses an expired, tampered or verification link, and a short password, changing nothing", async () => {
    const a = accountEnv();
    const user = await makeUser("customer");
    const subject = { id: user.id, email: user.email, tokenVersion: 0 };
    const expired = await signAccountToken(env as never, "password_reset", subject, new Date(Date.now() - 1));
    const verify = await signAccountToken(env as never, "verify_email", subject, new Date(Date.now() + 60_000));
    for (const token of [expired, verify, `${user.id}.zzzzzz.AAAAAAAAAAAAAAAAAAAAAA`]) {
      expectProblem(await a.call("POST", "/api/v1/auth/password-reset/confirm", { body: { token, password: "brand-new-password" } }), 400, "VALIDATION_ERROR");
    }
    await a.call("POST", "/api/v1/auth/password-reset", { body: { email: user.email } });
    const [mail] = await a.deliverQueued();
    const link = await linkIn(mail!, "/portal/reset-password");
    const short = await a.call("POST", "/api/v1/auth/password-reset/confirm", { body: { token: link.token, password: "short" } });
    expectProblem(short, 400, "VALIDATION_ERROR");
    expect(Object.keys(short.body.errors)).toEqual(["password"]);
    expect((await login(user.email, PASSWORD)).status).toBe(200);
    expect((await api("GET", "/api/v1/auth/me", { token: user.token })).status).toBe(200);
  });

  it("the owner of an address someone registered first claims it: the registrant's sessions and password end, the owner is verified", async () => {
    const a = accountEnv();
    const victim = address("cfo");
    const attacker = await registerWith(a, victim, "attacker-password-1");
    await a.deliverQueued(); // the verification mail goes to the victim's mailbox; the attacker never sees it
    expect((await a.call("POST", "/api/v1/auth/password-reset", { body: { email: victim } })).status).toBe(202);
    const [mail] = await a.deliverQueued();
    expect(mail!.to).toBe(victim);
    const link = await linkIn(mail!, "/portal/reset-password");
    expect((await a.call("POST", "/api/v1/auth/password-reset/confirm", { body: { token: link.token, password: "owner-password-1" } })).status).toBe(204);

    expectProblem(await api("GET", "/api/v1/tickets", { token: attacker.access_token }), 401, "UNAUTHORIZED");
    expectProblem(await api("POST", "/api/v1/auth/refresh", { body: { refresh_token: attacker.refresh_token } }), 401, "UNAUTHORIZED");
    expect((await login(victim, "attacker-password-1")).status).toBe(401);
    const owner = await login(victim, "owner-password-1");
    expect(owner.status).toBe(200);
    expect(owner.body.user).toMatchObject({ id: attacker.user.id, email: victim, email_verified: true });
  });

  it("a customer made from mail (no password) sets one by a reset", async () => {
    const a = accountEnv();
    const admin = await makeUser("agent");
    const email = address("mailed");
    // Staff open a ticket for an address the helpdesk does not know yet: a customer without a password.
    const t = await api("POST", "/api/v1/tickets", { token: admin.token, body: { subject: "Call back", description: "d", channel: "phone", requester_email: email } });
    expect(t.status).toBe(201);
    expect((await login(email, "anything-at-all")).status).toBe(401);
    expectProblem(await a.call("POST", "/api/v1/auth/register", { body: { name: "Me", email, password: "password-123" } }), 409, "CONFLICT");
    await a.call("POST", "/api/v1/auth/password-reset", { body: { email } });
    const [mail] = await a.deliverQueued();
    const link = await linkIn(mail!, "/portal/reset-password");
    expect((await a.call("POST", "/api/v1/auth/password-reset/confirm", { body: { token: link.token, password: "my-first-password" } })).status).toBe(204);
    const me = await login(email, "my-first-password");
    expect(me.body.user.email_verified).toBe(true);
    expect((await api("GET", `/api/v1/tickets/${t.body.id}`, { token: me.body.access_token })).status).toBe(200);
  });
});
