import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { buildMime, encodeMailbox, encodeUnstructured } from "../../src/email/mime";
import { isMachineAddress } from "../../src/email/outbox";
import { parseInbound } from "../../src/email/parse";
import { classifyMessageId, outboundMessageId, replyAddress, ticketOfReplyAddress } from "../../src/email/reply-token";
import { checkSenderAuth, organisationalDomain } from "../../src/email/sender-auth";
import { mailSettings } from "../../src/email/settings";
import { renderHtml, renderText, unknownPlaceholders } from "../../src/email/templates";
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

describe("sender-auth.ts", () => {
  const check = (results: string[], from = "alice@mail.customer.co.uk") => checkSenderAuth({ authenticationResults: results, fromAddress: from, authservId: "mx.cloudflare.net" });
  it.each([
    [["mx.cloudflare.net; dmarc=pass header.from=mail.customer.co.uk"], true],
    [["mx.cloudflare.net; dmarc=pass (p=none) header.from=other.example"], false],
    [["mx.cloudflare.net; dkim=pass header.d=customer.co.uk; dmarc=fail header.from=mail.customer.co.uk"], true],
    [["mx.cloudflare.net; dkim=pass header.d=co.uk"], false],
    [["mx.cloudflare.net; spf=pass smtp.mailfrom=bounce@customer.co.uk"], true],
    [["mx.cloudflare.net; spf=softfail smtp.mailfrom=bounce@customer.co.uk"], false],
    [["mx.evil.example; dmarc=pass header.from=mail.customer.co.uk"], false],
    [["mx.cloudflare.net; dmarc=fail header.from=mail.customer.co.uk", "mx.cloudflare.net; dmarc=pass header.from=mail.customer.co.uk"], false],
    [[], false],
  ])("%j → %s", (results, ok) => {
    expect(check(results).ok).toBe(ok);
  });
  it("organisational domains", () => {
    expect(organisationalDomain("a.b.example.com")).toBe("example.com");
    expect(organisationalDomain("mail.customer.co.uk")).toBe("customer.co.uk");
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
