/**
 * The SSRF guard around an endpoint URL (webhooks and channels), with the I/O the pure rules of
 * domain/endpoint-url.ts leave out: the setting that allows local development, and DNS. Every
 * address a host name resolves to must be public, so a name that points into a private network
 * (or was re-pointed there after it was saved) is never reached. Checked when a URL is saved and
 * again before every send.
 */
import { checkEndpointUrl, isLoopbackAddress, isPublicAddress } from "../../domain/endpoint-url";
import { addressResolver, DnsLookupError } from "../../email/dns";
import type { Bindings } from "../../env";

export const allowsLocal = (env: Bindings) => env.WEBHOOKS_ALLOW_LOCAL === "true";

export type EndpointCheck =
  | { ok: true; url: string }
  /** refused: the URL itself breaks a rule; private: its host resolves to a non-public address; unresolved: DNS gave no answer now. */
  | { ok: false; kind: "refused" | "private" | "unresolved"; error: string };

export async function checkEndpoint(env: Bindings, raw: string): Promise<EndpointCheck> {
  const local = allowsLocal(env);
  const verdict = checkEndpointUrl(raw, { allowLocal: local });
  if (!verdict.ok) return { ok: false, kind: "refused", error: verdict.detail };
  const { hostname } = verdict;
  if (verdict.literal || (local && (hostname === "localhost" || hostname.endsWith(".localhost")))) return { ok: true, url: verdict.url.href };
  let addresses: string[];
  try {
    addresses = await addressResolver(env)(hostname);
  } catch (err) {
    return { ok: false, kind: "unresolved", error: err instanceof DnsLookupError ? err.message : `DNS look-up of ${hostname} failed` };
  }
  if (!addresses.length) return { ok: false, kind: "unresolved", error: `${hostname} does not resolve` };
  const hidden = addresses.find((a) => !isPublicAddress(a) && !(local && isLoopbackAddress(a)));
  if (hidden) return { ok: false, kind: "private", error: `${hostname} resolves to ${hidden}, which is not a public address` };
  return { ok: true, url: verdict.url.href };
}
