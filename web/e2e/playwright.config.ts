import { defineConfig } from "@playwright/test";

/**
 * Browser tests in headless Chromium from Debian's `chromium` package (Playwright's own browser download
 * cannot run here). Started by scripts/test-e2e.mjs, which runs `npm start` on a free port with a fresh
 * state and passes its address as E2E_BASE_URL.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export default defineConfig({
  testDir: ".",
  testMatch: "*.spec.ts",
  // Generous: axe analyses and a shared 2-core machine make a journey slow; what is timed is timed inside.
  timeout: 120_000,
  expect: { timeout: 5_000 },
  // Two workers on a 2-core machine that also runs the server: the live tests time what they see.
  workers: Number(process.env.E2E_WORKERS ?? 2),
  fullyParallel: false,
  retries: 0,
  reporter: [["list"]],
  outputDir: "../../test-results/e2e",
  use: {
    baseURL: process.env.E2E_BASE_URL,
    browserName: "chromium",
    headless: true,
    launchOptions: { executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS },
    timezoneId: "Europe/Berlin",
    locale: "en-GB",
    trace: "retain-on-failure",
  },
});
