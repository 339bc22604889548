import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  InboundMailError,
  MAX_ADDRESSES,
  MAX_ATTACHMENTS,
  MAX_RAW_BYTES,
  MAX_REFERENCES,
  MAX_TEXT_CHARS,
  parseInbound,
  sanitizeHtml,
  tryParseInbound,
  type InboundMail,
} from "../../src/email/parse";

const manifest = env.EMAIL_MANIFEST;
const fixtures = env.EMAIL_FIXTURES;

function fixture(file: string): Uint8Array {
  const b64 = fixtures[file];
  if (b64 === undefined) throw new Error(`no fixture ${file}`);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

async function parseFixture(prefix: string): Promise<InboundMail> {
  const file = Object.keys(fixtures).find((name) => name.startsWith(prefix));
  if (!file) throw new Error(`no fixture ${prefix}`);
  return parseInbound(fixture(file));
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const stripBrackets = (id: string) => id.replace(/^\s*</, "").replace(/>\s*$/, "");

describe("fixture corpus", () => {
  it("has every manifest file, byte for byte, and nothing else", async () => {
    expect(manifest).toHaveLength(45);
    expect(Object.keys(fixtures).sort()).toEqual(manifest.map((entry) => entry.file).sort());
    for (const entry of manifest as (EmailFixtureEntry & { sha256: string })[]) {
      expect(await sha256(fixture(entry.file)), entry.file).toBe(entry.sha256);
    }
  });
});

describe("every manifest fixture parses to its expected fields", () => {
  for (const entry of manifest) {
    it(entry.file, async () => {
      const mail = await parseInbound(fixture(entry.file));
      const want = entry.expected;

      expect(mail.subject).toBe(want.subject);
      expect(mail.from?.address ?? null).toBe(want.from_address?.toLowerCase() ?? null);
      expect(mail.auto.isAutoReply).toBe(want.is_auto_reply);
      expect(mail.auto.kind).toBe(want.auto_kind);
      expect(mail.attachments).toHaveLength(want.attachment_count);
      expect(mail.attachments.length > 0).toBe(want.has_attachments);
      expect(mail.attachments.map((a) => a.contentType)).toEqual(
        entry.observed_postal_mime_attachments.map((observed) => observed.split("|")[0]),
      );
      expect(mail.inReplyTo).toBe(want.in_reply_to === null ? null : stripBrackets(want.in_reply_to));
      if (want.reply_visible_text !== null) {
        expect(mail.text.trim()).toBe(want.reply_visible_text.trim());
      }
      // fullText always holds at least what is visible (line by line: an interleaved reply loses the quotes between its lines).
      const full = mail.fullText.replace(/\s+/g, " ");
      for (const line of mail.text.split("\n").filter((l) => l.trim())) expect(full).toContain(line.replace(/\s+/g, " ").trim());
    });
  }
});

describe("fixtures that need special handling", () => {
  it("03 Thunderbird format=flowed: the bottom reply under a quote is not joined into it", async () => {
    const mail = await parseFixture("03-");
    expect(mail.text).toBe("Hello");
    expect(mail.fullText).toContain("> Hi");
    expect(mail.fullText).not.toContain("Hi Hello");
  });

  it("05/07 signatures are kept in the visible text", async () => {
    expect((await parseFixture("05-")).text).toBe("Hello\n\nSent from my iPhone");
    expect((await parseFixture("07-")).text).toContain("-- \nxxx\nSent with Sparrow");
  });

  it("08 threading ids lose their angle brackets; References stay in order", async () => {
    const mail = await parseFixture("08-");
    expect(mail.messageId).toBe("473FFE27.20003@xxx.org");
    expect(mail.inReplyTo).toBe("348F04F142D69C21-291E56D292BC@xxxx.net");
    expect(mail.references).toEqual(["473FF3B8.9020707@xxx.org", "348F04F142D69C21-291E56D292BC@xxxx.net"]);
    expect(mail.text).toBe("Message body");
  });

  it("09 Outlook-style inline original: visible text is the new part, fullText keeps the original", async () => {
    const mail = await parseFixture("09-");
    expect(mail.text).toBe("This is email body");
    expect(mail.fullText).toContain("Hello there!");
    expect(mail.isForward).toBe(false);
  });

  it("10 a forward keeps the forwarded content in the visible text", async () => {
    const mail = await parseFixture("10-");
    expect(mail.isForward).toBe(true);
    expect(mail.text).toContain("-------- Forwarded Message --------");
    expect(mail.text).toContain("Ahoj Johne");
    expect(mail.references).toEqual(["CAK0Q_=uQY=3V5iUSgEN16GLtYoJ-6oQu-vYjsgQ=jv6DwOkuLQ@mail.gmail.com"]);
  });

  it("11 a message forwarded as an attachment stays in the visible text", async () => {
    const mail = await parseFixture("11-");
    expect(mail.isForward).toBe(true);
    expect(mail.text).toContain("This is the first part.");
    expect(mail.text).toContain("Just attaching another PDF, here");
  });

  it("11/31 the nested PDF decodes to its 1026 bytes", async () => {
    for (const prefix of ["11-", "31-"]) {
      const [pdf] = (await parseFixture(prefix)).attachments;
      expect(pdf?.filename).toBe("broken.pdf");
      expect(pdf?.size).toBe(1026);
      expect(pdf?.content.byteLength).toBe(1026);
    }
  });

  it("12 Yahoo forward text", async () => {
    const mail = await parseFixture("12-");
    expect(mail.isForward).toBe(true);
    expect(mail.text).toContain("Note: forwarded message attached.");
  });

  it("14/15 ISO-2022-JP bodies and a folded subject with a tab", async () => {
    expect((await parseFixture("14-")).text).toBe("すみません。");
    const reply = await parseFixture("15-");
    expect(reply.subject).toBe("Re: TEST \tテストテスト");
    expect(reply.messageId).toBe("0CC5E11ED2C1D@example.com");
    expect(reply.text).toBe("Hello");
  });

  it("16 HTML-only mail: sanitised HTML and readable text", async () => {
    const mail = await parseFixture("16-");
    expect(mail.html).not.toBeNull();
    expect(mail.html).not.toMatch(/<style|<script|<iframe|\son\w+=/i);
    expect(mail.text.length).toBeGreaterThan(200);
    expect(mail.text).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(mail.text).not.toContain("A:visited"); // the <style> content
    expect(mail.text).not.toMatch(/&(?:amp|nbsp|lt|gt|quot);/);
  });

  it("17 a Message-ID without angle brackets is kept", async () => {
    expect((await parseFixture("17-")).messageId).toBe("201002191008.30117.foo.bar@company.com");
  });

  it("18/22/23/24/27/29 null Return-Path is reported", async () => {
    for (const prefix of ["18-", "22-", "23-", "24-", "27-", "29-"]) {
      expect((await parseFixture(prefix)).returnPathEmpty, prefix).toBe(true);
    }
    expect((await parseFixture("08-")).returnPathEmpty).toBe(false);
  });

  it("21/22 plain-text bounces are recognised by their mailer-daemon sender", async () => {
    expect((await parseFixture("21-")).auto).toEqual({ isAutoReply: true, kind: "bounce", reason: "mailer_daemon" });
    expect((await parseFixture("22-")).auto).toEqual({ isAutoReply: true, kind: "bounce", reason: "mailer_daemon" });
  });

  it("25 ARF report is a feedback report, not a bounce", async () => {
    expect((await parseFixture("25-")).auto).toEqual({ isAutoReply: true, kind: "feedback_report", reason: "report" });
  });

  it("28 iCloud vacation is found by X-Apple-Action", async () => {
    const mail = await parseFixture("28-");
    expect(mail.auto.reason).toBe("apple_vacation");
    expect(mail.headers["x-apple-action"]).toEqual(["VACATION"]);
  });

  it("30 calendar invite keeps text/calendar and the .ics file", async () => {
    const mail = await parseFixture("30-");
    expect(mail.attachments.map((a) => [a.contentType, a.filename])).toEqual([
      ["text/calendar", null],
      ["application/ics", "invite.ics"],
    ]);
    expect(new TextDecoder().decode(mail.attachments[0]?.content)).toContain("BEGIN:VCALENDAR");
  });

  it("32 inline images are inline, the PDF is not", async () => {
    const mail = await parseFixture("32-");
    expect(mail.attachments.map((a) => a.inline)).toEqual([true, true, true, false]);
    expect(mail.attachments[3]?.filename).toBe("Move To Eight ZWEP6227F.pdf");
    expect(mail.attachments[0]?.contentId).not.toMatch(/[<>]/);
  });

  it("33 attachment-only mail has empty visible text", async () => {
    const mail = await parseFixture("33-");
    expect(mail.text).toBe("");
    expect(mail.attachments[0]?.filename).toBe("baf");
  });

  it("35/36 UTF-8 and quoted-printable bodies decode (django-helpdesk's expected descriptions)", async () => {
    expect((await parseFixture("35-")).text).toBe("íářčšáíéřášč");
    expect((await parseFixture("36-")).text).toBe("Tohle je test českých písmen odeslaných z gmailu.");
  });

  it("37 base64 root image: the attachment has mailparser's sha256", async () => {
    const mail = await parseFixture("37-");
    expect(mail.subject).toBeNull();
    expect(mail.text).toBe("");
    expect(await sha256(mail.attachments[0]!.content)).toBe("3d0c2d17edd1fed968f66ca200e7c165efd63834b488eec53deb24cca49c3d7b");
  });

  it("39 empty header values and an encoded-word From", async () => {
    const mail = await parseFixture("39-");
    expect(mail.from).toEqual({ address: "jorn@prikkprikkprikk.no", name: "Jørn Støylen" });
    expect(mail.text).toContain("Jørn Støylen");
  });
});

describe("normalisation", () => {
  it("lower-cases addresses, keeps From (never Reply-To) as the sender, flattens groups", async () => {
    const mail = await parseInbound(
      [
        'From: "Alice A." <Alice@Example.COM>',
        "Reply-To: attacker@evil.example",
        "To: Support <SUPPORT@example.com>, Team: One <one@example.com>, two@example.com;",
        "Cc: carol@example.com, not-an-address",
        "Subject: Hi",
        "Date: Tue, 1 Dec 2026 10:00:00 +0100",
        "",
        "Body",
      ].join("\r\n"),
    );
    expect(mail.from).toEqual({ address: "alice@example.com", name: "Alice A." });
    expect(mail.replyTo).toEqual([{ address: "attacker@evil.example", name: "" }]);
    expect(mail.to.map((a) => a.address)).toEqual(["support@example.com", "one@example.com", "two@example.com"]);
    expect(mail.cc.map((a) => a.address)).toEqual(["carol@example.com"]);
    expect(mail.date).toBe("2026-12-01T09:00:00.000Z");
    expect(mail.text).toBe("Body");
    expect(mail.auto).toEqual({ isAutoReply: false, kind: null, reason: null });
  });

  it("accepts ArrayBuffer, Uint8Array and string input alike", async () => {
    const raw = "From: a@example.com\r\nSubject: Same\r\n\r\nText\r\n";
    const bytes = new TextEncoder().encode(raw);
    const buffer = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(buffer).set(bytes);
    const results = await Promise.all([parseInbound(raw), parseInbound(bytes), parseInbound(buffer)]);
    for (const mail of results) expect([mail.subject, mail.from?.address, mail.text]).toEqual(["Same", "a@example.com", "Text"]);
  });

  it("an empty envelope sender marks the mail as automatic", async () => {
    const mail = await parseInbound("From: someone@example.com\r\nSubject: Hello\r\n\r\nHi", { envelopeFrom: "" });
    expect(mail.returnPathEmpty).toBe(true);
    expect(mail.auto).toEqual({ isAutoReply: true, kind: "auto_reply", reason: "null_envelope_sender" });
    const normal = await parseInbound("From: someone@example.com\r\nSubject: Hello\r\n\r\nHi", { envelopeFrom: "someone@example.com" });
    expect(normal.auto.isAutoReply).toBe(false);
  });

  it("an HTML-only reply is converted to text and its blockquote is stripped", async () => {
    const mail = await parseInbound(
      [
        "From: c@example.com",
        "Subject: Re: Order",
        "Content-Type: text/html; charset=utf-8",
        "",
        '<div dir="ltr">Thanks, that works &amp; I&#39;m happy.</div><br>',
        '<div class="gmail_quote">On Mon, Apr 2, 2012 at 6:26 PM, Agent &lt;agent@example.com&gt; wrote:<br>',
        "<blockquote>Did it work?<br>Let us know.</blockquote></div>",
      ].join("\r\n"),
    );
    expect(mail.text).toBe("Thanks, that works & I'm happy.");
    expect(mail.fullText).toContain("> Did it work?");
  });
});

describe("hostile and malformed input", () => {
  it("an empty message gives an empty, usable result", async () => {
    for (const raw of ["", new Uint8Array(0), new ArrayBuffer(0)]) {
      const mail = await parseInbound(raw);
      expect(mail).toMatchObject({ messageId: null, subject: null, from: null, text: "", fullText: "", html: null, attachments: [] });
      expect(mail.auto.isAutoReply).toBe(false);
    }
  });

  it("a header-only message (no blank line, no body) parses", async () => {
    const mail = await parseInbound("From: a@example.com\r\nSubject: Only headers\r\nMessage-ID: <x@y>");
    expect(mail.subject).toBe("Only headers");
    expect(mail.messageId).toBe("x@y");
    expect(mail.text).toBe("");
  });

  it("garbage bytes never throw anything but a typed error", async () => {
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let round = 0; round < 20; round++) {
      const bytes = new Uint8Array(2_000 + round * 500);
      for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
      const result = await tryParseInbound(bytes);
      if (result.ok) expect(typeof result.mail.text).toBe("string");
      else expect(["limits_exceeded", "unparseable", "too_many_headers"]).toContain(result.reason);
    }
  });

  it("a truncated multipart still yields what arrived", async () => {
    const whole = fixture("40-mime-torture-nested.eml");
    for (const cut of [0.1, 0.3, 0.5, 0.8]) {
      const mail = await parseInbound(whole.slice(0, Math.floor(whole.length * cut)));
      expect(mail.subject).toBe("Ryan Finnie's MIME Torture Test v1.0");
      expect(mail.attachments.length).toBeLessThanOrEqual(9);
    }
    const noClose = await parseInbound(
      'From: a@example.com\r\nSubject: cut\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHello there',
    );
    expect(noClose.text).toBe("Hello there");
    const noBoundary = await parseInbound("From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\nJust text");
    expect(noBoundary.from?.address).toBe("a@example.com");
  });

  it("header injection characters in the subject stay data", async () => {
    const evil = "Hello\r\nBcc: victim@example.com\r\nX-Evil: 1";
    const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(evil)));
    const mail = await parseInbound(`From: a@example.com\r\nTo: support@example.com\r\nSubject: =?UTF-8?B?${b64}?=\r\n\r\nBody`);
    expect(mail.subject).toBe(evil);
    expect(mail.to.map((a) => a.address)).toEqual(["support@example.com"]);
    expect(mail.cc).toEqual([]);
    expect(Object.keys(mail.headers)).not.toContain("x-evil");
  });

  it("a huge number of parts is bounded", async () => {
    const parts: string[] = [];
    for (let i = 0; i < 3_000; i++) {
      parts.push(`--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\n\r\nAAAA\r\n`);
      parts.push(`--b\r\nContent-Type: text/plain\r\n\r\n${"x".repeat(200)}\r\n`);
    }
    const raw = `From: a@example.com\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts.join("")}--b--\r\n`;
    const started = Date.now();
    const mail = await parseInbound(raw);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(mail.attachments).toHaveLength(MAX_ATTACHMENTS);
    expect(mail.truncated.attachments).toBe(true);
    expect(mail.fullText.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
    expect(mail.truncated.text).toBe(true);
  });

  it("deep MIME nesting is refused with a typed error", async () => {
    let raw = "From: a@example.com\r\nSubject: deep\r\n";
    for (let i = 0; i < 100; i++) raw += `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
    raw += "Content-Type: text/plain\r\n\r\nbottom\r\n";
    const error = await parseInbound(raw).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InboundMailError);
    expect((error as InboundMailError).code).toBe("limits_exceeded");
    expect(await tryParseInbound(raw)).toMatchObject({ ok: false, reason: "limits_exceeded" });
  });

  it("too many header fields are refused", async () => {
    const raw = `From: a@example.com\r\n${"X-Filler: 1\r\n".repeat(1_500)}\r\nBody`;
    expect(await tryParseInbound(raw)).toMatchObject({ ok: false, reason: "too_many_headers" });
  });

  it("an oversized message is refused before parsing", async () => {
    const raw = new Uint8Array(MAX_RAW_BYTES + 1);
    expect(await tryParseInbound(raw)).toMatchObject({ ok: false, reason: "too_large" });
  });

  it("address lists, References and file names are bounded and cleaned", async () => {
    const cc = Array.from({ length: 500 }, (_, i) => `u${i}@example.com`).join(", ");
    const refs = Array.from({ length: 500 }, (_, i) => `<r${i}@example.com>`).join(" ");
    const raw = [
      "From: a@example.com",
      `Cc: ${cc}`,
      `References: ${refs}`,
      'Content-Type: multipart/mixed; boundary="b"',
      "",
      "--b",
      "Content-Type: text/plain",
      "",
      "see attached",
      "--b",
      'Content-Type: application/x-msdownload; name="x"',
      'Content-Disposition: attachment; filename="../../etc/invoice\u202Efdp.exe"',
      "",
      "MZ",
      "--b",
      "Content-Type: not a type",
      "Content-Disposition: weird-token",
      "",
      "data",
      "--b--",
    ].join("\r\n");
    const mail = await parseInbound(raw);
    expect(mail.cc).toHaveLength(MAX_ADDRESSES);
    expect(mail.truncated.addresses).toBe(true);
    expect(mail.references).toHaveLength(MAX_REFERENCES);
    expect(mail.references[0]).toBe("r0@example.com");
    expect(mail.references.at(-1)).toBe("r499@example.com");
    expect(mail.attachments[0]?.filename).toBe("invoicefdp.exe");
    expect(mail.attachments[1]?.contentType).toBe("application/octet-stream");
    expect(mail.attachments[1]?.disposition).toBe("attachment");
  });
});

describe("sanitizeHtml", () => {
  it("removes active content and keeps the rest", async () => {
    const html = [
      '<meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example/">',
      "<style>body{display:none}</style><script>alert(1)</script>",
      "<p onclick=\"steal()\" class=\"x\">Hello <b>Český</b> &amp; 😀</p>",
      '<a href="javascript:alert(1)">a</a><a href=" jav&#x61;script:alert(1)">b</a><a href="java\tscript:x">c</a>',
      '<a href="data:text/html,<script>alert(1)</script>">d</a><a href="https://ok.example/?q=1&amp;r=2" title="t">e</a>',
      '<img src="x" onerror="alert(1)"><img src="data:image/png;base64,AAAA" alt="pic"><img src="cid:logo@x">',
      '<iframe src="https://evil.example"></iframe><object data="x.swf"></object><embed src="x.swf">',
      '<div style="background:url(javascript:alert(1))">s1</div><div style="color: red">s2</div>',
      "<svg><script>alert(1)</script></svg><form action=\"https://evil.example\"><input name=p></form>",
      "<!-- <script>alert(1)</script> --><!--[if IE]><script>x</script><![endif]-->",
    ].join("\n");
    const out = await sanitizeHtml(html);
    expect(out).not.toMatch(/<script|<style|<iframe|<object|<embed|<meta|<base|<svg|<form|<input|<!--/i);
    expect(out).not.toMatch(/\son[a-z]+\s*=/i);
    expect(out).not.toMatch(/javascript|jav&#x61;|data:text/i);
    expect(out).toContain('<p class="x">Hello <b>Český</b> &amp; 😀</p>');
    expect(out).toContain('href="https://ok.example/?q=1&amp;r=2"');
    expect(out).toContain('src="data:image/png;base64,AAAA"');
    expect(out).toContain('src="cid:logo@x"');
    expect(out).toContain('<div style="color: red">s2</div>');
    expect(out).toContain("<div>s1</div>");
  });

  it("a meta charset in the HTML does not change how it is read", async () => {
    expect(await sanitizeHtml('<meta charset="iso-8859-1"><p>žluťoučký kůň</p>')).toBe("<p>žluťoučký kůň</p>");
  });
});
