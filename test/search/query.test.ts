import { describe, expect, it } from "vitest";
import {
  allWordsExpression,
  anyWordExpression,
  MAX_QUERY_WORDS,
  ownerToken,
  searchWords,
  snippetHtml,
  snippetMarkers,
  suggestionWords,
  withToken,
} from "../../src/domain/search-query";

describe("searchWords", () => {
  it.each([
    ["printer jam", ["printer", "jam"]],
    ['"printer', ["printer"]],
    ["NEAR(printer jam)", ["near", "printer", "jam"]],
    ["subject:printer", ["subject", "printer"]],
    ["-printer ^jam +x", ["printer", "jam", "x"]],
    ["printer* OR jam", ["printer", "or", "jam"]],
    ["Café CAFÉ café", ["café"]],
    ["don't", ["don", "t"]],
    ["   ", []],
    ['"*:^-()', []],
    ["🙂 \u0301", []],
  ])("%j → %j", (query, words) => {
    expect(searchWords(query)).toEqual(words);
  });

  it("keeps at most MAX_QUERY_WORDS words", () => {
    const many = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
    expect(searchWords(many)).toHaveLength(MAX_QUERY_WORDS);
  });

  it("normalises decomposed accents to the composed form", () => {
    expect(searchWords("cafe\u0301")).toEqual(["café"]);
  });
});

describe("MATCH expressions", () => {
  it("quotes every word and prefix-matches only the last, from three letters on", () => {
    expect(allWordsExpression(["printer", "ja"], ["subject", "description"])).toBe('{subject description} : ("printer" "ja")');
    expect(allWordsExpression(["printer", "jam"], ["body"])).toBe('body : ("printer" "jam"*)');
    expect(allWordsExpression(["near", "or"], ["body"])).toBe('body : ("near" "or")');
    expect(allWordsExpression([], ["body"])).toBeNull();
  });

  it("ORs words for suggestions", () => {
    expect(anyWordExpression(["vpn", "login"], ["title", "body"])).toBe('{title body} : ("vpn" OR "login")');
  });

  it("owner tokens are one hex token, whatever the id holds", () => {
    expect(ownerToken("ab")).toBe("u61620");
    expect(ownerToken('x" OR y')).toMatch(/^u[0-9a-f]+0$/);
    expect(withToken('body : ("a")', "scope", ownerToken("ab"))).toBe('body : ("a") AND scope : "u61620"');
  });
});

describe("snippetHtml", () => {
  const m = snippetMarkers("n0nce");
  it("escapes the text and keeps only our markers as <mark>", () => {
    expect(snippetHtml(`a <b> ${m.open}jam${m.close} & "c"`, m)).toBe("a &lt;b&gt; <mark>jam</mark> &amp; &quot;c&quot;");
  });

  it("text that imitates markers or contains <mark> stays text", () => {
    const forged = snippetMarkers("guess");
    expect(snippetHtml(`${forged.open}x${forged.close} <mark>y</mark> ${m.open}z${m.close}`, m)).toBe(
      `${forged.open}x${forged.close} &lt;mark&gt;y&lt;/mark&gt; <mark>z</mark>`,
    );
  });
});

describe("suggestionWords", () => {
  it("drops stop words and keeps subject words first", () => {
    expect(suggestionWords("I cannot log in to the VPN", "Hello, please help: the VPN client says error 809")).toEqual([
      "log",
      "vpn",
      "client",
      "says",
      "error",
      "809",
    ]);
  });
});
