/**
 * Does this mail really come from its `From` domain? Decided on something the sender cannot write:
 * a DKIM signature we verify ourselves (dkim.ts, keys over DNS-over-HTTPS), aligned with the From
 * domain as DMARC defines it (RFC 7489 3.1: same organisational domain, from the Public Suffix
 * List through tldts; exact match when the domain's DMARC record says `adkim=s`).
 *
 * Authentication-Results headers are never a reason to trust a mail: Email Routing does not
 * reliably hand one to a Worker (docs/data-model.md "Sender authentication" has the sources), and
 * one the sender wrote looks the same. They are read for one thing only: a `dmarc=fail` for the
 * From domain under Cloudflare's authserv-id vetoes everything else. A forged copy can only get
 * its own mail quarantined, so reading it is safe.
 */
import { getDomain } from "tldts";
import type { TxtResolver } from "./dns";
import { parseTags, verifyDkim, type DkimResult, type RawMessage } from "./dkim";

export type SenderAuthFailure = "no_from" | "no_signature" | "not_aligned" | "signature_failed" | "dns_error" | "dmarc_fail";

export type SenderAuthVerdict =
  | { ok: true; method: "dkim"; domain: string }
  | { ok: false; reason: SenderAuthFailure; /** What was checked and what it found, for the agent deciding on release. */ detail: string };

/** Longest header value looked at: an attacker-sized header never reaches the regexes. */
const MAX_RESULTS_CHARS = 4_000;

/** The registrable domain (Public Suffix List, private section included: eu.org, us.com…), or null for a public suffix itself. */
export function organisationalDomain(domain: string): string | null {
  return getDomain(domain.toLowerCase().replace(/\.$/, ""), { allowPrivateDomains: true }) ?? null;
}

const domainOf = (value: string) => {
  const at = value.lastIndexOf("@");
  return (at >= 0 ? value.slice(at + 1) : value).trim().replace(/^<|>$/g, "").toLowerCase();
};

interface MethodResult {
  method: string;
  result: string;
  props: Record<string, string>;
}

/** `[i=N;] authserv-id; method=result (comment) ptype.prop=value …; …` → the id and each method's result. */
export function parseAuthenticationResults(value: string): { authservId: string; results: MethodResult[] } {
  const clean = value.slice(0, MAX_RESULTS_CHARS).replace(/\([^()]*\)/g, " ").replace(/^\s*i\s*=\s*\d+\s*;/i, "");
  const [head, ...rest] = clean.split(";");
  const authservId = (head ?? "").trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  const results: MethodResult[] = [];
  for (const part of rest) {
    const tokens = part.trim().split(/\s+/).filter(Boolean);
    const first = tokens[0]?.match(/^([a-z0-9_-]+)=([a-z]+)$/i);
    if (!first) continue;
    const props: Record<string, string> = {};
    for (const token of tokens.slice(1)) {
      const m = token.match(/^([a-z0-9_-]+\.[a-z0-9_-]+)=(.+)$/i);
      if (m) props[m[1]!.toLowerCase()] = m[2]!.replace(/^"|"$/g, "");
    }
    results.push({ method: first[1]!.toLowerCase(), result: first[2]!.toLowerCase(), props });
  }
  return { authservId, results };
}

/** True when any Authentication-Results of `authservId` records a DMARC failure for `fromDomain`. */
export function dmarcFailRecorded(values: readonly string[], authservId: string, fromDomain: string): boolean {
  return values.some((value) => {
    const parsed = parseAuthenticationResults(value);
    return parsed.authservId === authservId.toLowerCase() && parsed.results.some((r) => r.method === "dmarc" && r.result === "fail" && domainOf(r.props["header.from"] ?? fromDomain) === fromDomain);
  });
}

/** `adkim` of the From domain's DMARC record (RFC 7489 6.6.3: the domain's own record, else its organisational domain's). */
async function strictDkimAlignment(resolver: TxtResolver, fromDomain: string, orgDomain: string): Promise<boolean> {
  for (const name of [...new Set([fromDomain, orgDomain])]) {
    const record = (await resolver(`_dmarc.${name}`)).map(parseTags).find((t) => t?.v === "DMARC1");
    if (record) return record.adkim?.toLowerCase() === "s";
  }
  return false;
}

const describe = (r: DkimResult) => (r.result === "pass" ? `d=${r.domain} pass` : `d=${r.domain ?? "?"} ${r.result} (${r.reason})`);

export interface SenderAuthInput {
  message: RawMessage;
  fromAddress: string | null;
  /** Authentication-Results and ARC-Authentication-Results values of the mail, read only for a DMARC veto. */
  authenticationResults: readonly string[];
  authservId: string;
  resolver: TxtResolver;
  now: Date;
}

export async function checkSenderAuth(input: SenderAuthInput): Promise<SenderAuthVerdict> {
  if (!input.fromAddress) return { ok: false, reason: "no_from", detail: "The mail has no From address" };
  const fromDomain = domainOf(input.fromAddress);
  const orgDomain = organisationalDomain(fromDomain);
  if (dmarcFailRecorded(input.authenticationResults, input.authservId, fromDomain)) {
    return { ok: false, reason: "dmarc_fail", detail: `${input.authservId} recorded dmarc=fail for ${fromDomain}` };
  }
  const results = await verifyDkim(input.message, input.resolver, input.now);
  const seen = results.length ? `signatures: ${results.map(describe).join("; ")}` : "the mail carries no DKIM signature";
  const aligned = results.filter((r) => r.domain && orgDomain && organisationalDomain(r.domain) === orgDomain);
  const passed = aligned.filter((r): r is Extract<DkimResult, { result: "pass" }> => r.result === "pass");
  if (passed.length) {
    try {
      const strict = await strictDkimAlignment(input.resolver, fromDomain, orgDomain!);
      const pass = strict ? passed.find((r) => r.domain === fromDomain) : passed[0];
      if (pass) return { ok: true, method: "dkim", domain: pass.domain };
      return { ok: false, reason: "not_aligned", detail: `DMARC of ${fromDomain} asks for strict alignment (adkim=s); ${seen}` };
    } catch (err) {
      return { ok: false, reason: "dns_error", detail: `DMARC record of ${fromDomain} could not be read: ${String(err).slice(0, 200)}` };
    }
  }
  if (aligned.some((r) => r.result === "temperror")) return { ok: false, reason: "dns_error", detail: `No DKIM key could be fetched for ${fromDomain}; ${seen}` };
  if (aligned.length) return { ok: false, reason: "signature_failed", detail: `No DKIM signature of ${fromDomain} verifies; ${seen}` };
  if (results.length) return { ok: false, reason: "not_aligned", detail: `No DKIM signature aligned with ${fromDomain}; ${seen}` };
  return { ok: false, reason: "no_signature", detail: `No DKIM signature aligned with ${fromDomain}; ${seen}` };
}
