import path from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/** The pages that start a session on load, and the entry that starts it early (web/src/session/boot.ts). */
const SESSION_PAGES = new Set(["app.html", "portal.html"]);
const BOOT_ENTRY = "boot";

/**
 * Puts the boot script into the console's and the portal's <head> as an `async` module: it runs as soon
 * as it arrives (a few hundred bytes), not after the framework, so the session refresh and a deep-linked
 * ticket's reads are answered while the app still loads. The app imports the same hashed file, so the
 * browser runs it once. (Vite would bundle a second <script type="module"> of the page into the app's entry.)
 */
function bootFirst(): Plugin {
  return {
    name: "edgedesk-boot-first",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(_html, ctx) {
        if (!ctx.bundle || !SESSION_PAGES.has(path.basename(ctx.filename))) return;
        const boot = Object.values(ctx.bundle).find((c) => c.type === "chunk" && c.isEntry && c.name === BOOT_ENTRY);
        if (!boot) throw new Error(`${BOOT_ENTRY} entry missing from the bundle`);
        return [{ tag: "script", attrs: { type: "module", async: true, crossorigin: true, src: `/${boot.fileName}` }, injectTo: "head-prepend" }];
      },
    },
  };
}

/**
 * The web app's static assets, served by the Worker from Workers static assets (wrangler.toml [assets]):
 * the agent console (app.html → /app), the customer portal (portal.html → /portal), the API docs
 * (docs.html → /docs), and the help centre's stylesheet and progressive-enhancement script, whose hashed
 * names the Worker reads from manifest.json when it renders a help-centre page.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [react(), bootFirst()],
  publicDir: "public",
  build: {
    outDir: path.join(import.meta.dirname, "..", "dist", "web"),
    emptyOutDir: true,
    manifest: "asset-manifest.json",
    // Hashed files are cached for a year (public/_headers); small images stay files, never data: URLs.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
    // Every browser the app supports (it needs Web Locks and BroadcastChannel) follows <link rel=modulepreload>:
    // the polyfill only cost the console's start a few ms of main thread.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      checks: { pluginTimings: false },
      output: {
        // React and TanStack in one long-cached file shared by the portal and the console.
        advancedChunks: { groups: [{ name: "framework", test: /node_modules[\\/](react|react-dom|scheduler|@tanstack)[\\/]/ }] },
      },
      input: {
        app: path.join(import.meta.dirname, "app.html"),
        portal: path.join(import.meta.dirname, "portal.html"),
        docs: path.join(import.meta.dirname, "docs.html"),
        help: path.join(import.meta.dirname, "src/help/help.ts"),
        [BOOT_ENTRY]: path.join(import.meta.dirname, "src/session/boot.ts"),
      },
    },
  },
});
