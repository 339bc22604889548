/**
 * TXT look-ups over DNS-over-HTTPS (RFC 8484's JSON flavour, as cloudflare-dns.com answers it):
 * a Worker has no resolver of its own. Used for DKIM keys and DMARC records (sender-auth.ts).
 *
 * The fetcher is the `DOH` binding when there is one (tests hand in a fake, so they run offline
 * with keys they generate), else the global fetch. Answers are cached per isolate for their TTL,
 * clamped, so a burst of mail from one domain costs one look-up.
 */
import type { Bindings } from "../env";

export const DOH_ENDPOINT = "https://cloudflare-dns.com/dns-query";
/** Shortest and longest time an answer is kept: a zero TTL must not mean a look-up per mail, a day-long one must not outlive a key rotation by much. */
const MIN_TTL_S = 60;
const MAX_TTL_S = 3_600;
/** Names kept per fetcher: one isolate serves many senders, the cache must not grow without bound. */
const MAX_CACHED_NAMES = 512;
/** A TXT answer larger than this is not a DKIM key or a DMARC record (a 4096-bit key is ~750 characters). */
const MAX_TXT_CHARS = 8_192;
/** One look-up may not hold the mail handler long; a slow resolver quarantines rather than stalls. */
const LOOKUP_TIMEOUT_MS = 5_000;

/** The TXT strings at a name (each record's strings joined), [] when there are none; throws when the resolver could not answer. */
export type TxtResolver = (name: string) => Promise<string[]>;

export class DnsLookupError extends Error {
  override readonly name = "DnsLookupError";
}

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
const caches = new WeakMap<object, Map<string, { expires: number; value: string[] }>>();
const GLOBAL_FETCH = {};

/** `"v=DKIM1; k=rsa; " "p=MIIB…"` → `v=DKIM1; k=rsa; p=MIIB…` (RFC 1035 character-strings, with their escapes). */
export function joinTxtData(data: string): string {
  const strings = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(\d{3}|.)/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(Number(e)) : e)));
  return strings.length ? strings.join("") : data;
}

/** DNS record types we ask for, by their numbers in answers. */
const RECORD_TYPES = { TXT: 16, A: 1, AAAA: 28 } as const;
type RecordType = keyof typeof RECORD_TYPES;

/** A cached DNS-over-HTTPS look-up of one record type; TXT answers are joined into their strings. */
function recordResolver(env: Pick<Bindings, "DOH">, type: RecordType): TxtResolver {
  const fetcher: Fetch = env.DOH ? (input, init) => env.DOH!.fetch(input, init) : (input, init) => fetch(input, init);
  const key = env.DOH ?? GLOBAL_FETCH;
  let cache = caches.get(key);
  if (!cache) caches.set(key, (cache = new Map()));
  const known = cache;
  return async (name) => {
    const lower = name.toLowerCase().replace(/\.$/, "");
    const cacheKey = `${type} ${lower}`;
    const hit = known.get(cacheKey);
    if (hit && hit.expires > Date.now()) return hit.value;
    let body: { Status?: number; Answer?: { type?: number; TTL?: number; data?: string }[] };
    try {
      const res = await fetcher(`${DOH_ENDPOINT}?name=${encodeURIComponent(lower)}&type=${type}`, {
        headers: { accept: "application/dns-json" },
        signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
      });
      if (!res.ok) throw new DnsLookupError(`DNS-over-HTTPS answered ${res.status} for ${lower}`);
      body = await res.json();
    } catch (err) {
      if (err instanceof DnsLookupError) throw err;
      throw new DnsLookupError(`DNS-over-HTTPS look-up of ${lower} failed: ${String(err).slice(0, 200)}`);
    }
    // 0 NOERROR, 3 NXDOMAIN: both are answers; anything else (SERVFAIL …) is a temporary failure.
    if (body.Status !== 0 && body.Status !== 3) throw new DnsLookupError(`DNS status ${body.Status} for ${lower}`);
    const answers = (body.Answer ?? []).filter((a) => a.type === RECORD_TYPES[type] && typeof a.data === "string");
    const value = answers.map((a) => (type === "TXT" ? joinTxtData(a.data!) : a.data!).slice(0, MAX_TXT_CHARS));
    const ttl = Math.min(MAX_TTL_S, Math.max(MIN_TTL_S, Math.min(...answers.map((a) => a.TTL ?? MIN_TTL_S), MAX_TTL_S)));
    if (known.size >= MAX_CACHED_NAMES) known.delete(known.keys().next().value!);
    known.set(cacheKey, { expires: Date.now() + ttl * 1000, value });
    return value;
  };
}

export function txtResolver(env: Pick<Bindings, "DOH">): TxtResolver {
  return recordResolver(env, "TXT");
}

/** Every IPv4 and IPv6 address of a name ([] when it has none); throws when the resolver could not answer. */
export function addressResolver(env: Pick<Bindings, "DOH">): TxtResolver {
  const a = recordResolver(env, "A");
  const aaaa = recordResolver(env, "AAAA");
  return async (name) => (await Promise.all([a(name), aaaa(name)])).flat();
}
