import { describe, expect, it } from "vitest";
import { checkEndpointUrl, ipv6Groups, isLoopbackAddress, isPublicAddress } from "../../src/domain/endpoint-url";
import { SSRF_URLS } from "../fixtures/ssrf-urls";

const strict = { allowLocal: false };
const local = { allowLocal: true };

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
