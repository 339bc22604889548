// Total (self + callees) and self running time per function of a .cpuprofile written by profile.mjs
// --out, each sample capped at the median step (as profile-split.mjs counts "running"): where a
// request's own work goes, by function, including callees (profile-by-function.mjs gives self only).
//   npx node bench/lib/profile-inclusive.mjs prof.cpuprofile bench/.tmp/dist/index.js 300 ['src/|rollup']
// (300: the requests profiled; the last argument filters the function names printed; TOP=80 rows.)
import { loadProfile } from "./cpuprofile.mjs";
const [prof, bundle, nArg, filt] = process.argv.slice(2);
const n = Number(nArg ?? 300);
const { p, modOf, byId, parent, step } = loadProfile(prof, bundle);
const incl = new Map(), self = new Map();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const leaf = byId.get(p.samples[i]).callFrame; if (leaf.functionName === "(idle)") continue;
  const ms = Math.min((p.timeDeltas[i + 1] ?? 0) / 1000, step);
  total += ms;
  const seen = new Set(); let first = true;
  for (let at = p.samples[i]; at !== undefined; at = parent.get(at)) {
    const f = byId.get(at).callFrame;
    let key;
    if (/index\.js$/.test(f.url)) { const mod = modOf(f.lineNumber + 1) ?? "?"; key = `${f.functionName || "(anon)"} ${mod.replace(/^node_modules\//, "nm/")}:${f.lineNumber + 1}`; }
    else key = `${f.functionName || "(anon)"} ${f.url.split("/").pop()}`;
    if (first) { self.set(key, (self.get(key) ?? 0) + ms); first = false; }
    if (seen.has(key)) continue; seen.add(key);
    incl.set(key, (incl.get(key) ?? 0) + ms);
  }
}
console.log(`running total per request ${(total / n).toFixed(3)} ms (step ${step.toFixed(3)})`);
const re = filt ? new RegExp(filt) : null;
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).filter(([k]) => !re || re.test(k)).slice(0, Number(process.env.TOP ?? 80)))
  console.log((v / n).toFixed(3).padStart(7), ((self.get(k) ?? 0) / n).toFixed(3).padStart(7), k);
