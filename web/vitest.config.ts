import { defineConfig } from "vitest/config";

/** The web app's own logic in Node (formatting, SLA countdown, keyboard map, views, the generated client). */
export default defineConfig({
  root: import.meta.dirname,
  test: { include: ["test/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
});
