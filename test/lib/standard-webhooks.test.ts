import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newSecret, signature, signedHeaders, TIMESTAMP_TOLERANCE_SECONDS, verifySigned } from "../../src/lib/standard-webhooks";

/**
 * Our one signing implementation against the official `standardwebhooks` package, both ways: what
 * we sign it verifies, what it signs we verify, and each refuses what the other would refuse.
 */
const body = JSON.stringify({ id: "evt_1", type: "ticket.created", created_at: "2026-11-26T09:30:00.000Z", data: { ticket: { subject: "Ünïcode ✓ \"quoted\"" } } });
const nowS = () => Math.floor(Date.now() / 1000);
const asHeaders = (h: Record<string, string>) => ({ "webhook-id": h["webhook-id"]!, "webhook-timestamp": h["webhook-timestamp"]!, "webhook-signature": h["webhook-signature"]! });

describe("Standard Webhooks signatures", () => {
  it("a new secret is whsec_ + base64 of 32 random bytes, different every time", () => {
    const a = newSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(a.slice(6))).toHaveLength(32);
    expect(newSecret()).not.toBe(a);
  });

  it("the standardwebhooks package verifies what we sign, and returns the body", async () => {
    const secret = newSecret();
    const headers = await signedHeaders([secret], "msg_abc", nowS(), body);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, asHeaders(headers))).toEqual(JSON.parse(body));
  });

  it("with two secrets (a rotation) both signatures are in the header and either secret verifies", async () => {
    const [older, newer] = [newSecret(), newSecret()];
    const headers = await signedHeaders([newer, older], "msg_rot", nowS(), body);
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(newer).verify(body, asHeaders(headers))).toBeTruthy();
    expect(new Webhook(older).verify(body, asHeaders(headers))).toBeTruthy();
    expect(() => new Webhook(newSecret()).verify(body, asHeaders(headers))).toThrow(WebhookVerificationError);
  });

  it("a changed body, id or timestamp fails the package's check", async () => {
    const secret = newSecret();
    const ts = nowS();
    const headers = asHeaders(await signedHeaders([secret], "msg_x", ts, body));
    const wh = new Webhook(secret);
    expect(() => wh.verify(body.replace("created", "deleted"), headers)).toThrow(WebhookVerificationError);
    expect(() => wh.verify(body, { ...headers, "webhook-id": "msg_y" })).toThrow(WebhookVerificationError);
    expect(() => wh.verify(body, { ...headers, "webhook-timestamp": String(ts + 1) })).toThrow(WebhookVerificationError);
  });

  it("we verify what the package signs, with its own header format", async () => {
    const secret = newSecret();
    const wh = new Webhook(secret);
    const at = new Date();
    const sig = wh.sign("msg_pkg", at, body);
    const ts = String(Math.floor(at.getTime() / 1000));
    expect(sig).toBe(await signature(secret, "msg_pkg", Number(ts), body));
    expect(await verifySigned([secret], { id: "msg_pkg", timestamp: ts, signature: sig }, body, at)).toEqual({ ok: true, id: "msg_pkg", timestamp: Number(ts) });
    // Any of several signatures, with unknown versions beside it, as the spec allows.
    expect((await verifySigned([secret], { id: "msg_pkg", timestamp: ts, signature: `v2,AAAA v1,bm90IGl0 ${sig}` }, body, at)).ok).toBe(true);
  });

  it("refuses missing headers, a stale or future timestamp, a wrong secret, a tampered body", async () => {
    const secret = newSecret();
    const now = new Date();
    const ts = Math.floor(now.getTime() / 1000);
    const sig = await signature(secret, "msg_1", ts, body);
    const check = (h: Partial<{ id: string; timestamp: string; signature: string }>, b = body, secrets = [secret]) =>
      verifySigned(secrets, { id: "msg_1", timestamp: String(ts), signature: sig, ...h }, b, now);
    expect(await check({ signature: "" })).toEqual({ ok: false, reason: "missing_headers" });
    expect(await check({ id: "" })).toEqual({ ok: false, reason: "missing_headers" });
    expect(await check({ timestamp: "soon" })).toEqual({ ok: false, reason: "bad_timestamp" });
    const old = ts - TIMESTAMP_TOLERANCE_SECONDS - 1;
    expect(await check({ timestamp: String(old), signature: await signature(secret, "msg_1", old, body) })).toEqual({ ok: false, reason: "timestamp_too_old" });
    const future = ts + TIMESTAMP_TOLERANCE_SECONDS + 1;
    expect(await check({ timestamp: String(future), signature: await signature(secret, "msg_1", future, body) })).toEqual({ ok: false, reason: "timestamp_too_new" });
    expect(await check({}, body, [newSecret()])).toEqual({ ok: false, reason: "bad_signature" });
    expect(await check({}, `${body} `)).toEqual({ ok: false, reason: "bad_signature" });
    expect(await check({ signature: "v1,not-base64!" })).toEqual({ ok: false, reason: "bad_signature" });
    // Within the tolerance, either side, it passes.
    const edge = ts - TIMESTAMP_TOLERANCE_SECONDS + 5;
    expect((await check({ timestamp: String(edge), signature: await signature(secret, "msg_1", edge, body) })).ok).toBe(true);
  });
});
