// Where a profiled request's running time goes by function: each sample (capped at the median step, as
// profile-split.mjs counts "running") goes to the innermost frame of our own source (src/…), with the
// layer below it (drizzle, the D1 client, native). For a .cpuprofile written by profile.mjs --out:
//   npx node bench/lib/profile-by-function.mjs prof.cpuprofile bench/.tmp/dist/index.js 200
// (200: the requests profiled, to print ms per request). Stacks resumed after an await carry no frame of
// ours: they show as "(no src frame)" with their leaf.
import { readFileSync } from "node:fs";
const [prof, bundle, nArg] = process.argv.slice(2);
const n = Number(nArg ?? 200);
const p = JSON.parse(readFileSync(prof, "utf8"));
const lines = readFileSync(bundle, "utf8").split("\n");
const starts = [];
lines.forEach((l, i) => { const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(l); if (m) starts.push([i + 1, m[1]]); });
const modOf = (line) => { let lo = 0, hi = starts.length - 1, f = null; while (lo <= hi) { const mid = (lo + hi) >> 1; if (starts[mid][0] <= line) { f = starts[mid][1]; lo = mid + 1; } else hi = mid - 1; } return f; };
const byId = new Map(p.nodes.map((x) => [x.id, x])); const parent = new Map();
for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
const deltas = p.timeDeltas.slice(1).sort((a, b) => a - b); const step = deltas[deltas.length >> 1] / 1000;
const tab = new Map();
for (let i = 0; i < p.samples.length; i++) { const leaf = byId.get(p.samples[i]).callFrame; if (leaf.functionName === "(idle)") continue;
  const ms = Math.min((p.timeDeltas[i + 1] ?? 0) / 1000, step);
  let below = "native/self"; let key = "(no src frame)";
  for (let at = p.samples[i]; at !== undefined; at = parent.get(at)) { const f = byId.get(at).callFrame;
    if (/index\.js$/.test(f.url)) { const mod = modOf(f.lineNumber + 1) ?? "?"; if (mod.startsWith("src/")) { key = `${f.functionName || "(anon)"} ${mod}:${f.lineNumber + 1}`; break; }
      if (below === "native/self") below = mod.split("/").slice(0, 2).join("/"); }
    else if (/^cloudflare-internal/.test(f.url) && below === "native/self") below = f.url; }
  if (key === "(no src frame)") below = leaf.functionName + " " + (below);
  const e = tab.get(key) ?? { t: 0, by: new Map() }; e.t += ms; e.by.set(below, (e.by.get(below) ?? 0) + ms); tab.set(key, e); }
for (const [k, e] of [...tab].sort((a, b) => b[1].t - a[1].t).slice(0, Number(process.env.TOP ?? 40))) {
  console.log((e.t / n).toFixed(3).padStart(7), k, " | ", [...e.by].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([b, v]) => `${b} ${(v / n).toFixed(3)}`).join(", ")); }
