import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signAccountToken } from "../../src/features/auth/account-links";
import { roomInWindow } from "../auth/support";
import { api, expectProblem, makeUser } from "../helpers";
import { accountEnv, address, linkIn, outboxOf, registerWith } from "./support";

describe("registration sends a verification mail through the outbox", () => {
  it("one signed, expiring link to the address; the outbox row and the kept mail hold no credential", async () => {
    const a = accountEnv();
    const email = address("new");
    const reg = await registerWith(a, email);
    expect(reg.user.email_verified).toBe(false);

    const [row] = await outboxOf(reg.user.id);
    expect(row).toMatchObject({ kind: "verify_email", ticketId: null, userId: reg.user.id, toAddress: email, status: "pending", automatic: true });
    expect(a.enqueued).toEqual([{ id: row!.id }]);

    const [mail] = await a.deliverQueued();
    expect(mail).toMatchObject({ from: "support@example.com", to: email });
    expect(mail!.raw).toContain("Auto-Submitted: auto-replied");
    const link = await linkIn(mail!, "/portal/verify-email");
    expect(link.url.startsWith(`${env.PUBLIC_URL}/portal/verify-email#token=`)).toBe(true);
    // Nothing at rest names the token: not the outbox row, not a copy of the mail in R2.
    const [sent] = await outboxOf(reg.user.id);
    expect(sent).toMatchObject({ status: "sent", subject: "Confirm your email address" });
    expect(JSON.stringify(sent)).not.toContain(link.token);
    expect(await env.ATTACHMENTS.head(`mail/outbound/${row!.id}.eml`)).toBeNull();

    const verified = await api("POST", "/api/v1/auth/verify-email", { body: { token: link.token } });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toMatchObject({ id: reg.user.id, email, email_verified: true });
    expect((await api("GET", "/api/v1/auth/me", { token: reg.access_token })).body.email_verified).toBe(true);
    // Opening the link again is harmless.
    expect((await api("POST", "/api/v1/auth/verify-email", { body: { token: link.token } })).status).toBe(200);
  });

  it("refuses a tampered, foreign, expired or stale link with one 400 naming the token, and verifies nobody", async () => {
    const a = accountEnv();
    const reg = await registerWith(a, address("tamper"));
    const other = await registerWith(a, address("other"));
    const mails = await a.deliverQueued();
    const mine = await linkIn(mails.find((m) => m.to === reg.user.email)!, "/portal/verify-email");
    const [id, exp, mac] = mine.token.split(".");
    const flipped = `${id}.${exp}.${mac!.slice(0, -1)}${mac!.endsWith("A") ? "B" : "A"}`;
    const foreign = `${other.user.id}.${exp}.${mac}`;
    const later = `${id}.${(parseInt(exp!, 36) + 3600).toString(36)}.${mac}`;
    const expired = await signAccountToken(env as never, "verify_email", { id: reg.user.id, email: reg.user.email, tokenVersion: 0 }, new Date(Date.now() - 1000));
    // A reset link is not a verification link.
    const resetKind = await signAccountToken(env as never, "password_reset", { id: reg.user.id, email: reg.user.email, tokenVersion: 0 }, new Date(Date.now() + 60_000));
    for (const token of [flipped, foreign, later, expired, resetKind, "not-a-token", `${"x".repeat(150)}`]) {
      const res = await api("POST", "/api/v1/auth/verify-email", { body: { token } });
      expectProblem(res, 400, "VALIDATION_ERROR");
      expect(Object.keys(res.body.errors)).toEqual(["token"]);
    }
    expect((await api("GET", "/api/v1/auth/me", { token: reg.access_token })).body.email_verified).toBe(false);
    expect((await api("GET", "/api/v1/auth/me", { token: other.access_token })).body.email_verified).toBe(false);

    // The address changed since the link was sent (an admin corrected it): the old link proves nothing.
    const admin = await makeUser("admin");
    const moved = address("moved");
    expect((await api("PATCH", `/api/v1/users/${other.user.id}`, { token: admin.token, body: { email: moved } })).status).toBe(200);
    const otherLink = await linkIn(mails.find((m) => m.to === other.user.email)!, "/portal/verify-email");
    expectProblem(await api("POST", "/api/v1/auth/verify-email", { body: { token: otherLink.token } }), 400, "VALIDATION_ERROR");
  });

  it("a queued verification mail is not sent once the account is verified or its address changed", async () => {
    const a = accountEnv();
    const reg = await registerWith(a, address("stale"));
    const admin = await makeUser("admin");
    expect((await api("PATCH", `/api/v1/users/${reg.user.id}`, { token: admin.token, body: { email: address("fixed") } })).status).toBe(200);
    expect(await a.deliverQueued()).toEqual([]);
    const [row] = await outboxOf(reg.user.id);
    expect(row).toMatchObject({ status: "suppressed", lastError: "address_changed" });
  });

  it("resend: a new link for an unverified caller, a few an hour (429 after), 409 once verified, 401 without a token", async () => {
    const a = accountEnv();
    const reg = await registerWith(a, address("resend"));
    await a.deliverQueued();
    expectProblem(await a.call("POST", "/api/v1/auth/verify-email/resend"), 401, "UNAUTHORIZED");
    await roomInWindow(3600, 30);
    for (let i = 0; i < 3; i++) {
      const res = await a.call("POST", "/api/v1/auth/verify-email/resend", { token: reg.access_token });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body).toEqual({ message: expect.any(String) });
      expect(res.headers.get("ratelimit-remaining")).toBe(String(2 - i));
    }
    const limited = await a.call("POST", "/api/v1/auth/verify-email/resend", { token: reg.access_token });
    expectProblem(limited, 429, "RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const mails = await a.deliverQueued();
    expect(mails.map((m) => m.to)).toEqual([reg.user.email, reg.user.email, reg.user.email]);
    // Any of them verifies.
    const link = await linkIn(mails[1]!, "/portal/verify-email");
    expect((await api("POST", "/api/v1/auth/verify-email", { body: { token: link.token } })).status).toBe(200);
    expectProblem(await a.call("POST", "/api/v1/auth/verify-email/resend", { token: reg.access_token }), 409, "CONFLICT");
  }, 90_000);

  it("staff-created accounts are verified; an admin's change of address keeps them verified", async () => {
    const admin = await makeUser("admin");
    const created = await api("POST", "/api/v1/users", { token: admin.token, body: { name: "Made", email: address("made"), password: "password-123", role: "customer" } });
    expect(created.status).toBe(201);
    expect(created.body.email_verified).toBe(true);
    expect(await outboxOf(created.body.id)).toEqual([]);
  });
});
