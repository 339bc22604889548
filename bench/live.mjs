// Live collaboration benchmark (issue 3): how fast a REST comment reaches every socket of a ticket.
//
//   1. one room, 200 sockets: REST comment → `comment.created` on every socket, p50/p99 (goal: p99 < 50 ms)
//   2. 50 rooms × 20 sockets (1,000 open): a comment in one room at a time, then in all 50 at once
//   3. sockets per room before the latency doubles: 1, 25, 50, 100, 200, 400, 800 sockets on one ticket
//   4. memory per idle socket: workerd's RSS before and after 1,000 sockets open, and after they idle
//      long enough for the rooms to hibernate (whether a room was really re-created is observed, see below)
//
// Under the harness (`npm run bench`, module "live") it gets { baseUrl, tokens, log, quick }.
// BENCH_LIVE_FULL=1 runs every round even when the harness asks for a quick run (--scale < 1).
// Standalone: `npx node bench/live.mjs [--quick]` starts `npm start` on a free port with a throw-away
// state directory (or uses BASE_URL) and logs in as the demo accounts.
// Results: bench/results/live-<time>.json (not with --no-save), and the harness's own report.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Client, login, ROOT, startServer } from "../test/blackbox/lib.mjs";

const GOAL_P99_MS = 50;
const ONE_ROOM_SOCKETS = 200;
const ROOMS = 50;
const SOCKETS_PER_ROOM = 20;
const SCALING_SIZES = [1, 25, 50, 100, 200, 400, 800];
// Sockets opened at once: enough to be quick, few enough not to queue behind the accept backlog.
const OPEN_BATCH = 50;
// Idle time before measuring hibernated memory; workerd hibernates an object ~10 s after its last event.
const IDLE_MS = 20_000;
const ROLES = ["agent", "manager", "admin", "customer"];

// ------------------------------------------------------------------ numbers

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const round = (v) => (v === null ? null : Math.round(v * 100) / 100);
  return { n: s.length, p50: round(percentile(s, 50)), p90: round(percentile(s, 90)), p99: round(percentile(s, 99)), max: round(s.at(-1) ?? null) };
}

// ------------------------------------------------------------------ workerd's process (CPU, memory)

function proc(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = stat.lastIndexOf(")");
  const fields = stat.slice(close + 2).split(" ");
  return { pid, comm: stat.slice(stat.indexOf("(") + 1, close), ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

/** workerd processes descending from this Node process (the harness's Miniflare, or our npm start). */
function workerdPids() {
  if (process.platform !== "linux") return [];
  const all = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      all.push(proc(Number(d)));
    } catch {
      /* exited */
    }
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (!mine.has(p.pid) && mine.has(p.ppid)) (mine.add(p.pid), (grew = true));
  }
  return all.filter((p) => mine.has(p.pid) && p.comm === "workerd").map((p) => p.pid);
}

const TICK_MS = 10; // Linux USER_HZ is 100 on every distribution we run on
const cpuMs = (pids) => pids.reduce((sum, pid) => sum + proc(pid).cpuTicks * TICK_MS, 0);
/** Whole-machine busy CPU (ms, all cores) from /proc/stat. */
function machineBusyMs() {
  const [, ...f] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = f.map(Number);
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Starts a window over which to report how busy the machine was: workerd, this process (the
 * clients), and everything else. The machine may be shared; latency under load is pessimistic.
 */
function contention(pids) {
  const t0 = performance.now();
  const m0 = machineBusyMs();
  const w0 = pids.length ? cpuMs(pids) : 0;
  const o0 = ownCpuMs();
  return () => {
    const wall = performance.now() - t0;
    const workerd = pids.length ? cpuMs(pids) - w0 : 0;
    const own = ownCpuMs() - o0;
    const round = (v) => Math.round(v * 100) / 100;
    return {
      workerdCores: round(workerd / wall),
      clientCores: round(own / wall),
      otherCores: round(Math.max(0, machineBusyMs() - m0 - workerd - own) / wall),
      loadAverage1m: round(os.loadavg()[0]),
    };
  };
}

const rssMiB = (pids) =>
  pids.reduce((sum, pid) => {
    const kb = Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0);
    return sum + kb / 1024;
  }, 0);

// ------------------------------------------------------------------ the work

export async function run({ baseUrl, tokens, log, quick: quickRun = false }) {
  // The harness asks for a quick run on a small seed; this module's cost does not depend on the seed.
  const quick = quickRun && process.env.BENCH_LIVE_FULL !== "1";
  const results = [];
  const notes = [];
  const pids = workerdPids();
  if (!pids.length) notes.push("no workerd process under this Node process: CPU and memory not measured");
  const token = (i) => tokens[ROLES[i % ROLES.length]];

  async function call(method, pathname, as, body) {
    const res = await fetch(`${baseUrl}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${tokens[as]}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${pathname}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  }
  const newTicket = (subject) => call("POST", "/api/v1/tickets", "customer", { subject, description: "bench/live.mjs" });

  /** n sockets on a ticket, each joined (its first presence received); returns them and the upgrade times. */
  async function openSockets(ticketId, n) {
    const sockets = [];
    const upgradeMs = [];
    for (let i = 0; i < n; i += OPEN_BATCH) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(OPEN_BATCH, n - i) }, async (_, j) => {
          const t0 = performance.now();
          const c = await Client.open(`${baseUrl.replace(/^http/, "ws")}/api/v1/tickets/${ticketId}/live?access_token=${encodeURIComponent(token(i + j))}`);
          await c.next("presence", () => true, 30_000);
          upgradeMs.push(performance.now() - t0);
          return c;
        }),
      );
      sockets.push(...batch);
    }
    return { sockets, upgradeMs };
  }
  /** Closes sockets and lets the rooms process the leaves before the next measurement. */
  const closeAll = async (sockets) => {
    sockets.forEach((s) => s.close());
    await Promise.race([Promise.all(sockets.map((s) => s.closed)), new Promise((r) => setTimeout(r, 10_000))]);
    await new Promise((r) => setTimeout(r, 1_000));
  };

  /**
   * One comment by REST; resolves per-socket arrival latencies measured from just before the POST
   * (the REST request included: that is what a colleague waits for).
   */
  async function commentRound(ticketId, sockets, label) {
    const marker = `${label} ${Math.random().toString(36).slice(2)}`;
    const arrivals = sockets.map((s) => s.next("comment.created", (m) => m.comment.body === marker, 30_000));
    const t0 = performance.now();
    // The requester replies: a public comment every socket gets, and one that sends no mail (a staff
    // reply queues an email to the requester, whose delivery would compete for the same workerd).
    await call("POST", `/api/v1/tickets/${ticketId}/comments`, "customer", { body: marker });
    const postMs = performance.now() - t0;
    const messages = await Promise.all(arrivals);
    for (const s of sockets) s.log.length = 0; // keep memory flat over many rounds
    const latencies = messages.map((m) => m.receivedAt - t0);
    const lastMs = Math.max(...latencies);
    // The fan-out alone: from the first socket having the comment to the last one having it.
    return { postMs, latencies, lastMs, spreadMs: lastMs - Math.min(...latencies) };
  }

  async function rounds(ticketId, sockets, count, label) {
    const all = [];
    const last = [];
    const post = [];
    const spread = [];
    const cpu0 = pids.length ? cpuMs(pids) : null;
    const t0 = performance.now();
    const busy = contention(pids);
    for (let r = 0; r < count; r++) {
      const round = await commentRound(ticketId, sockets, `${label} #${r}`);
      all.push(...round.latencies);
      last.push(round.lastMs);
      post.push(round.postMs);
      spread.push(round.spreadMs);
    }
    const elapsed = performance.now() - t0;
    return {
      deliveries: summary(all),
      allDelivered: summary(last),
      post: summary(post),
      fanOutSpread: summary(spread),
      workerdCpuMsPerComment: cpu0 === null ? null : (cpuMs(pids) - cpu0) / count,
      elapsedMs: elapsed,
      machine: busy(),
    };
  }

  const entry = (name, route, measured, extra = {}) => ({
    name,
    route,
    as: "customer",
    load: {
      requests: measured.deliveries.n,
      errors: 0,
      latencyMs: { p50: measured.deliveries.p50, p90: measured.deliveries.p90, p99: measured.deliveries.p99 },
      cpuMsPerRequest: measured.workerdCpuMsPerComment,
      workerdCores: measured.machine?.workerdCores,
      benchCores: measured.machine?.clientCores,
      otherCores: measured.machine?.otherCores,
    },
    live: measured,
    ...extra,
  });

  // 1. one room, 200 sockets
  {
    const ticket = await newTicket("live bench: one busy room");
    log(`one room: opening ${ONE_ROOM_SOCKETS} sockets on ${ticket.number}`);
    const { sockets, upgradeMs } = await openSockets(ticket.id, ONE_ROOM_SOCKETS);
    await commentRound(ticket.id, sockets, "warm-up");
    const measured = await rounds(ticket.id, sockets, quick ? 10 : 40, "one room");
    measured.upgrade = summary(upgradeMs);
    await closeAll(sockets);
    // The goal is read two ways: the whole path (REST request included) and the fan-out alone.
    const goal = { p99Ms: GOAL_P99_MS, passFromRequest: measured.deliveries.p99 < GOAL_P99_MS, passFanOut: measured.fanOutSpread.p99 < GOAL_P99_MS };
    log(
      `one room × ${ONE_ROOM_SOCKETS}: from the POST, arrival p50 ${measured.deliveries.p50} ms, p99 ${measured.deliveries.p99} ms (goal p99 < ${GOAL_P99_MS}: ${goal.passFromRequest ? "pass" : "FAIL"}); ` +
        `fan-out first → last socket p50 ${measured.fanOutSpread.p50} ms, p99 ${measured.fanOutSpread.p99} ms (${goal.passFanOut ? "pass" : "FAIL"}); POST alone p50 ${measured.post.p50} ms`,
    );
    results.push(entry(`${ONE_ROOM_SOCKETS} sockets, one ticket: comment → every socket`, "POST /api/v1/tickets/{id}/comments → WS", measured, { goal }));
  }

  // 2. 50 rooms × 20 sockets, then 4. memory while they idle
  {
    await new Promise((r) => setTimeout(r, 1_000));
    const rssBefore = pids.length ? rssMiB(pids) : null;
    log(`${ROOMS} rooms × ${SOCKETS_PER_ROOM} sockets: opening ${ROOMS * SOCKETS_PER_ROOM} sockets`);
    const rooms = [];
    const upgrades = [];
    for (let i = 0; i < ROOMS; i++) {
      const ticket = await newTicket(`live bench: room ${i}`);
      const { sockets, upgradeMs } = await openSockets(ticket.id, SOCKETS_PER_ROOM);
      upgrades.push(...upgradeMs);
      rooms.push({ ticket, sockets });
    }
    const allSockets = rooms.flatMap((r) => r.sockets);
    await new Promise((r) => setTimeout(r, 1_000));
    const rssOpen = pids.length ? rssMiB(pids) : null;

    // One room at a time, round robin: fan-out of 20 while 1,000 sockets are connected.
    const sequential = { all: [], last: [], post: [], spread: [] };
    const seqRounds = quick ? ROOMS : 2 * ROOMS;
    const cpu0 = pids.length ? cpuMs(pids) : null;
    const seqBusy = contention(pids);
    for (let r = 0; r < seqRounds; r++) {
      const room = rooms[r % ROOMS];
      const round = await commentRound(room.ticket.id, room.sockets, `room ${r % ROOMS} #${r}`);
      sequential.all.push(...round.latencies);
      sequential.last.push(round.lastMs);
      sequential.post.push(round.postMs);
      sequential.spread.push(round.spreadMs);
    }
    const seqMeasured = {
      deliveries: summary(sequential.all),
      allDelivered: summary(sequential.last),
      post: summary(sequential.post),
      fanOutSpread: summary(sequential.spread),
      workerdCpuMsPerComment: cpu0 === null ? null : (cpuMs(pids) - cpu0) / seqRounds,
      upgrade: summary(upgrades),
      machine: seqBusy(),
    };
    log(`${ROOMS}×${SOCKETS_PER_ROOM}, one room at a time: arrival p50 ${seqMeasured.deliveries.p50} ms, p99 ${seqMeasured.deliveries.p99} ms`);
    results.push(entry(`${ROOMS} rooms × ${SOCKETS_PER_ROOM}: one comment at a time`, "POST /api/v1/tickets/{id}/comments → WS", seqMeasured));

    // Every room at once: 50 concurrent comments, 1,000 deliveries per wave.
    const burst = { all: [], last: [], post: [], spread: [] };
    const waves = quick ? 3 : 10;
    const cpu1 = pids.length ? cpuMs(pids) : null;
    const burstBusy = contention(pids);
    for (let w = 0; w < waves; w++) {
      const outs = await Promise.all(rooms.map((room, i) => commentRound(room.ticket.id, room.sockets, `wave ${w} room ${i}`)));
      for (const o of outs) {
        burst.all.push(...o.latencies);
        burst.last.push(o.lastMs);
        burst.post.push(o.postMs);
        burst.spread.push(o.spreadMs);
      }
    }
    const burstMeasured = {
      deliveries: summary(burst.all),
      allDelivered: summary(burst.last),
      post: summary(burst.post),
      fanOutSpread: summary(burst.spread),
      workerdCpuMsPerComment: cpu1 === null ? null : (cpuMs(pids) - cpu1) / (waves * ROOMS),
      machine: burstBusy(),
    };
    log(`${ROOMS}×${SOCKETS_PER_ROOM}, all rooms at once: arrival p50 ${burstMeasured.deliveries.p50} ms, p99 ${burstMeasured.deliveries.p99} ms`);
    results.push(entry(`${ROOMS} rooms × ${SOCKETS_PER_ROOM}: ${ROOMS} comments at once`, "POST /api/v1/tickets/{id}/comments → WS", burstMeasured));

    // Idle, then memory again. Whether room 0 was really re-created (hibernated) is observable: a
    // fresh room has no memory of the presence it last sent, so a second tab of a user who is already
    // present makes it send presence to everyone; a room still in memory sends it to the new tab only.
    const idleMs = quick ? 12_000 : IDLE_MS;
    log(`idling ${idleMs / 1000} s so the rooms can hibernate`);
    await new Promise((r) => setTimeout(r, idleMs));
    const rssIdle = pids.length ? rssMiB(pids) : null;
    const probeRoom = rooms[0];
    const before = probeRoom.sockets[0].log.length;
    const probe = await Client.open(`${baseUrl.replace(/^http/, "ws")}/api/v1/tickets/${probeRoom.ticket.id}/live?access_token=${encodeURIComponent(token(0))}`);
    await probe.next("presence");
    await new Promise((r) => setTimeout(r, 500));
    const recreated = probeRoom.sockets[0].log.slice(before).some((m) => m.type === "presence");
    probe.close();
    await closeAll(allSockets);

    const n = allSockets.length;
    const memory = {
      sockets: n,
      workerdRssMiB: { before: rssBefore, open: rssOpen, afterIdle: rssIdle },
      perSocketKiB: {
        open: rssOpen === null ? null : Math.round(((rssOpen - rssBefore) * 1024 * 10) / n) / 10,
        afterIdle: rssIdle === null ? null : Math.round(((rssIdle - rssBefore) * 1024 * 10) / n) / 10,
      },
      idleMs,
      roomRecreatedAfterIdle: recreated,
      method:
        "VmRSS of the workerd process(es) under this Node process: before opening, with every socket joined, and after the idle wait; " +
        "divided by the number of sockets. It includes workerd's per-connection buffers and the rooms' JS objects; V8 rarely returns freed heap to the OS, " +
        "so 'afterIdle' is an upper bound on the hibernated cost. 'roomRecreatedAfterIdle' tells whether room 0 was evicted and rebuilt from its sockets' attachments.",
    };
    log(
      `memory: workerd RSS ${rssBefore?.toFixed(1)} → ${rssOpen?.toFixed(1)} MiB with ${n} sockets (${memory.perSocketKiB.open} KiB each), ` +
        `${rssIdle?.toFixed(1)} MiB after ${idleMs / 1000} s idle (${memory.perSocketKiB.afterIdle} KiB each); room re-created after idle: ${recreated}`,
    );
    results.push({ name: `memory per socket (${n} sockets)`, route: "WS", memory });
  }

  // 3. sockets per room before the latency doubles
  {
    const sizes = quick ? SCALING_SIZES.filter((s) => s <= 200) : SCALING_SIZES;
    const points = [];
    for (const size of sizes) {
      const ticket = await newTicket(`live bench: ${size} sockets`);
      const { sockets } = await openSockets(ticket.id, size);
      for (let w = 0; w < 3; w++) await commentRound(ticket.id, sockets, "warm-up");
      const measured = await rounds(ticket.id, sockets, quick ? 8 : 20, `${size} sockets`);
      await closeAll(sockets);
      points.push({
        sockets: size,
        fanOutSpreadP50: measured.fanOutSpread.p50,
        fanOutSpreadP99: measured.fanOutSpread.p99,
        allDeliveredP50: measured.allDelivered.p50,
        allDeliveredP99: measured.allDelivered.p99,
        deliveryP99: measured.deliveries.p99,
        workerdCpuMsPerComment: measured.workerdCpuMsPerComment,
        machine: measured.machine,
      });
      log(`scaling: ${size} sockets → every socket has it after p50 ${measured.allDelivered.p50} ms (p99 ${measured.allDelivered.p99} ms), first → last socket p50 ${measured.fanOutSpread.p50} ms`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const base = points[0].allDeliveredP50;
    // The smallest room from which every larger one takes more than twice the baseline (one noisy size does not count).
    const doubled = points.find((p, i) => points.slice(i).every((q) => q.allDeliveredP50 > 2 * base));
    // What one more socket costs workerd per message: the slope of CPU per comment over room size.
    const first = points[0];
    const largest = points.at(-1);
    const marginal =
      first.workerdCpuMsPerComment === null || largest === first ? null : (largest.workerdCpuMsPerComment - first.workerdCpuMsPerComment) / (largest.sockets - first.sockets);
    const scaling = {
      workerdCpuMsPerDelivery: marginal === null ? null : Math.round(marginal * 1000) / 1000,
      baselineSockets: points[0].sockets,
      baselineP50Ms: base,
      firstSizeWithDoubledP50: doubled?.sockets ?? null,
      lastSizeUnderDouble: [...points].reverse().find((p) => p.allDeliveredP50 <= 2 * base)?.sockets ?? null,
      points,
      method:
        "p50 of the time until the last socket of the room has the comment, per room size; 'doubles' is against a room with one socket (the REST request plus one delivery), " +
        "at the smallest size from which every larger size measured stays above twice that.",
    };
    log(`scaling: each further socket costs workerd ≈ ${scaling.workerdCpuMsPerDelivery} ms CPU per message`);
    log(`scaling: the latency doubles at ${doubled ? `${doubled.sockets} sockets` : `more than ${points.at(-1).sockets} sockets`} (baseline ${base} ms with ${points[0].sockets})`);
    results.push({ name: "sockets per room before latency doubles", route: "WS", scaling });
  }

  const machine = { cpu: os.cpus()[0]?.model, cores: os.availableParallelism?.() ?? os.cpus().length, node: process.version, loadAverageAtEnd: os.loadavg() };
  const busiest = Math.max(0, ...results.map((r) => r.live?.machine?.otherCores ?? 0), ...(results.find((r) => r.scaling)?.scaling.points.map((p) => p.machine?.otherCores ?? 0) ?? []));
  if (busiest > 0.25) notes.push(`the machine was shared: other processes kept up to ${busiest.toFixed(2)} of ${machine.cores} cores busy; latencies are pessimistic, CPU per message is the steadier figure`);
  const report = { module: "live", finishedAt: new Date().toISOString(), machine, baseUrl, quick, results, notes };
  if (!process.argv.includes("--no-save")) {
    const dir = path.join(ROOT, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `live-${report.finishedAt.replace(/\.\d+Z$/, "").replace(/[:T]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`results: ${path.relative(ROOT, file)}`);
  }
  return { results, notes };
}

// ------------------------------------------------------------------ standalone

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const t0 = Date.now();
  const log = (msg) => console.error(`[live ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
  const server = await startServer({ log });
  let code = 0;
  try {
    const demo = { admin: "admin@example.com", manager: "manager@example.com", agent: "agent1@example.com", customer: "customer1@example.com" };
    const tokens = Object.fromEntries(await Promise.all(Object.entries(demo).map(async ([role, email]) => [role, (await login(server.baseUrl, email)).token])));
    const out = await run({ baseUrl: server.baseUrl, tokens, log, quick: process.argv.includes("--quick") });
    for (const n of out.notes) log(`note: ${n}`);
  } catch (err) {
    log(`failed: ${err.stack ?? err}`);
    code = 1;
  } finally {
    await server.stop();
  }
  process.exit(code);
}
