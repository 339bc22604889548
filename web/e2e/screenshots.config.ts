import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

/** The README's screenshots (`npm run screenshots`), apart from the test suite. */
export default defineConfig({ ...base, testMatch: "screenshots.ts", workers: 1 });
