/**
 * Is the From domain of a mail vouched for by SPF/DKIM/DMARC? Pure: header values in, a verdict out.
 *
 * Cloudflare Email Routing records its checks in an `Authentication-Results` header (RFC 8601)
 * that it prepends. A sender can write any number of such headers into the message below it, so
 * only the topmost one is read, and only when it carries our receiving MTA's authserv-id.
 * The From domain is aligned-pass when DMARC passed for it, or when DKIM (`header.d`) or SPF
 * (`smtp.mailfrom`) passed for the same organisational domain (relaxed alignment, RFC 7489 3.1).
 */

export type SenderAuthVerdict =
  | { ok: true; method: "dmarc" | "dkim" | "spf" }
  | { ok: false; reason: "no_results" | "untrusted_results" | "no_from" | "not_aligned" };

/** Longest header value looked at: an attacker-sized header never reaches the regexes. */
const MAX_RESULTS_CHARS = 4_000;

/**
 * The registrable part of a domain, approximated as its last two labels (three under a two-letter
 * second-level such as co.uk). Good enough for alignment: a miss quarantines, it never lets a stranger in.
 */
export function organisationalDomain(domain: string): string {
  const labels = domain.toLowerCase().replace(/\.$/, "").split(".");
  if (labels.length <= 2) return labels.join(".");
  const sld = labels[labels.length - 2]!;
  const keep = labels[labels.length - 1]!.length === 2 && (sld.length <= 3 || /^(co|com|net|org|gov|ac|edu)$/.test(sld)) ? 3 : 2;
  return labels.slice(-keep).join(".");
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

/** `authserv-id; method=result (comment) ptype.prop=value …; …` → the id and each method's result. */
export function parseAuthenticationResults(value: string): { authservId: string; results: MethodResult[] } {
  const clean = value.slice(0, MAX_RESULTS_CHARS).replace(/\([^()]*\)/g, " ");
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

export function checkSenderAuth(input: { authenticationResults: readonly string[]; fromAddress: string | null; authservId: string }): SenderAuthVerdict {
  const top = input.authenticationResults[0];
  if (!top) return { ok: false, reason: "no_results" };
  if (!input.fromAddress) return { ok: false, reason: "no_from" };
  const parsed = parseAuthenticationResults(top);
  if (parsed.authservId !== input.authservId.toLowerCase()) return { ok: false, reason: "untrusted_results" };
  const fromDomain = domainOf(input.fromAddress);
  const aligned = (domain: string | undefined) => !!domain && organisationalDomain(domainOf(domain)) === organisationalDomain(fromDomain);
  for (const r of parsed.results) {
    if (r.result !== "pass") continue;
    // DMARC's own header.from must be this mail's From domain: a pass for another domain proves nothing here.
    if (r.method === "dmarc" && domainOf(r.props["header.from"] ?? "") === fromDomain) return { ok: true, method: "dmarc" };
  }
  for (const r of parsed.results) {
    if (r.result !== "pass") continue;
    if (r.method === "dkim" && aligned(r.props["header.d"] ?? r.props["header.i"])) return { ok: true, method: "dkim" };
    if (r.method === "spf" && aligned(r.props["smtp.mailfrom"])) return { ok: true, method: "spf" };
  }
  return { ok: false, reason: "not_aligned" };
}
