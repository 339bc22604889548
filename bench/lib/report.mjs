// Machine facts, goal checks, and the three outputs: a table on stdout, JSON and Markdown in bench/results/.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./server.mjs";

const version = (pkg) => {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
};

const git = (...args) => {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
};

export function machineInfo() {
  const cpuModel = os.cpus()[0]?.model?.trim() ?? "unknown";
  const dirty = git("status", "--porcelain", "--untracked-files=no");
  return {
    cpuModel,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    workerd: version("workerd"),
    miniflare: version("miniflare"),
    wrangler: version("wrangler"),
    gitCommit: git("rev-parse", "--short", "HEAD"),
    gitDirty: dirty === null ? null : dirty.length > 0,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** A short, file-name-safe tag for the machine: cores and CPU model, e.g. `2c-amd-epyc-7763`. */
export function machineTag(info) {
  const model = info.cpuModel
    .replace(/\((R|TM|tm|r)\)/g, "")
    .replace(/\b(CPU|Processor|\d+-Core|with.*|@.*)\b/gi, " ")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .split("-")
    .slice(0, 4)
    .join("-");
  return `${info.cores}c-${model || "cpu"}`;
}

/** pass / FAIL per goal of a scenario; `null` where a figure is missing. */
export function checkGoals(s) {
  const checks = [];
  if (s.goals?.rowsRead !== undefined) {
    const v = s.rows?.rowsRead?.max;
    checks.push({ goal: `rows read ≤ ${s.goals.rowsRead}`, value: v, pass: v === null || v === undefined ? null : v <= s.goals.rowsRead });
  }
  if (s.goals?.cpuMs !== undefined) {
    const v = s.load?.cpuMsPerRequest;
    checks.push({ goal: `CPU ≤ ${s.goals.cpuMs} ms`, value: v, pass: v === null || v === undefined ? null : v <= s.goals.cpuMs });
    // The same goal without the local D1's share (which production bills to D1, not the Worker).
    const w = s.d1Share?.invalid ? undefined : s.d1Share?.workerCpuMsPerRequest;
    if (w !== undefined) checks.push({ goal: `… excl. local D1`, value: w, pass: w <= s.goals.cpuMs });
  }
  return checks;
}

const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? "—" : Number(v).toFixed(digits));
const fmtInt = (v) => (v === null || v === undefined ? "—" : Math.round(v).toLocaleString("en"));
const verdict = (checks) =>
  checks.length ? checks.map((c) => `${c.goal}: ${c.pass === null ? "n/a" : c.pass ? "pass" : "FAIL"}`).join("; ") : "—";

function rowsOf(results) {
  return results.map((s) => ({
    module: s.module,
    name: s.probe ? `${s.name} (rows only)` : s.name,
    p50: fmt(s.load?.latencyMs?.p50, 2),
    p90: fmt(s.load?.latencyMs?.p90, 2),
    p99: fmt(s.load?.latencyMs?.p99, 2),
    rps: fmtInt(s.load?.rps),
    cpu: fmt(s.load?.cpuMsPerRequest, 2),
    d1cpu: s.d1Share ? (s.d1Share.invalid ? "?" : `${fmt(s.d1Share.cpuMsPerRequest, 2)}${s.d1Share.partial ? "+" : ""}`) : "—",
    appCpu: s.d1Share ? (s.d1Share.invalid ? "?" : `${fmt(s.d1Share.workerCpuMsPerRequest, 2)}${s.d1Share.partial ? "−" : ""}`) : "—",
    read: s.rows?.rowsRead ? `${fmt(s.rows.rowsRead.mean, 1)} (max ${fmtInt(s.rows.rowsRead.max)})` : "—",
    written: s.rows?.rowsWritten ? fmt(s.rows.rowsWritten.mean, 1) : "—",
    errors: s.load?.requests !== undefined ? `${s.load.errors ?? 0}/${s.load.requests}` : "—",
    goals: verdict(s.checks ?? []),
  }));
}

const HEAD = ["scenario", "p50 ms", "p90 ms", "p99 ms", "req/s", "CPU ms/req", "of which D1", "CPU excl. D1", "rows read/req", "rows written/req", "errors", "goals"];
const KEYS = ["name", "p50", "p90", "p99", "rps", "cpu", "d1cpu", "appCpu", "read", "written", "errors", "goals"];

export function textTable(results) {
  const rows = rowsOf(results).map((r) => KEYS.map((k) => (k === "name" ? `${r.module === "core" ? "" : `${r.module}: `}${r.name}` : r[k])));
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
  return [line(HEAD), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function markdown(report) {
  const m = report.machine;
  const out = [];
  out.push(`# edgedesk benchmark — ${report.startedAt.slice(0, 10)} — ${report.tag}`);
  out.push("");
  out.push(`Commit \`${m.gitCommit}\`${m.gitDirty ? " (with uncommitted changes)" : ""}; ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}, workerd ${m.workerd}, miniflare ${m.miniflare}, wrangler ${m.wrangler}.`);
  out.push(`Load average at start ${m.loadAverageAtStart.join(" / ")}, at end ${report.loadAverageAtEnd.join(" / ")}.`);
  out.push("");
  out.push(
    `Settings: ${report.settings.concurrency} connections, ${report.settings.durationMs / 1000} s (at most ${report.settings.maxRequests.toLocaleString("en")} requests) per scenario after ${report.settings.warmupRequests} warm-up requests; rows from ${report.settings.samples} sequential requests per scenario on a second instance with D1_METRICS=1.`,
  );
  out.push("");
  out.push("## Table sizes");
  out.push("");
  out.push("| table | rows |");
  out.push("| --- | ---: |");
  for (const [t, n] of Object.entries(report.tableSizes)) out.push(`| ${t} | ${n.toLocaleString("en")} |`);
  out.push("");
  out.push("## Results");
  out.push("");
  out.push(`| ${HEAD.join(" | ")} |`);
  out.push(`| --- | ${HEAD.slice(1, -1).map(() => "---:").join(" | ")} | --- |`);
  for (const r of rowsOf(report.results)) out.push(`| ${r.module === "core" ? "" : `${r.module}: `}${r.name} | ${KEYS.slice(1).map((k) => r[k]).join(" | ")} |`);
  out.push("");
  out.push(
    "CPU ms/req: the workerd process's user+system CPU over the measured window divided by requests. It holds the Worker *and* the local D1 (its Durable Object and SQLite run inside the same workerd), which in production runs outside the Worker. " +
      "\"of which D1\" estimates that local D1 part: the request's D1 calls repeated by a bare Worker on the same database (writes rolled back), minus the same requests without the calls (\"+\": some statements were not reported, so at least this much); \"CPU excl. D1\" is the difference, an estimate of the Worker's own CPU (it leaves out the D1 binding's client side, decoding results, which a deployed Worker does pay). " +
      "rows read/req: D1 `meta.rows_read` summed over every statement of a request (auth included), mean and max over the sampled requests. " +
      "Goals (issue 2): a list page of 25 reads ≤ 100 rows, a get ≤ 5 rows plus its comments, create ≤ 2 ms and list ≤ 1.5 ms CPU.",
  );
  out.push("");
  out.push("Rows marked *(rows only)* are probes: other filters and sorts of the same list, sent only in the rows pass, to find the ones that read more than their page.");
  out.push("");
  out.push("## Machine load during each scenario");
  out.push("");
  out.push("Average cores busy over the measured window (the machine has " + m.cores + "): workerd, the load generator (this Node process), and everything else.");
  out.push("");
  out.push("| scenario | route | as | requests | workerd | load generator | others |");
  out.push("| --- | --- | --- | ---: | ---: | ---: | ---: |");
  for (const s of report.results) {
    if (s.load?.workerdCores === undefined) continue;
    out.push(`| ${s.name} | \`${s.route ?? ""}\` | ${s.as ?? ""} | ${fmtInt(s.load.requests)} | ${fmt(s.load.workerdCores, 2)} | ${fmt(s.load.benchCores, 2)} | ${fmt(s.load.otherCores, 2)} |`);
  }
  out.push("");
  const failing = report.results.filter((s) => (s.checks ?? []).some((c) => c.pass === false) || s.planIssues?.length);
  out.push("## Goals not met and query plans to look at");
  out.push("");
  if (!failing.length) out.push("None.");
  for (const s of failing) {
    out.push(`### ${s.name}`);
    out.push("");
    out.push(`\`${s.route ?? s.name}\` as ${s.as ?? "?"}`);
    out.push("");
    for (const c of s.checks ?? []) if (c.pass === false) out.push(`- ${c.goal}: measured ${fmt(c.value, 2)}`);
    for (const p of s.planIssues ?? []) out.push(`- plan: ${p}`);
    if ((s.checks ?? []).some((c) => c.pass === false && c.goal.startsWith("rows"))) {
      for (const st of s.rows?.statements ?? []) {
        if (!st.plan) continue;
        out.push(`- statement reading ${st.rows_read} rows: \`${st.sql}\` with ${JSON.stringify(st.params)}`);
        out.push("  EXPLAIN QUERY PLAN:");
        for (const line of st.plan) out.push(`  - \`${line}\``);
      }
    }
    out.push("");
  }
  out.push("## Statements and query plans (heaviest sampled request of each scenario)");
  out.push("");
  for (const s of report.results) {
    if (!s.rows?.statements?.length) continue;
    out.push(`### ${s.name}`);
    out.push("");
    for (const st of s.rows.statements) {
      out.push(`- rows read ${st.rows_read}, written ${st.rows_written}: \`${st.sql.length > 300 ? `${st.sql.slice(0, 300)}…` : st.sql}\``);
      if (st.plan) for (const line of st.plan) out.push(`  - \`${line}\``);
    }
    out.push("");
  }
  if (report.notes.length) {
    out.push("## Notes");
    out.push("");
    for (const n of report.notes) out.push(`- ${n}`);
    out.push("");
  }
  return out.join("\n");
}

export function writeReport(report) {
  const dir = path.join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/:\d\d\.\d+Z$/, "").replace(/[:T]/g, "-");
  const base = path.join(dir, `${stamp}-${report.tag}`);
  // Statements with their parameters stay in the JSON (for diffing plans between runs).
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, `${markdown(report)}\n`);
  return { json: `${base}.json`, md: `${base}.md` };
}
