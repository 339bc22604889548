import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  // wrangler.toml's [assets] directory must exist for the pool to start; `npm run build` fills it
  // (npm test does), and only test/web needs what is in it.
  mkdirSync(path.join(import.meta.dirname, "dist", "web"), { recursive: true });
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // Year databases (src/db/ticket-stores.ts) have their own schema; test/stores retires tickets into them.
  const yearMigrations = await readD1Migrations(path.join(import.meta.dirname, "migrations-years"));
  // Real .eml fixtures for test/email: workerd has no file system, so they go in as bindings.
  const emailDir = path.join(import.meta.dirname, "test/fixtures/email");
  const emailFixtures = Object.fromEntries(
    readdirSync(emailDir)
      .filter((file) => file.endsWith(".eml"))
      .map((file) => [file, readFileSync(path.join(emailDir, file)).toString("base64")]),
  );
  const emailManifest: unknown = JSON.parse(readFileSync(path.join(emailDir, "manifest.json"), "utf8"));
  // The synthetic Zendesk export of test/imports, as text by file name.
  const zendeskDir = path.join(import.meta.dirname, "test/fixtures/zendesk");
  const zendeskFixtures = Object.fromEntries(readdirSync(zendeskDir).map((file) => [file, readFileSync(path.join(zendeskDir, file), "utf8")]));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // Main's DB as wrangler.toml declares it, and two databases test/stores binds as year
          // databases (TICKETS_<year>) in the env it hands the Worker: no other test sees a year.
          d1Databases: { DB: "00000000-0000-0000-0000-000000000000", TEST_YEAR_A: "test-year-a", TEST_YEAR_B: "test-year-b" },
          bindings: {
            TEST_MIGRATIONS: migrations,
            TEST_YEAR_MIGRATIONS: yearMigrations,
            EMAIL_FIXTURES: emailFixtures,
            EMAIL_MANIFEST: emailManifest,
            ZENDESK_FIXTURES: zendeskFixtures,
            JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
            PASSWORD_PEPPER: "test-pepper",
            // Tests send webhooks to a local receiver (test/global-setup.mjs); the SSRF tests turn it off in their env.
            WEBHOOKS_ALLOW_LOCAL: "true",
          },
        },
      }),
    ],
    test: {
      // The web app's own tests run in Node (web/vitest.config.ts) and Chromium (web/e2e).
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      globalSetup: ["./test/global-setup.mjs"],
      testTimeout: 30_000,
    },
  };
});
