// Exports (issue 12): a whole ticket list as CSV, end to end through the real path: POST /exports,
// the JOBS queue's consumer paging the list's own query in chunks into an R2 multipart upload,
// GET /exports/{id} for progress, then the download. Measured: wall time from the POST to "done",
// rows per second, the download's size and time, and the peak resident memory of the workerd
// processes the bench started, while the export ran (sampled from /proc; Linux only). The file is parsed back and its
// rows counted against the tickets in the database: a bench that exports the wrong rows is no bench.

import { readdirSync, readFileSync } from "node:fs";
import Papa from "papaparse";

/** The export must finish within this long (a million tickets: the issue's goal is "without failing"). */
const DEADLINE_MS = 2 * 60 * 60_000;
const SAMPLE_MS = 250;

/** The parent of a process (0 when it is gone). */
function parentOf(pid) {
  try {
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

/** Whether `pid` was started by this bench (its workerd, not another one running on the machine). */
function ours(pid) {
  for (let p = Number(pid), hops = 0; p > 1 && hops < 20; p = parentOf(p), hops++) if (p === process.pid) return true;
  return false;
}

/** Resident memory of this bench's workerd processes now, in bytes (0 where /proc is missing). */
function workerdRss() {
  let total = 0;
  let entries = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return 0;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd") || !ours(pid)) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (rss) total += Number(rss[1]) * 1024;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

export async function run(ctx) {
  const { request, tokens, db, log } = ctx;
  const tickets = await db.prepare("SELECT count(*) AS n FROM tickets WHERE deleted_at IS NULL").first("n");
  const before = workerdRss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, workerdRss())), SAMPLE_MS);
  try {
    const started = Date.now();
    const res = await request({ method: "POST", path: "/api/v1/exports", token: tokens.manager, body: { kind: "tickets", format: "csv" } });
    if (res.status !== 202) throw new Error(`export: ${res.status} ${res.body}`);
    const { id } = JSON.parse(res.body);
    log(`exports: ${tickets} tickets to CSV (job ${id}) …`);
    let job;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_000));
      job = JSON.parse((await request({ path: `/api/v1/exports/${id}`, token: tokens.manager })).body);
      if (job.status === "done" || job.status === "failed") break;
      if (Date.now() - started > DEADLINE_MS) throw new Error(`export still ${job.status} after ${DEADLINE_MS / 60_000} min (${job.progress.rows_done} rows)`);
    }
    const seconds = (Date.now() - started) / 1000;
    if (job.status !== "done") throw new Error(`export failed: ${JSON.stringify(job)}`);
    const peakExport = Math.max(peak, workerdRss());
    const downloadStarted = Date.now();
    const file = await request({ path: `/api/v1/exports/${id}/download`, token: tokens.manager });
    const downloadMs = Date.now() - downloadStarted;
    if (file.status !== 200) throw new Error(`download: ${file.status}`);
    const parsed = Papa.parse(file.body.replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true });
    const rows = parsed.data.length;
    const ids = new Set(parsed.data.map((r) => r.id));
    const exact = rows === tickets && ids.size === rows && parsed.errors.length === 0;
    const bytes = Buffer.byteLength(file.body);
    const rowsPerSecond = rows / seconds;
    log(`exports: ${rows} rows in ${seconds.toFixed(1)} s (${rowsPerSecond.toFixed(0)} rows/s), ${(bytes / 1e6).toFixed(1)} MB, peak workerd RSS ${(peakExport / 1e6).toFixed(0)} MB while exporting, ${(peak / 1e6).toFixed(0)} MB with the download (${(before / 1e6).toFixed(0)} before)`);
    return {
      results: [
        {
          name: `export ${tickets} tickets as CSV (POST to done)`,
          route: "POST /api/v1/exports + queue + GET /api/v1/exports/{id}",
          load: { latencyMs: { p50: seconds * 1000, p90: seconds * 1000, p99: seconds * 1000 }, rps: rowsPerSecond, cpuMsPerRequest: null, requests: 1, errors: exact ? 0 : 1 },
          export: { tickets, rows, distinctIds: ids.size, parseErrors: parsed.errors.length, exact, seconds, rowsPerSecond, bytes, downloadMs, workerdRssBefore: before, workerdRssPeakExport: peakExport, workerdRssPeakWithDownload: peak },
        },
      ],
      notes: [
        `CSV export of every ticket (${tickets}): ${rows} rows parsed back${exact ? ", one per ticket, no parse error" : ` — NOT one per ticket (${ids.size} distinct ids, ${parsed.errors.length} parse errors)`}; ${seconds.toFixed(1)} s from the POST to "done" (${rowsPerSecond.toFixed(0)} rows/s), ${(bytes / 1e6).toFixed(1)} MB downloaded in ${downloadMs} ms; workerd resident memory ${(before / 1e6).toFixed(0)} MB before, at most ${(peakExport / 1e6).toFixed(0)} MB until "done" and ${(peak / 1e6).toFixed(0)} MB with the download (the bench's own workerd processes, sampled every ${SAMPLE_MS} ms)`,
      ],
    };
  } finally {
    clearInterval(sampler);
  }
}
