import { describe, expect, it } from "vitest";
import { api, expectProblem } from "../helpers";
import { expectOwnScriptsOnly, expectStrictPolicy, page } from "./support";

describe("the web app's pages (API.md \"Web app\")", () => {
  const pages = ["/", "/search?q=printer", "/ask", "/app", "/app/tickets/01anything", "/app/settings/users", "/portal", "/portal/tickets/new", "/docs", "/nope", "/articles/missing"];

  it.each(pages)("%s carries the strict page policy and loads only our own scripts", async (path) => {
    const p = await page(path);
    expect([200, 404], path).toContain(p.status);
    expectStrictPolicy(p, path);
    expectOwnScriptsOnly(p, path);
  });

  it("serves the console shell for every path under /app and the portal shell under /portal (deep links)", async () => {
    for (const path of ["/app", "/app/", "/app/tickets/01abc", "/app/settings/sla"]) {
      const p = await page(path);
      expect(p.status, path).toBe(200);
      expect(p.text, path).toContain("<title>edgedesk console</title>");
      expect(p.headers.get("cache-control"), path).toBe("no-cache");
    }
    for (const path of ["/portal", "/portal/tickets/01abc", "/portal/sign-up"]) {
      const p = await page(path);
      expect(p.status, path).toBe(200);
      expect(p.text, path).toContain("<title>Support portal</title>");
    }
  });

  it("falls back to a shell nowhere else: unknown paths get the app's own 404 page", async () => {
    for (const path of ["/nope", "/apps", "/portals/x", "/app.html", "/portal.html", "/docs.html", "/admin", "/wp-login.php"]) {
      const p = await page(path);
      expect(p.status, path).toBe(404);
      expect(p.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(p.text, path).toContain("Page not found");
      expect(p.headers.get("cache-control"), path).toBe("no-store");
    }
  });

  it("keeps API answers problem+json, and JSON under a policy that lets nothing run", async () => {
    expectProblem(await api("GET", "/api/v1/app"), 404, "NOT_FOUND");
    expectProblem(await api("GET", "/api/v1/portal/x"), 404, "NOT_FOUND");
    const health = await api("GET", "/health");
    expect(health.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
    expect(health.headers.get("x-frame-options")).toBe("DENY");
  });

  it("serves /docs from our own bundled Swagger UI, never a CDN", async () => {
    const p = await page("/docs");
    expect(p.status).toBe(200);
    expect(p.text).toContain('data-url="/openapi.json"');
    expect(p.text).not.toMatch(/unpkg|jsdelivr|cdnjs|cdn\./);
    const script = p.text.match(/src="(\/assets\/[\w.-]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const bundle = await page(script!);
    expect(bundle.status).toBe(200);
    // Swagger UI itself (a large bundle), not a loader of someone else's.
    expect(bundle.text.length).toBeGreaterThan(500_000);
    expect(/swagger-ui/i.test(bundle.text)).toBe(true);
  });

  it("serves static files that are not pages, and nothing outside the built app", async () => {
    const robots = await page("/robots.txt");
    expect(robots.status).toBe(200);
    expect(robots.text).toContain("Disallow: /api/");
    expect((await page("/favicon.svg")).headers.get("content-type")).toMatch(/svg/);
    for (const path of ["/.dev.vars", "/wrangler.toml", "/src/app.ts", "/../package.json"]) expect((await page(path)).status, path).toBe(404);
  });

  it("answers HEAD like GET for pages", async () => {
    const p = await page("/app", { method: "HEAD" });
    expect(p.status).toBe(200);
    expect(p.text).toBe("");
    expect(p.headers.get("content-security-policy")).toContain("script-src 'self'");
  });
});
