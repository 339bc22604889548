import type { Bindings } from "../../env";

/**
 * The built web app (Vite → dist/web, wrangler.toml [assets]) as the Worker reads it through the
 * ASSETS binding: the page shells, other static files, and the asset manifest that maps the help
 * centre's entry to its hashed stylesheet and script.
 */

// The binding ignores the host; any absolute URL names a file by its path.
const ASSET_ORIGIN = "https://assets.invalid";
export const MANIFEST_PATH = "/asset-manifest.json";
/** The help centre's entry in the manifest (web/vite.config.ts). */
const HELP_ENTRY = "src/help/help.ts";
/** How long an isolate trusts the manifest it read: a redeploy replaces isolates anyway; `npm start` rebuilds in place. */
const MANIFEST_TTL_MS = 10_000;

export async function fetchAsset(env: Bindings, path: string, init?: RequestInit): Promise<Response | null> {
  const res = await env.ASSETS.fetch(new Request(`${ASSET_ORIGIN}${path}`, init));
  if (res.ok) return res;
  await res.body?.cancel();
  return null;
}

interface ManifestChunk {
  file: string;
  css?: string[];
}
export interface PageAssets {
  stylesheets: string[];
  script: string | null;
}

let manifest: { at: number; value: Promise<PageAssets> } | null = null;

async function readHelpAssets(env: Bindings): Promise<PageAssets> {
  const res = await fetchAsset(env, MANIFEST_PATH);
  if (!res) return { stylesheets: [], script: null };
  const chunks = (await res.json()) as Record<string, ManifestChunk>;
  const entry = chunks[HELP_ENTRY];
  if (!entry) return { stylesheets: [], script: null };
  return { stylesheets: (entry.css ?? []).map((f) => `/${f}`), script: `/${entry.file}` };
}

/** The help centre's hashed stylesheet(s) and script; none when the web app was not built (pages still render). */
export function helpAssets(env: Bindings, now = Date.now()): Promise<PageAssets> {
  if (!manifest || now - manifest.at > MANIFEST_TTL_MS) {
    const value = readHelpAssets(env).catch(() => ({ stylesheets: [], script: null }));
    manifest = { at: now, value };
  }
  return manifest.value;
}
