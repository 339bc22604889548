import path from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The web app's static assets, served by the Worker from Workers static assets (wrangler.toml [assets]):
 * the agent console (app.html → /app), the customer portal (portal.html → /portal), the API docs
 * (docs.html → /docs), and the help centre's stylesheet and progressive-enhancement script, whose hashed
 * names the Worker reads from manifest.json when it renders a help-centre page.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [react()],
  publicDir: "public",
  build: {
    outDir: path.join(import.meta.dirname, "..", "dist", "web"),
    emptyOutDir: true,
    manifest: "asset-manifest.json",
    // Hashed files are cached for a year (public/_headers); small images stay files, never data: URLs.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
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
      },
    },
  },
});
