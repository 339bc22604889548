// The bench runs in Node without a TypeScript step; the seed still replays each ticket's SLA through
// src/domain itself (bench/lib/sla-replay.ts), bundled here with esbuild, not a copy of its rules.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

/** bench/lib/sla-replay.ts's `replaySla`, for `seed(db, { replaySla })`. */
export async function loadSlaReplay() {
  const out = await build({
    entryPoints: [fileURLToPath(new URL("./sla-replay.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "silent",
  });
  const module = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
  return module.replaySla;
}
