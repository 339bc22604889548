import { describe, expect, it } from "vitest";
import { checkEndpointUrl, ipv6Groups, isLoopbackAddress, isPublicAddress } from "../../src/domain/endpoint-url";

const strict = { allowLocal: false };
const local = { allowLocal: true };

/** Every spelling of a private, loopback, link-local or metadata address an attacker might try. */
export const SSRF_URLS: [string, string][] = [
  // IPv4 loopback in every spelling the URL parser accepts
  ["https://127.0.0.1/", "ip_literal"],
  ["https://127.1/", "ip_literal"],
  ["https://2130706433/", "ip_literal"],
  ["https://017700000001/", "ip_literal"],
  ["https://0177.0.0.1/", "ip_literal"],
  ["https://0x7f000001/", "ip_literal"],
  ["https://0x7f.0.0.1/", "ip_literal"],
  ["https://127.000.000.001/", "ip_literal"],
  ["https://0/", "ip_literal"],
  ["https://0.0.0.0/", "ip_literal"],
  // private, CGNAT, link-local and the cloud metadata address
  ["https://10.0.0.1/", "ip_literal"],
  ["https://172.16.5.4/", "ip_literal"],
  ["https://192.168.1.1/", "ip_literal"],
  ["https://100.64.0.1/", "ip_literal"],
  ["https://169.254.169.254/latest/meta-data/", "ip_literal"],
  ["https://2852039166/", "ip_literal"],
  ["https://0xa9fea9fe/", "ip_literal"],
  // IPv6: loopback, unspecified, IPv4-mapped (both spellings), link-local, unique local, NAT64
  ["https://[::1]/", "ip_literal"],
  ["https://[0:0:0:0:0:0:0:1]/", "ip_literal"],
  ["https://[::]/", "ip_literal"],
  ["https://[::ffff:127.0.0.1]/", "ip_literal"],
  ["https://[::ffff:7f00:1]/", "ip_literal"],
  ["https://[::ffff:169.254.169.254]/", "ip_literal"],
  ["https://[fe80::1]/", "ip_literal"],
  ["https://[fd00:ec2::254]/", "ip_literal"],
  ["https://[64:ff9b::a9fe:a9fe]/", "ip_literal"],
  // public IP literals too: an endpoint is a name
  ["https://1.1.1.1/", "ip_literal"],
  ["https://[2606:4700:4700::1111]/", "ip_literal"],
  // names of private services
  ["https://localhost/", "private_name"],
  ["https://LOCALHOST./", "private_name"],
  ["https://api.localhost/", "private_name"],
  ["https://metadata.google.internal/computeMetadata/v1/", "private_name"],
  ["https://metadata/", "private_name"],
  ["https://instance-data/", "private_name"],
  ["https://printer.local/", "private_name"],
  ["https://router.home.arpa/", "private_name"],
  ["https://1.0.0.127.in-addr.arpa/", "private_name"],
  ["https://intranet/", "private_name"],
  ["https://db.corp/", "private_name"],
  ["https://127.0.0.1.nip.io/", "private_name"],
  ["https://10.0.0.1.sslip.io/", "private_name"],
  ["https://app.localtest.me/", "private_name"],
  ["https://1.2.3.4.5/", "not_a_url"],
  // scheme and credentials
  ["http://hooks.example.com/", "scheme"],
  ["ftp://hooks.example.com/", "scheme"],
  ["file:///etc/passwd", "scheme"],
  ["javascript:alert(1)", "scheme"],
  ["gopher://hooks.example.com/", "scheme"],
  ["https://user:pass@hooks.example.com/", "credentials"],
  ["https://hooks.example.com@127.0.0.1/", "credentials"],
  ["https://:secret@hooks.example.com/", "credentials"],
  ["not a url", "not_a_url"],
  ["/relative/path", "not_a_url"],
];

describe("checkEndpointUrl (SSRF guard)", () => {
  it.each(SSRF_URLS)("%s is refused (%s)", (url, reason) => {
    const verdict = checkEndpointUrl(url, strict);
    expect(verdict.ok ? "accepted" : verdict.reason).toBe(reason);
  });

  it.each(["https://hooks.example.com/edgedesk", "https://hooks.example.com:8443/a?b=c#d", "https://EXAMPLE.com./x", "https://xn--bcher-kva.example.com/"])("%s is accepted", (url) => {
    expect(checkEndpointUrl(url, strict).ok).toBe(true);
  });

  it("refuses a URL longer than 2,048 characters", () => {
    expect(checkEndpointUrl(`https://hooks.example.com/${"a".repeat(2_048)}`, strict)).toMatchObject({ ok: false, reason: "too_long" });
  });

  it("local development allows http:// and loopback, and still nothing private", () => {
    for (const url of ["http://127.0.0.1:8735/hooks/demo", "http://localhost:8735/", "http://[::1]:9/", "https://127.9.9.9/", "http://hooks.example.com/"]) {
      expect(checkEndpointUrl(url, local).ok, url).toBe(true);
    }
    for (const url of ["http://10.0.0.1/", "http://169.254.169.254/", "http://[::ffff:10.0.0.1]/", "http://metadata.google.internal/", "http://user:pw@127.0.0.1/", "ftp://127.0.0.1/"]) {
      expect(checkEndpointUrl(url, local).ok, url).toBe(false);
    }
  });
});

describe("addresses (what a host name resolves to)", () => {
  it.each([
    ["8.8.8.8", true],
    ["104.16.1.1", true],
    ["2606:4700:4700::1111", true],
    ["127.0.0.1", false],
    ["10.1.2.3", false],
    ["172.31.255.255", false],
    ["172.32.0.1", true],
    ["192.168.0.1", false],
    ["169.254.169.254", false],
    ["100.64.0.1", false],
    ["100.128.0.1", true],
    ["0.0.0.0", false],
    ["224.0.0.1", false],
    ["255.255.255.255", false],
    ["192.0.2.1", false],
    ["::1", false],
    ["::", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:8.8.8.8", true],
    ["fe80::1", false],
    ["fc00::1", false],
    ["fd12:3456::1", false],
    ["ff02::1", false],
    ["2001:db8::1", false],
    ["64:ff9b::a9fe:a9fe", false],
    ["2002:7f00:1::", false],
    ["not-an-ip", false],
  ] as const)("%s public: %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it("loopback in its spellings", () => {
    for (const a of ["127.0.0.1", "127.255.0.9", "::1", "[::1]", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"]) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ["10.0.0.1", "::2", "::ffff:10.0.0.1", "fe80::1"]) expect(isLoopbackAddress(a), a).toBe(false);
  });

  it("parses IPv6 with :: and a dotted tail, refuses malformed ones", () => {
    expect(ipv6Groups("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(ipv6Groups("[2001:db8::1]")).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    for (const bad of ["1::2::3", "12345::", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", "::g"]) expect(ipv6Groups(bad), bad).toBeNull();
  });
});
