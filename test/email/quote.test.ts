import { describe, expect, it } from "vitest";
import { decodeFormatFlowed, decodeHtmlEntities, htmlToText, splitReply, stripQuotedReply } from "../../src/email/quote";

const lines = (...rows: string[]) => rows.join("\n");

describe("stripQuotedReply: reply headers", () => {
  it.each([
    ["Gmail", lines("Thanks!", "", "On Mon, Apr 2, 2012 at 6:26 PM, Megan One <m@example.com> wrote:", "", "> Hi", "> there"), "Thanks!"],
    [
      "Gmail, header wrapped over two lines",
      lines("Thanks!", "", "On Mon, Apr 2, 2012 at 6:26 PM, Megan One <", "m@example.com> wrote:", "", "> Hi"),
      "Thanks!",
    ],
    [
      "header wrapped over three lines",
      lines("Thanks!", "", "On Monday, April 2, 2012 at", "6:26 PM, Megan One", "<m@example.com> wrote:", "> Hi"),
      "Thanks!",
    ],
    ["Apple Mail", lines("Yes", "", "On Apr 3, 2012, at 4:19 PM, bob wrote:", "", "> Hi"), "Yes"],
    ["German", lines("Danke", "", "Am 02.04.2012 um 18:26 schrieb Bob <bob@example.de>:", "> Hallo"), "Danke"],
    ["French", lines("Merci", "", "Le 2 avr. 2012 à 18:26, Bob <bob@example.fr> a écrit :", "> Salut"), "Merci"],
    ["Spanish", lines("Gracias", "", "El lun, 2 abr 2012 a las 18:26, Bob (<bob@example.es>) escribió:", "> Hola"), "Gracias"],
    [
      "Gmail for Android, date first, Russian",
      lines("Привет", '02.04.2012 14:20 пользователь "bob@example.com" <', "bob@example.com> написал:", "", "> Hi", ">"),
      "Привет",
    ],
    ["old Gmail, date first", lines("Ok", "", "2014-10-17 11:28 GMT+03:00 Bob <bob@example.com>:", "", "> Hi", "> there"), "Ok"],
    ["-----Original Message-----", lines("Fixed.", "", "-----Original Message-----", "From: Bob", "Sent: today", "", "old text"), "Fixed."],
    ["----- Original Message -----", lines("Fixed.", "----- Original Message -----", "From: Bob", "old text"), "Fixed."],
    ["Ursprüngliche Nachricht", lines("Erledigt.", "-----Ursprüngliche Nachricht-----", "Von: Bob", "alter Text"), "Erledigt."],
    [
      "Outlook header block, no '>' quoting",
      lines("Hello", "", "From: Bob [mailto:bob@example.com]", "Sent: March-09-12 4:22 PM", "To: Dan", "Subject: Loop", "", "Original text", "more"),
      "Hello",
    ],
    [
      "Outlook block after an underscore rule",
      lines("Hello", "", "________________________________", "From: Bob <bob@example.com>", "Sent: Monday", "To: Dan", "", "Original"),
      "Hello",
    ],
    [
      "Outlook block in German",
      lines("Hallo", "", "Von: Bob <bob@example.com>", "Gesendet: Montag, 2. April 2012 18:26", "An: Dan", "Betreff: Test", "", "alt"),
      "Hallo",
    ],
    ["bold Outlook headers from HTML", lines("Hi", "", "*From:* Bob <bob@example.com>", "*Sent:* Monday", "*To:* Dan", "", "old"), "Hi"],
  ])("%s", (_name, text, visible) => {
    expect(stripQuotedReply(text)).toBe(visible);
  });
});

describe("stripQuotedReply: shapes of a reply", () => {
  it("keeps a bottom reply written under the quote (top-quote, bottom-reply)", () => {
    expect(stripQuotedReply(lines("On 04/02/2012 06:26 PM, Megan One wrote:", "> Hi", "", "Hello", ""))).toBe("Hello");
  });

  it("keeps an inline (interleaved) reply whole", () => {
    const text = lines("On Mon, Apr 2, 2012 at 6:26 PM, Bob <b@example.com> wrote:", "> Question one?", "Answer one.", "> Question two?", "Answer two.");
    expect(splitReply(text)).toEqual({ visible: text, stripped: false, forward: false });
  });

  it("keeps signatures: 'Sent from my iPhone' and a '-- ' block", () => {
    expect(stripQuotedReply(lines("Hello", "", "Sent from my iPhone", "", "On Apr 3, 2012, at 4:19 PM, bob <b@example.com> wrote:", "", "> Hi"))).toBe(
      "Hello\n\nSent from my iPhone",
    );
    expect(stripQuotedReply(lines("Hello ", "", "-- ", "Bob", "", "On Tuesday, April 3, 2012 at 4:55 PM, xxx wrote:", "> Hi"))).toBe("Hello \n\n-- \nBob");
  });

  it("treats two stray '>' lines without a reply header as text", () => {
    const text = lines("Compare:", "> a", "> b", "They differ.");
    expect(stripQuotedReply(text)).toBe(text);
  });

  it("keeps a lone quoted line of the sender's own text above a reply header", () => {
    expect(stripQuotedReply(lines("Compare:", "> a", "They differ.", "", "On Mon, Apr 2, 2012 at 6:26 PM, Bob <b@example.com> wrote:", "> old"))).toBe(
      "Compare:\n> a\nThey differ.",
    );
  });

  it("strips a block of three or more quoted lines even without a header", () => {
    expect(stripQuotedReply(lines("My answer", "", "> one", "> two", "> three"))).toBe("My answer");
  });

  it("does not take a sentence for a reply header", () => {
    const text = lines("On Monday my colleague wrote:", "> the report is late", "Can you check?");
    expect(stripQuotedReply(text)).toBe(text);
    const plain = lines("Hello,", "From: the accounting team: we need an invoice.", "Thanks");
    expect(stripQuotedReply(plain)).toBe(plain);
    for (const prose of [
      lines("On 3 March 2024 we wrote to you about the following:", "- item 1", "- item 2"),
      lines("On 3 March 2024 I sent the form to bob@example.com:", "- page 1"),
      lines("2024-03-01 I emailed bob@example.com the following:", "- page 1"),
    ]) {
      expect(stripQuotedReply(prose)).toBe(prose);
    }
  });

  it("returns plain text unchanged, trimmed", () => {
    expect(splitReply("\n\n  Just a question.\n\n")).toEqual({ visible: "Just a question.", stripped: false, forward: false });
    expect(stripQuotedReply("")).toBe("");
  });

  it("a header with nothing after it is removed", () => {
    expect(stripQuotedReply(lines("Done", "", "On Mon, Apr 2, 2012 at 6:26 PM, Bob <b@example.com> wrote:", ""))).toBe("Done");
  });

  it("normalises CRLF", () => {
    expect(stripQuotedReply("Hi\r\n\r\nOn Mon, Apr 2, 2012 at 6:26 PM, Bob <b@example.com> wrote:\r\n> x\r\n")).toBe("Hi");
  });
});

describe("stripQuotedReply: forwards keep their content", () => {
  it.each([
    ["Gmail", "---------- Forwarded message ---------"],
    ["Thunderbird", "-------- Forwarded Message --------"],
    ["Apple Mail", "Begin forwarded message:"],
    ["German Gmail", "---------- Weitergeleitete Nachricht ---------"],
  ])("%s forward marker", (_name, marker) => {
    const text = lines("FYI, see below.", "", marker, "From: Bob <bob@example.com>", "Date: Mon, 2 Apr 2012", "Subject: Broken", "", "It is broken.", "> and quoted");
    expect(splitReply(text)).toEqual({ visible: text, stripped: false, forward: true });
  });

  it("an attached message's header box (as postal-mime renders it) is forwarded content", () => {
    const text = lines(
      "This is the first part.",
      "",
      "-------------------------------------",
      "From:    Test Tester <t@example.com>",
      "Subject: Another PDF",
      "Date:    5/10/2005, 17:26:39",
      "-------------------------------------",
      "",
      "Just attaching another PDF",
    );
    expect(splitReply(text)).toMatchObject({ visible: text, forward: true });
  });

  it("a forward quoted inside a reply is stripped with the reply", () => {
    const text = lines("Thanks", "", "On Mon, Apr 2, 2012 at 6:26 PM, Bob <b@example.com> wrote:", "> ---------- Forwarded message ---------", "> stuff");
    expect(splitReply(text)).toMatchObject({ visible: "Thanks", forward: false });
  });
});

describe("stripQuotedReply: bounded work", () => {
  it("a long message with header-like lines everywhere stays fast", () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `On ${"x ".repeat(150)}${i} sent`).join("\n");
    const started = Date.now();
    stripQuotedReply(text);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("only the first MAX_SCANNED_LINES lines are looked at", () => {
    const text = `${"line\n".repeat(6_000)}On Mon, Apr 2, 2012 at 6:26 PM, Bob <b@example.com> wrote:\n> x`;
    expect(stripQuotedReply(text)).toBe(text.trim());
  });
});

describe("decodeFormatFlowed (RFC 3676)", () => {
  it("joins soft breaks (lines ending in a space)", () => {
    expect(decodeFormatFlowed("This is a long \nparagraph.\nNext line.\n", false)).toBe("This is a long paragraph.\nNext line.\n");
  });

  it("drops the space before a soft break with DelSp=yes", () => {
    expect(decodeFormatFlowed("Split-\nword stays \nsplitword\n", true)).toBe("Split-\nword stayssplitword\n");
  });

  it("never joins lines of different quote depth", () => {
    expect(decodeFormatFlowed("On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi \nHello", false)).toBe(
      "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi \nHello",
    );
    expect(decodeFormatFlowed(">> deep \n>> more\n> shallow", false)).toBe(">> deep more\n> shallow");
  });

  it("removes space-stuffing and keeps the signature separator on its own line", () => {
    expect(decodeFormatFlowed(" From here\nBye \n-- \nBob", false)).toBe("From here\nBye \n-- \nBob");
  });
});

describe("htmlToText", async () => {
  it("turns blocks, breaks and paragraphs into lines", async () => {
    expect(await htmlToText("<div>One</div><div>Two<br>Three</div><p>Para</p><p>Graph</p>")).toBe("One\nTwo\nThree\n\nPara\n\nGraph");
  });

  it("collapses whitespace like a browser and keeps <pre> as written", async () => {
    expect(await htmlToText("<p>  a \n\t b  </p><pre>x  y\n  z</pre>")).toBe("a b\n\nx  y\n  z");
  });

  it("decodes entities after tokenising, so escaped markup stays text", async () => {
    expect(await htmlToText("<p>&lt;script&gt; &amp; &eacute;&#233;&#xE9; &nbsp;x &euro; &#x1F600; &bogus;</p>")).toBe("<script> & ééé  x € 😀 &bogus;");
  });

  it("renders lists", async () => {
    expect(await htmlToText("<ul><li>a</li><li>b<ol><li>c</li><li>d</li></ol></li></ul>")).toBe("- a\n- b\n  1. c\n  2. d");
  });

  it("renders blockquotes as '>' lines", async () => {
    expect(await htmlToText("<p>Reply</p><blockquote><p>Quoted</p><blockquote>Deeper</blockquote></blockquote>")).toBe(
      "Reply\n\n> Quoted\n>\n>> Deeper",
    );
  });

  it("separates table cells and rows", async () => {
    expect(await htmlToText("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>")).toBe("a b\nc");
  });

  it("drops script, style, head and comments", async () => {
    expect(
      await htmlToText("<html><head><title>T</title><style>p{}</style></head><body><script>x()</script><!-- c -->Body</body></html>"),
    ).toBe("Body");
  });

  it("survives broken markup", async () => {
    expect(await htmlToText("a < b and c > d")).toBe("a < b and c > d");
    expect(await htmlToText("before<div title='x>y'>after</div>")).toBe("before\nafter");
    expect(await htmlToText("text <a href=\"unterminated")).toBe("text");
    expect(await htmlToText("<head><p>no head end")).toBe("no head end");
    expect(await htmlToText("x<script>never closed")).toBe("x");
  });

  it("uses an image's alt text", async () => {
    expect(await htmlToText('Logo: <img src="cid:x" alt="ACME">')).toBe("Logo: ACME");
  });

  it("is linear on hostile input", async () => {
    const started = Date.now();
    await htmlToText("<a ".repeat(300_000));
    await htmlToText(`<a title="${"x".repeat(500_000)}`);
    await htmlToText("<div>".repeat(100_000) + "<blockquote>".repeat(10_000) + "deep");
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe("decodeHtmlEntities", () => {
  it("decodes what a browser would decode in a URL", () => {
    expect(decodeHtmlEntities("jav&#x61;script&colon;&Tab;x")).toBe("javascript:\tx");
    expect(decodeHtmlEntities("&#0;&#xD800;&#1114112;")).toBe("\ufffd\ufffd\ufffd");
    expect(decodeHtmlEntities("no entities")).toBe("no entities");
  });
});
