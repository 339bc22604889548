import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { BASE } from "../helpers";

export interface Page {
  status: number;
  headers: Headers;
  text: string;
}

/** A browser-like request through the Worker's real fetch (pages are not JSON). */
export async function page(path: string, init: RequestInit = {}, base = BASE): Promise<Page> {
  const res = await exports.default.fetch(new Request(`${base}${path}`, { redirect: "manual", ...init }));
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The page policy of API.md "Web app": own origin only, no inline script or style, no framing. */
export function expectStrictPolicy(p: Page, path: string) {
  expect(p.headers.get("content-type"), path).toMatch(/^text\/html/);
  const csp = p.headers.get("content-security-policy") ?? "";
  const directives = Object.fromEntries(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  );
  expect(directives["default-src"], path).toEqual(["'self'"]);
  expect(directives["script-src"], path).toEqual(["'self'"]);
  expect(directives["style-src"], path).toEqual(["'self'"]);
  expect(directives["frame-ancestors"], path).toEqual(["'none'"]);
  expect(directives["object-src"], path).toEqual(["'none'"]);
  expect(directives["base-uri"], path).toEqual(["'none'"]);
  expect(csp, path).not.toMatch(/unsafe-|https?:|\*/);
  expect(p.headers.get("x-frame-options"), path).toBe("DENY");
  expect(p.headers.get("x-content-type-options"), path).toBe("nosniff");
}

/** Every <script> of a page loads a file of our own: no inline code, no other origin. */
export function expectOwnScriptsOnly(p: Page, path: string) {
  const scripts = [...p.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
  for (const [, attrs, body] of scripts) {
    expect(body!.trim(), `${path}: inline script`).toBe("");
    expect(attrs, path).toMatch(/\bsrc="\/assets\/[\w.-]+\.js"/);
  }
  for (const [, url] of p.text.matchAll(/\b(?:src|href)="([^"]+)"/g)) {
    expect(url, path).not.toMatch(/^(?:https?:)?\/\/(?!edgedesk\.test)/);
  }
  expect(p.text, path).not.toMatch(/\sstyle="/i);
  expect(p.text, path).not.toMatch(/\son[a-z]+="/i);
}
