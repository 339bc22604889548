import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cyrillicCommonness, guessHeaderCharset, implausibility } from "../../src/email/header-charset";
import { parseInbound } from "../../src/email/parse";
import decodedBefore from "../fixtures/email/decoded-headers.json";
import { api, makeStaff } from "../helpers";
import { deliver, mailEnv } from "./mail-helpers";

/** Raw 8-bit bytes in headers (issue 15 item 5): real mails decode exactly, nothing else changes. */

const fixture = (file: string) => Uint8Array.from(atob(env.EMAIL_FIXTURES[file]!), (c) => c.charCodeAt(0));

/** `text` in a single-byte legacy charset (the inverse of its TextDecoder over 0x80-0xFF). */
function encode(text: string, charset: string): Uint8Array {
  const decoder = new TextDecoder(charset);
  const byChar = new Map<string, number>();
  for (let b = 0x80; b <= 0xff; b++) byChar.set(decoder.decode(new Uint8Array([b])), b);
  return Uint8Array.from([...text], (c) => {
    if (c < "\u0080") return c.charCodeAt(0);
    const b = byChar.get(c);
    if (b === undefined) throw new Error(`${c} is not in ${charset}`);
    return b;
  });
}

const join = (...parts: (string | Uint8Array)[]) => {
  const bytes = parts.map((p) => (typeof p === "string" ? new TextEncoder().encode(p) : p));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) out.set(b, at), (at += b.length);
  return out;
};

const mail = (headers: (string | Uint8Array)[], messageId = "x@example.com") =>
  join(...headers.flatMap((h) => [h, "\r\n"]), `Message-ID: <${messageId}>\r\n\r\nHello\r\n`);

describe("real 8-bit mails from public parser corpora decode exactly", () => {
  const eightBit = env.EMAIL_MANIFEST.filter((e) => e.category === "header_8bit");

  it("are the five fixtures 41-45", () => {
    expect(eightBit.map((e) => e.file.slice(0, 2))).toEqual(["41", "42", "43", "44", "45"]);
  });

  for (const entry of eightBit) {
    it(`${entry.file}: subject, sender and recipients as the source's tests expect`, async () => {
      const parsed = await parseInbound(fixture(entry.file));
      expect(parsed.subject).toBe(entry.expected.subject);
      expect(parsed.from?.name).toBe(entry.expected.from_name);
      expect(parsed.subject).not.toContain("\ufffd");
      expect(parsed.from?.name).not.toContain("\ufffd");
    });
  }

  it("43 and 44: the Latin-1 To names (mail-mime-parser, stalwart)", async () => {
    expect((await parseInbound(fixture("43-header-8bit-latin1-subject-outlook.eml"))).to.map((a) => a.name)).toEqual(["Jürgen Schmürgen"]);
    expect((await parseInbound(fixture("44-header-8bit-inside-encoded-words-eudora.eml"))).to.map((a) => a.name)).toEqual(["Jürgen Schmürgen"]);
  });

  it("45: KOI8-R with no charset anywhere is not mistaken for Windows-1251 or Latin-1", async () => {
    const parsed = await parseInbound(fixture("45-header-8bit-koi8-r-no-charset.eml"));
    expect(parsed.subject).toBe("Москва - столица России.");
    expect(parsed.from).toEqual({ address: "fyodor@local", name: "Фёдор Михайлович Достоевский" });
  });
});

describe("through the email handler", () => {
  it("a KOI8-R mail opens a ticket with its Russian subject, its requester named in Russian", async () => {
    const { agent } = await makeStaff();
    const koi8 = (text: string) => encode(text, "koi8-r");
    const address = `fyodor.${crypto.randomUUID().slice(0, 8)}@example.ru`;
    const raw = mail([join('From: "', koi8("Фёдор Достоевский"), `" <${address}>`), join("Subject: ", koi8("Не работает печать счетов"))], `m-${address}`);
    await deliver(raw, { from: address }, mailEnv().env);
    const list = await api("GET", `/api/v1/tickets?channel=email&q=${encodeURIComponent("печать")}`, { token: agent.token });
    expect(list.status).toBe(200);
    const ticket = list.body.data.find((t: { requester: { email: string } }) => t.requester.email === address);
    expect(ticket.subject).toBe("Не работает печать счетов");
    expect(ticket.requester.name).toBe("Фёдор Достоевский");
  });
});

describe("nothing that decoded before changes", () => {
  const before = decodedBefore as Record<string, { subject: string | null; from: string | null; to: string[]; cc: string[]; reply_to: string[]; filenames: (string | null)[] }>;

  it("covers every fixture from 01 to 40", () => {
    expect(Object.keys(before)).toHaveLength(40);
  });

  for (const [file, want] of Object.entries(before)) {
    it(file, async () => {
      const parsed = await parseInbound(fixture(file));
      expect({
        subject: parsed.subject,
        from: parsed.from?.name ?? null,
        to: parsed.to.map((a) => a.name),
        cc: parsed.cc.map((a) => a.name),
        reply_to: parsed.replyTo.map((a) => a.name),
        filenames: parsed.attachments.map((a) => a.filename),
      }).toEqual(want);
    });
  }

  it("raw UTF-8 headers (RFC 6532) stay UTF-8, even where Latin-1 would also read them", async () => {
    const parsed = await parseInbound(mail(["From: Zoë Ünal <zoe@example.com>", "Subject: Grüße aus Köln — 日本語", "Content-Type: text/plain; charset=iso-8859-1"]));
    expect(parsed.subject).toBe("Grüße aus Köln — 日本語");
    expect(parsed.from?.name).toBe("Zoë Ünal");
  });

  it("encoded-words without raw bytes decode as before", async () => {
    const parsed = await parseInbound(mail(["From: =?koi8-r?B?5sXEz9I=?= <f@example.com>", "Subject: =?iso-8859-1?Q?Fr=F6sche?="]));
    expect(parsed.subject).toBe("Frösche");
    expect(parsed.from?.name).toBe("Федор");
  });
});

describe("raw 8-bit header text", () => {
  const western = ["Grüße aus München", "Réunion d'équipe à 15 h", "¿Dónde está mi pedido? Año nuevo", "Bokföring för år 2025", "Façade, naïve, coöperation", "Ålesund – Øresund – Æbleskiver", "Preço: 30 € — promoção"];
  const russian = ["Москва - столица России.", "Привет, как дела?", "Счёт на оплату 123", "ЗАКАЗ ОТПРАВЛЕН", "Re: Ошибка при входе в личный кабинет", "Фёдор Михайлович Достоевский"];

  for (const text of western) {
    it(`Windows-1252 "${text}"`, async () => {
      expect((await parseInbound(mail([join("Subject: ", encode(text, "windows-1252"))]))).subject).toBe(text);
    });
  }
  for (const text of russian) {
    it(`KOI8-R "${text}"`, async () => {
      expect((await parseInbound(mail([join("Subject: ", encode(text, "koi8-r"))]))).subject).toBe(text);
    });
    it(`Windows-1251 "${text}"`, async () => {
      expect((await parseInbound(mail([join("Subject: ", encode(text, "windows-1251"))]))).subject).toBe(text);
    });
  }

  it("a From name and a Subject judged together: the short one follows the long one", async () => {
    // "Борис" alone is five letters; the Subject around it settles the charset of the whole block.
    const parsed = await parseInbound(mail([join('From: "', encode("Борис", "koi8-r"), '" <b@example.com>'), join("Subject: ", encode("Не работает печать счетов", "koi8-r"))]));
    expect(parsed.from?.name).toBe("Борис");
    expect(parsed.subject).toBe("Не работает печать счетов");
  });

  it("the part's declared charset reads its header when it decodes it (Shift_JIS, a multi-byte charset)", async () => {
    // 日本語のテスト in Shift_JIS.
    const sjis = Uint8Array.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0x82, 0xcc, 0x83, 0x65, 0x83, 0x58, 0x83, 0x67]);
    const parsed = await parseInbound(mail([join("Subject: ", sjis), "Content-Type: text/plain; charset=Shift_JIS"]));
    expect(parsed.subject).toBe("日本語のテスト");
  });

  it("a declared ISO-8859-2 body reads its Polish header", async () => {
    // "Zażółć gęślą jaźń" in ISO-8859-2.
    const text = "Zażółć gęślą jaźń";
    const parsed = await parseInbound(mail([join("Subject: ", encode(text, "iso-8859-2")), "Content-Type: text/plain;", ' charset="iso-8859-2"']));
    expect(parsed.subject).toBe(text);
  });

  it("a declared charset that contradicts the bytes loses to the plausible reading", async () => {
    const parsed = await parseInbound(mail([join("Subject: ", encode("Привет, как дела?", "koi8-r")), "Content-Type: text/plain; charset=iso-8859-1"]));
    expect(parsed.subject).toBe("Привет, как дела?");
  });

  it("raw bytes inside a Q encoded-word decode in the word's own charset, whatever the text around them", async () => {
    const parsed = await parseInbound(
      mail([join("Subject: ", encode("Счёт", "koi8-r"), " =?koi8-r?Q?", encode("Москва", "koi8-r"), "?= ", "=?windows-1251?Q?", encode("Москва", "windows-1251"), "?=")]),
    );
    expect(parsed.subject).toBe("Счёт МоскваМосква");
  });

  it("an attachment's raw Latin-1 file name (RFC 2231 would encode it) decodes", async () => {
    const raw = join(
      "From: a@example.com\r\nSubject: files\r\nMessage-ID: <f@example.com>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n",
      "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n",
      "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"",
      encode("Übersicht März.pdf", "windows-1252"),
      "\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n",
    );
    expect((await parseInbound(raw)).attachments.map((a) => a.filename)).toEqual(["Übersicht März.pdf"]);
  });

  it("a header block that is all 8-bit noise still parses, linearly, without replacement characters", async () => {
    const noise = Uint8Array.from({ length: 200_000 }, (_, i) => 0x80 + ((i * 37) % 128));
    const started = performance.now();
    const parsed = await parseInbound(mail([join("Subject: ", noise)]));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(parsed.subject).not.toContain("\ufffd");
  });
});

describe("the plausibility measure", () => {
  it.each([
    ["Grüße aus München", 0],
    ["été à Paris", 0],
    ["Москва - столица России.", 0],
    ["Zażółć gęślą jaźń", 0],
    ["íÏÓË×Á - ÓÔÏÌÉÃÁ", 3], // KOI8-R read as Windows-1252: × inside a word, two words without an ASCII letter
    ["Za¿ó³æ gê¶l± ja¼ñ", 4], // ISO-8859-2 read as Windows-1252: ¿ ³ ¶ ¼ inside words
    ["col·legi", 0],
    ["нПУЛЧБ", 1], // KOI8-R read as Windows-1251: lower turning upper inside the word
    ["FrЖsche", 1], // Latin-1 read as KOI8-R: a Latin word with a Cyrillic letter
    ["Link Exchange┤", 1], // a box-drawing character
  ])("%s → %i", (text, points) => {
    expect(implausibility(text)).toBe(points);
  });

  it("Russian letters are commoner in the right Cyrillic reading", () => {
    expect(cyrillicCommonness("заказ отправлен")).toBeGreaterThan(cyrillicCommonness("гюйюг нропюбкем"));
  });

  it("never second-guesses a multi-byte charset that decodes, and guesses when the declared one cannot decode", () => {
    expect(guessHeaderCharset([Uint8Array.from([0x93, 0xfa, 0x96, 0x7b])], "shift_jis")).toBe("shift_jis");
    expect(guessHeaderCharset([encode("Привет", "koi8-r")], "utf-8")).toBe("koi8-r");
    expect(guessHeaderCharset([encode("Grüße", "windows-1252")], null)).toBe("windows-1252");
    expect(guessHeaderCharset([encode("ЗАКАЗ ОТПРАВЛЕН", "windows-1251")], null)).toBe("windows-1251");
    expect(guessHeaderCharset([encode("ЗАКАЗ ОТПРАВЛЕН", "koi8-r")], null)).toBe("koi8-r");
    // Declared, and as plausible as any guess: the declaration wins ("à" alone reads as a letter in every candidate).
    expect(guessHeaderCharset([encode("Rendez-vous à demain", "windows-1252")], null)).toBe("windows-1252");
  });
});
