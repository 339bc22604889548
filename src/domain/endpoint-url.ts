/**
 * Which URLs a webhook or a channel may send to (SSRF guard, API.md "Automation"): `https://`
 * (plain `http://` only when local development allows it), no credentials, and a public host:
 * no IP literal in any spelling and no name of a private, loopback, link-local or metadata
 * service. The WHATWG URL parser first turns every IPv4 spelling (decimal `2130706433`, octal
 * `0177.0.0.1`, hex `0x7f.1`, short `127.1`) into dotted decimal and brackets IPv6, so what is
 * judged is what fetch would connect to. Names that resolve into private ranges are caught when
 * sending, from DNS ({@link isPublicAddress}). Pure: no I/O, no clock.
 */

/** Long enough for any real endpoint with a query string; bounds what we store and log. */
export const MAX_URL_CHARS = 2_048;

/**
 * Names that are never a public host: loopback and mDNS names, the reserved private-use TLDs
 * (RFC 6761, RFC 8375, ICANN's `.internal`), and cloud metadata services.
 */
const BLOCKED_NAMES = new Set(["localhost", "metadata", "instance-data", "metadata.google.internal", "metadata.goog", "metadata.azure.com", "kubernetes.default", "kubernetes.default.svc"]);
const BLOCKED_SUFFIXES = [".localhost", ".local", ".internal", ".intranet", ".private", ".lan", ".home", ".corp", ".arpa", ".invalid", ".test", ".example", ".onion", ".svc", ".cluster.local"];
/** Public wildcard-DNS services that answer any name with the address written in it (`127.0.0.1.nip.io`) or with loopback. */
const REBINDING_SUFFIXES = [".nip.io", ".sslip.io", ".xip.io", ".traefik.me", ".localtest.me", ".lvh.me", ".vcap.me", ".lacolhost.com"];
const REBINDING_NAMES = new Set(["localtest.me", "lvh.me", "vcap.me", "nip.io", "sslip.io", "xip.io", "traefik.me"]);

export type UrlRefusal =
  | "not_a_url"
  | "too_long"
  | "scheme"
  | "credentials"
  | "ip_literal"
  | "private_name";

export type UrlVerdict = { ok: true; url: URL; hostname: string; literal: boolean } | { ok: false; reason: UrlRefusal; detail: string };

export interface UrlPolicy {
  /** Local development: `http://` and loopback hosts (localhost, 127.0.0.0/8, [::1]) are allowed. */
  allowLocal: boolean;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** 16-bit groups of an IPv6 address (`::` expanded, a dotted IPv4 tail folded in); null if it is not one. */
export function ipv6Groups(text: string): number[] | null {
  let s = text.replace(/^\[|\]$/g, "").toLowerCase();
  if (s.includes("%")) return null;
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (v4) {
    const octets = ipv4Octets(v4[2]!);
    if (!octets) return null;
    s = `${v4[1]}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

export function ipv4Octets(text: string): number[] | null {
  const m = IPV4.exec(text);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

const inV4 = (o: number[], base: [number, number, number, number], bits: number) => {
  const ip = ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
  const net = ((base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3]) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ip & mask) === (net & mask);
};

/** IPv4 ranges that are not the public internet (IANA special-purpose registry). */
const V4_SPECIAL: [[number, number, number, number], number][] = [
  [[0, 0, 0, 0], 8], // "this network"
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local, cloud metadata (169.254.169.254)
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation
  [[192, 88, 99, 0], 24], // 6to4 relay
  [[192, 168, 0, 0], 16], // private
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation
  [[203, 0, 113, 0], 24], // documentation
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved, broadcast
];

function v4IsPublic(o: number[]): boolean {
  return !V4_SPECIAL.some(([base, bits]) => inV4(o, base, bits));
}

/** The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), if any. */
function embeddedV4(g: number[]): number[] | null {
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6]!, g[7]!); // ::ffff:a.b.c.d
  if (zeros(0, 6)) return v4(g[6]!, g[7]!); // ::a.b.c.d (deprecated compatible form)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6]!, g[7]!); // NAT64 64:ff9b::/96
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!); // 6to4 2002:AABB:CCDD::
  return null;
}

function v6IsPublic(g: number[]): boolean {
  const embedded = embeddedV4(g);
  if (embedded) return g.every((x, i) => i >= 6 || x === 0) ? false : v4IsPublic(embedded); // :: and ::1 are never public
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((first & 0xffc0) === 0xfec0) return false; // site-local (deprecated) fec0::/10
  if ((first & 0xff00) === 0xff00) return false; // multicast
  if (first === 0x2001 && g[1] === 0x0db8) return false; // documentation
  if (first === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return false; // discard-only 100::/64
  if (first === 0x2001 && g[1]! < 0x0200) return false; // 2001::/23 IETF protocol assignments (Teredo, ORCHID …)
  return true;
}

/** Whether an address (a DNS answer, or an IP literal) is on the public internet. */
export function isPublicAddress(address: string): boolean {
  const v4 = ipv4Octets(address);
  if (v4) return v4IsPublic(v4);
  const v6 = ipv6Groups(address);
  return v6 ? v6IsPublic(v6) : false;
}

/** Loopback: 127.0.0.0/8, ::1 and their IPv4-mapped spellings. */
export function isLoopbackAddress(address: string): boolean {
  const v4 = ipv4Octets(address);
  if (v4) return v4[0] === 127;
  const g = ipv6Groups(address);
  if (!g) return false;
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return true;
  const embedded = embeddedV4(g);
  return embedded !== null && g[5] === 0xffff && embedded[0] === 127;
}

const isLocalName = (host: string) => host === "localhost" || host.endsWith(".localhost");

function nameRefusal(host: string): string | null {
  if (BLOCKED_NAMES.has(host) || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) return `${host} is a private or reserved name`;
  if (REBINDING_NAMES.has(host) || REBINDING_SUFFIXES.some((s) => host.endsWith(s))) return `${host} is a wildcard DNS name that points at private addresses`;
  // A single label (`intranet`, `metadata`) is resolved through search domains: an internal name.
  if (!host.includes(".")) return `${host} is not a fully qualified public name`;
  // A last label of digits only is an IPv4 spelling the parser did not take (`1.2.3.4.5`): no public name looks like that.
  if (/^\d+$/.test(host.slice(host.lastIndexOf(".") + 1)) || /^0x[0-9a-f]*$/i.test(host.slice(host.lastIndexOf(".") + 1))) return `${host} looks like an IP address`;
  return null;
}

/** Judges an endpoint URL; on success `url` is the parsed URL to store and send to. */
export function checkEndpointUrl(raw: string, policy: UrlPolicy): UrlVerdict {
  if (raw.length > MAX_URL_CHARS) return { ok: false, reason: "too_long", detail: `at most ${MAX_URL_CHARS} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not_a_url", detail: "not an absolute URL" };
  }
  if (url.protocol !== "https:" && !(policy.allowLocal && url.protocol === "http:")) {
    return { ok: false, reason: "scheme", detail: policy.allowLocal ? "must be https:// or http://" : "must be https://" };
  }
  if (url.username || url.password) return { ok: false, reason: "credentials", detail: "must not carry a user name or password" };
  const hostname = url.hostname.toLowerCase().replace(/\.$/, "");
  if (!hostname) return { ok: false, reason: "not_a_url", detail: "has no host" };
  const literal = ipv4Octets(hostname) !== null || hostname.startsWith("[");
  if (literal) {
    if (policy.allowLocal && isLoopbackAddress(hostname)) return { ok: true, url, hostname, literal };
    return { ok: false, reason: "ip_literal", detail: `${hostname} is an IP address: use a public host name` };
  }
  if (policy.allowLocal && isLocalName(hostname)) return { ok: true, url, hostname, literal };
  const refused = nameRefusal(hostname);
  if (refused) return { ok: false, reason: "private_name", detail: refused };
  return { ok: true, url, hostname, literal };
}
