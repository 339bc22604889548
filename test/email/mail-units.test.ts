import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildMime, encodeMailbox, encodeUnstructured } from "../../src/email/mime";
import { isMachineAddress } from "../../src/email/outbox";
import { parseInbound } from "../../src/email/parse";
import { classifyMessageId, outboundMessageId, replyAddress, ticketOfReplyAddress } from "../../src/email/reply-token";
import { splitMessage, verifyDkim } from "../../src/email/dkim";
import { txtResolver } from "../../src/email/dns";
import { checkSenderAuth, organisationalDomain } from "../../src/email/sender-auth";
import { dkimKey, fakeDoh, signMail } from "./mail-helpers";
import { mailSettings } from "../../src/email/settings";
import { renderHtml, renderText } from "../../src/domain/templates";
import { unknownPlaceholders } from "../../src/email/templates";
import type { Bindings } from "../../src/env";

const e = env as unknown as Bindings;
const settings = mailSettings(e);

describe("mime.ts", () => {
  const base = {
    from: { address: "support@example.com", name: "Support" },
    to: { address: "alice@example.net", name: "Alice" },
    subject: "Hello",
    messageId: "x.1@example.com",
    automatic: false,
    date: new Date("2026-11-26T09:30:00Z"),
    text: "Hi\nthere",
  };

  it("never lets CR/LF out of a name or subject, and round-trips them through a parser", async () => {
    const raw = buildMime({ ...base, to: { address: "alice@example.net", name: "Eve\r\nBcc: victim@example.org" }, subject: "Hi\r\nBcc: victim@example.org\r\n\r\nbody" });
    const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
    expect(head.split("\r\n").filter((l) => /^bcc:/i.test(l))).toEqual([]);
    const parsed = await parseInbound(raw);
    expect(parsed.to).toEqual([{ address: "alice@example.net", name: "Eve Bcc: victim@example.org" }]);
    expect(parsed.subject).toBe("Hi Bcc: victim@example.org body");
    expect(parsed.text).toBe("Hi\nthere");
  });

  it("encodes non-ASCII names and long subjects as encoded-words of at most 75 characters", async () => {
    const subject = "Ünïcødé ".repeat(30);
    const encoded = encodeUnstructured(subject);
    for (const line of encoded.split("\r\n")) expect(line.trim().length).toBeLessThanOrEqual(75);
    const raw = buildMime({ ...base, to: { address: "a@example.net", name: "Jürgen \"JJ\" Müller" }, subject });
    const parsed = await parseInbound(raw);
    expect(parsed.subject).toBe(subject.trim());
    expect(parsed.to[0]!.name).toBe('Jürgen "JJ" Müller');
    expect(encodeMailbox({ address: "a@example.net", name: "Plain Name" })).toBe('"Plain Name" <a@example.net>');
  });

  it("refuses an address that is not one, and drops malformed ids", () => {
    expect(() => encodeMailbox({ address: "a@example.net>\r\nBcc: x@y" })).toThrow();
    const raw = buildMime({ ...base, inReplyTo: "bad id>\r\nX: y", references: ["ok@example.net", "no-at-sign", "a b@c"] });
    expect(raw).not.toContain("In-Reply-To");
    expect(raw).toContain("References: <ok@example.net>\r\n");
  });

  it("marks automatic mail per RFC 3834", () => {
    expect(buildMime({ ...base, automatic: true })).toContain("\r\nAuto-Submitted: auto-replied\r\n");
    expect(buildMime(base)).not.toContain("Auto-Submitted");
  });
});

describe("reply-token.ts", () => {
  it("a reply address names its ticket; a changed id or MAC names nothing", async () => {
    const address = await replyAddress(e, settings, "01abcdefghjkmnpqrstvwxyz00");
    expect(address).toMatch(/^support\+01abcdefghjkmnpqrstvwxyz00-[0-9a-z]{16}@example\.com$/);
    expect(await ticketOfReplyAddress(e, settings, address)).toBe("01abcdefghjkmnpqrstvwxyz00");
    expect(await ticketOfReplyAddress(e, settings, address.toUpperCase())).toBe("01abcdefghjkmnpqrstvwxyz00");
    expect(await ticketOfReplyAddress(e, settings, address.replace("01abc", "01abd"))).toBeNull();
    expect(await ticketOfReplyAddress(e, settings, "support+01abcdefghjkmnpqrstvwxyz00@example.com")).toBeNull();
    expect(await ticketOfReplyAddress(e, { ...settings, supportDomain: "other.example" }, address)).toBeNull();
  });

  it("our Message-IDs verify; a reply-address MAC does not pass as a Message-ID MAC", async () => {
    const id = await outboundMessageId(e, settings, "reply-01abc");
    expect(await classifyMessageId(e, settings, id)).toBe("ours");
    expect(await classifyMessageId(e, settings, id.replace(/\.[0-9a-z]{16}@/, ".0000000000000000@"))).toBe("forged");
    const mac = (await replyAddress(e, settings, "reply-01abc")).split("-").at(-1)!.split("@")[0];
    expect(await classifyMessageId(e, settings, `reply-01abc.${mac}@example.com`)).toBe("forged");
    expect(await classifyMessageId(e, settings, "CAKsfa@mail.gmail.com")).toBe("foreign");
  });
});

describe("sender-auth.ts: organisational domains from the Public Suffix List", () => {
  it.each([
    ["a.b.example.com", "example.com"],
    ["mail.customer.co.uk", "customer.co.uk"],
    ["attacker.eu.org", "attacker.eu.org"],
    ["mx.victim.eu.org", "victim.eu.org"],
    ["shop.victim.us.com", "victim.us.com"],
    ["a.victim.tokyo.jp", "victim.tokyo.jp"],
    ["kent.police.uk", "kent.police.uk"],
    ["co.uk", null],
    ["eu.org", null],
  ])("%s → %s", (domain, org) => {
    expect(organisationalDomain(domain)).toBe(org);
  });
  it("neighbours under a shared suffix never align", () => {
    for (const [a, b] of [["attacker.eu.org", "victim.eu.org"], ["attacker.us.com", "victim.us.com"], ["attacker.tokyo.jp", "victim.tokyo.jp"], ["attacker.police.uk", "victim.police.uk"]] as const) {
      expect(organisationalDomain(a)).not.toBe(organisationalDomain(b));
    }
  });
});

describe("sender-auth.ts: DKIM verified in the Worker", () => {
  const now = new Date();
  const base = "From: Alice <alice@mail.customer.co.uk>\r\nTo: support@example.com\r\nSubject: Hi\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <u1@customer.co.uk>\r\n\r\nHello  there \r\n\r\n\r\n";
  const check = async (raw: string, records: Record<string, string[]>, results: string[] = []) =>
    checkSenderAuth({ message: splitMessage(new TextEncoder().encode(raw)), fromAddress: /<([^>]+)>/.exec(raw.slice(raw.indexOf("From:")))![1]!, authenticationResults: results, authservId: "mx.cloudflare.net", resolver: txtResolver({ DOH: fakeDoh(records).doh }), now });

  it("a signature of the From's organisational domain passes; of another domain it does not", async () => {
    const key = await dkimKey("customer.co.uk");
    const records = { [`${key.selector}._domainkey.customer.co.uk`]: [key.record] };
    expect(await check(await signMail(base, key), records)).toMatchObject({ ok: true, method: "dkim", domain: "customer.co.uk" });
    const other = await dkimKey("evil.example");
    const verdict = await check(await signMail(base, other), { [`${other.selector}._domainkey.evil.example`]: [other.record] });
    expect(verdict).toMatchObject({ ok: false, reason: "not_aligned" });
  });

  it("a changed body, a changed From or a key from someone else fails", async () => {
    const key = await dkimKey("customer.co.uk");
    const records = { [`${key.selector}._domainkey.customer.co.uk`]: [key.record] };
    const signed = await signMail(base, key);
    expect(await check(signed.replace("Hello", "Pay to IBAN"), records)).toMatchObject({ ok: false, reason: "signature_failed" });
    expect(await check(signed.replace("Alice <alice@", "Mallory <alice@"), records)).toMatchObject({ ok: false, reason: "signature_failed" });
    const stranger = await dkimKey("customer.co.uk", key.selector);
    expect(await check(await signMail(base, stranger), records)).toMatchObject({ ok: false, reason: "signature_failed" });
  });

  it("no signature, and a sender-written Authentication-Results pass, is no pass", async () => {
    const forged = "mx.cloudflare.net; dkim=pass header.d=customer.co.uk; dmarc=pass header.from=mail.customer.co.uk; spf=pass smtp.mailfrom=x@customer.co.uk";
    expect(await check(base, {}, [forged])).toMatchObject({ ok: false, reason: "no_signature" });
  });

  it("Cloudflare's dmarc=fail vetoes even a verified signature; a DNS failure quarantines", async () => {
    const key = await dkimKey("customer.co.uk");
    const records = { [`${key.selector}._domainkey.customer.co.uk`]: [key.record] };
    const signed = await signMail(base, key);
    expect(await check(signed, records, ["i=1; mx.cloudflare.net; dkim=pass header.d=customer.co.uk; dmarc=fail header.from=mail.customer.co.uk"])).toMatchObject({ ok: false, reason: "dmarc_fail" });
    expect(await check(signed, records, ["mx.cloudflare.net; dmarc=fail header.from=other.example"])).toMatchObject({ ok: true });
    const broken = { fetch: async () => new Response("down", { status: 503 }) } as unknown as Fetcher;
    const verdict = await checkSenderAuth({ message: splitMessage(new TextEncoder().encode(signed)), fromAddress: "alice@mail.customer.co.uk", authenticationResults: [], authservId: "mx.cloudflare.net", resolver: txtResolver({ DOH: broken }), now });
    expect(verdict).toMatchObject({ ok: false, reason: "dns_error" });
  });

  it("adkim=s in the domain's DMARC record needs the exact From domain", async () => {
    const key = await dkimKey("customer.co.uk");
    const records = { [`${key.selector}._domainkey.customer.co.uk`]: [key.record], "_dmarc.customer.co.uk": ["v=DMARC1; p=reject; adkim=s"] };
    expect(await check(await signMail(base, key), records)).toMatchObject({ ok: false, reason: "not_aligned" });
  });

  it("signatures with l= (anyone may append) or rsa-sha1 count for nothing", async () => {
    const key = await dkimKey("customer.co.uk");
    const records = { [`${key.selector}._domainkey.customer.co.uk`]: [key.record] };
    const signed = await signMail(base, key);
    expect(await check(signed.replace("DKIM-Signature: v=1;", "DKIM-Signature: v=1; l=5;"), records)).toMatchObject({ ok: false, reason: "signature_failed" });
    expect(await check(signed.replace("a=rsa-sha256", "a=rsa-sha1"), records)).toMatchObject({ ok: false, reason: "signature_failed" });
  });
});

describe("dkim.ts against RFC 8463 Appendix A (an independent test vector: RSA and Ed25519)", () => {
  // RFC 8463 A.2 (keys) and A.3 (the signed message), verbatim.
  const message = [
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;",
    " d=football.example.com; i=@football.example.com;",
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :",
    " subject : date : message-id : from : subject : date;",
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus",
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==",
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;",
    " d=football.example.com; i=@football.example.com;",
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :",
    " date : message-id : from : subject : date;",
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3",
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz",
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=",
    "From: Joe SixPack <joe@football.example.com>",
    "To: Suzie Q <suzie@shopping.example.net>",
    "Subject: Is dinner ready?",
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)",
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>",
    "",
    "Hi.",
    "",
    "We lost the game.  Are you hungry yet?",
    "",
    "Joe.",
    "",
  ].join("\r\n");
  const records = {
    "brisbane._domainkey.football.example.com": ["v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="],
    "test._domainkey.football.example.com": [
      "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB",
    ],
  };
  it("both signatures verify; one changed byte fails both", async () => {
    const resolver = txtResolver({ DOH: fakeDoh(records).doh });
    const ok = await verifyDkim(new TextEncoder().encode(message), resolver, new Date("2026-01-01T00:00:00Z"));
    expect(ok.map((r) => [r.result, r.domain, r.selector])).toEqual([
      ["pass", "football.example.com", "brisbane"],
      ["pass", "football.example.com", "test"],
    ]);
    const bad = await verifyDkim(new TextEncoder().encode(message.replace("hungry", "Hungry")), resolver, new Date("2026-01-01T00:00:00Z"));
    expect(bad.map((r) => [r.result, r.result === "pass" ? null : r.reason])).toEqual([
      ["fail", "body hash mismatch"],
      ["fail", "body hash mismatch"],
    ]);
  });
});

describe("templates.ts and outbox addresses", () => {
  it("substitutes once, never re-scanning values, and escapes for HTML", () => {
    const vars = { "ticket.subject": "{{requester.name}} <b>", "requester.name": "Bob" };
    expect(renderText("S: {{ticket.subject}} / {{ requester.name }} / {{unknown}}", vars)).toBe("S: {{requester.name}} <b> / Bob / ");
    expect(renderHtml("<i>{{ticket.subject}}</i>", vars)).toContain("&lt;i&gt;{{requester.name}} &lt;b&gt;&lt;/i&gt;");
    expect(unknownPlaceholders("ticket_created", "{{comment.body}} {{ticket.number}} {{__proto__}}")).toEqual(["comment.body"]);
    expect(unknownPlaceholders("reply", "{{comment.body}} {{agent.name}}")).toEqual([]);
  });
  it.each([
    ["noreply@x.example", true],
    ["No-Reply+tag@x.example", true],
    ["MAILER-DAEMON@x.example", true],
    ["postmaster@x.example", true],
    ["support@example.com", true],
    ["support+01abc-xyz@example.com", true],
    ["alice@x.example", false],
    ["support@other.example", false],
  ])("%s is a machine address: %s", (address, machine) => {
    expect(isMachineAddress(address, settings)).toBe(machine);
  });
});

describe("inbound.ts readCapped", () => {
  const streamOf = (chunks: number[][]) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const ch of chunks) c.enqueue(new Uint8Array(ch));
        c.close();
      },
    });
  it.each([
    ["announced exactly", 6, [1, 2, 3, 4, 5, 6]],
    ["announced too small", 4, [1, 2, 3, 4, 5, 6]],
    ["announced too large", 9, [1, 2, 3, 4, 5, 6]],
    ["not announced", undefined, [1, 2, 3, 4, 5, 6]],
  ])("%s: the bytes come back whole and in order", async (_, announced, expected) => {
    const { readCapped } = await import("../../src/email/inbound");
    expect([...(await readCapped(streamOf([[1, 2], [3, 4, 5], [6]]), 100, announced))!]).toEqual(expected);
  });
  it("gives up past the cap", async () => {
    const { readCapped } = await import("../../src/email/inbound");
    expect(await readCapped(streamOf([[1, 2], [3, 4, 5], [6]]), 5, 3)).toBeNull();
  });
});
