// A .cpuprofile written by profile.mjs --out, read against the bundle it profiled: the profile's nodes
// by id and each node's parent, the module of a bundle line (esbuild's `// src/…` markers), and the
// median sampling step (a sample counts at most that as "running", as profile-split.mjs does).
import { readFileSync } from "node:fs";

export function loadProfile(profPath, bundlePath) {
  const p = JSON.parse(readFileSync(profPath, "utf8"));
  const starts = [];
  readFileSync(bundlePath, "utf8")
    .split("\n")
    .forEach((l, i) => {
      const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(l);
      if (m) starts.push([i + 1, m[1]]);
    });
  const modOf = (line) => {
    let lo = 0, hi = starts.length - 1, f = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid][0] <= line) {
        f = starts[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return f;
  };
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const parent = new Map();
  for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const deltas = p.timeDeltas.slice(1).sort((a, b) => a - b);
  const step = deltas[deltas.length >> 1] / 1000;
  return { p, modOf, byId, parent, step };
}
