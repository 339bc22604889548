// Where a profiled request's running time goes by function: each sample (capped at the median step, as
// profile-split.mjs counts "running") goes to the innermost frame of our own source (src/…), with the
// layer below it (drizzle, the D1 client, native). For a .cpuprofile written by profile.mjs --out:
//   npx node bench/lib/profile-by-function.mjs prof.cpuprofile bench/.tmp/dist/index.js 200
// (200: the requests profiled, to print ms per request). Stacks resumed after an await carry no frame of
// ours: they show as "(no src frame)" with their leaf.
import { loadProfile } from "./cpuprofile.mjs";
const [prof, bundle, nArg] = process.argv.slice(2);
const n = Number(nArg ?? 200);
const { p, modOf, byId, parent, step } = loadProfile(prof, bundle);
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
