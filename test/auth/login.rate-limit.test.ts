import { describe, expect, it } from "vitest";
import type { ApiResponse } from "../helpers";
import { expectProblemShape, login, registerCustomer, uniqueEmail, uniqueIp } from "./support";
import { roomInWindow } from "./support";

/**
 * The limits are fixed windows of real time (15 minutes per email, 1 minute per IP) and the tests do
 * not sleep, so a run may cross a window boundary. RateLimit-Reset only falls inside a window; when it
 * jumps up a new window began, and the count of failures starts again from there.
 */
async function failUntilLimited(attempt: () => Promise<ApiResponse>, maxAttempts = 32) {
  const responses: ApiResponse[] = [];
  for (let i = 0; i < maxAttempts; i++) {
    const res = await attempt();
    responses.push(res);
    if (res.status === 429) break;
    expect(res.status, JSON.stringify(res.body)).toBe(401);
  }
  const limited = responses.at(-1)!;
  expect(limited.status, `no 429 after ${responses.length} failures`).toBe(429);
  let inWindow: ApiResponse[] = [];
  let previousReset = Number.POSITIVE_INFINITY;
  for (const res of responses.slice(0, -1)) {
    const reset = Number(res.headers.get("ratelimit-reset"));
    if (reset > previousReset) inWindow = [];
    previousReset = reset;
    inWindow.push(res);
  }
  return { limited, inWindow };
}

function expectLimited(res: ApiResponse, windowSeconds: number) {
  expectProblemShape(res, 429, "RATE_LIMITED");
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(res.headers.get("ratelimit-limit")).toBe("10");
  expect(res.headers.get("ratelimit-remaining")).toBe("0");
  expect(Number(res.headers.get("ratelimit-reset"))).toBe(retryAfter);
}

describe("login rate limits", () => {
  it("allows 10 failures per email in 15 minutes, then answers 429 even to the right password", async () => {
    const c = await registerCustomer();
    // Each attempt from a new IP: only the per-email limit can trip.
    const { limited, inWindow } = await failUntilLimited(() => login(c.email, "wrong-password", { "cf-connecting-ip": uniqueIp() }));
    expect(inWindow).toHaveLength(10);
    expect(inWindow.map((r) => r.headers.get("ratelimit-remaining"))).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"]);
    expectLimited(limited, 900);
    const right = await login(c.email, c.password, { "cf-connecting-ip": uniqueIp() });
    expectLimited(right, 900);
    expect(right.body.access_token).toBeUndefined();
  });

  it("counts an email in any letter case as the same email", async () => {
    const c = await registerCustomer();
    const variants = [c.email, c.email.toUpperCase(), ` ${c.email} `];
    let i = 0;
    const { limited, inWindow } = await failUntilLimited(() =>
      login(variants[i++ % variants.length]!, "wrong-password", { "cf-connecting-ip": uniqueIp() }),
    );
    expect(inWindow).toHaveLength(10);
    expectLimited(limited, 900);
  });

  it("does not lock out other emails when one is limited", async () => {
    const victim = await registerCustomer();
    const bystander = await registerCustomer();
    await failUntilLimited(() => login(victim.email, "wrong-password", { "cf-connecting-ip": uniqueIp() }));
    expect((await login(bystander.email, bystander.password, { "cf-connecting-ip": uniqueIp() })).status).toBe(200);
  });

  it("allows 10 failures per IP per minute across emails, then 429 for any email from that IP", async () => {
    const c = await registerCustomer();
    const ip = uniqueIp();
    await roomInWindow(60, 15);
    const { limited, inWindow } = await failUntilLimited(() => login(uniqueEmail("spray"), "wrong-password", { "cf-connecting-ip": ip }));
    expect(inWindow).toHaveLength(10);
    expectLimited(limited, 60);
    // Still inside the same minute: the IP is blocked even for a real account with the right password.
    expectLimited(await login(c.email, c.password, { "cf-connecting-ip": ip }), 60);
    // Another IP, the same account: fine.
    expect((await login(c.email, c.password, { "cf-connecting-ip": uniqueIp() })).status).toBe(200);
  }, 60_000);

  it("cannot be outrun by parallel guesses: of 30 at once for one email, at most 10 are tried", async () => {
    const c = await registerCustomer();
    const results = await Promise.all(Array.from({ length: 30 }, () => login(c.email, "wrong-password", { "cf-connecting-ip": uniqueIp() })));
    const tried = results.filter((r) => r.status === 401).length;
    // 10 per window; a window boundary crossed mid-burst could allow a second 10, never more.
    expect(tried).toBeGreaterThanOrEqual(10);
    expect(tried).toBeLessThanOrEqual(20);
    for (const r of results) if (r.status !== 401) expectLimited(r, 900);
  });

  it("cannot be outrun by parallel guesses from one IP across emails", async () => {
    const ip = uniqueIp();
    const results = await Promise.all(Array.from({ length: 30 }, () => login(uniqueEmail("par"), "wrong-password", { "cf-connecting-ip": ip })));
    const tried = results.filter((r) => r.status === 401).length;
    expect(tried).toBeGreaterThanOrEqual(10);
    expect(tried).toBeLessThanOrEqual(20);
    expect(results.filter((r) => r.status === 429).length).toBe(30 - tried);
  });

  it("gives a successful sign-in's attempt back, even between failures", async () => {
    const c = await registerCustomer();
    const ip = uniqueIp();
    // Both windows (email: 15 minutes, IP: 1 minute) must hold the three attempts.
    await roomInWindow(60, 10);
    const fail = await login(c.email, "wrong-password", { "cf-connecting-ip": ip });
    expect(fail.headers.get("ratelimit-remaining")).toBe("9");
    const ok = await login(c.email, c.password, { "cf-connecting-ip": ip });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("ratelimit-remaining")).toBe("9");
    const failAgain = await login(c.email, "wrong-password", { "cf-connecting-ip": ip });
    expect(failAgain.headers.get("ratelimit-remaining")).toBe("8");
  }, 60_000);

  it("counts an IPv6 client by its /64, so rotating addresses inside it gains nothing", async () => {
    const group = () => Math.floor(Math.random() * 0xffff).toString(16);
    const prefix = `2001:db8:${group()}:${group()}`;
    let host = 0;
    const { limited, inWindow } = await failUntilLimited(() =>
      login(uniqueEmail("v6"), "wrong-password", { "cf-connecting-ip": `${prefix}:${(++host).toString(16)}::1` }),
    );
    expect(inWindow).toHaveLength(10);
    expectLimited(limited, 60);
    const c = await registerCustomer();
    expect((await login(c.email, c.password, { "cf-connecting-ip": `2001:db8:ffff:${host.toString(16)}::1` })).status).toBe(200);
  });
});
