// Web app benchmark (issue 13): what a browser downloads and how fast the console and portal show
// what matters, in headless Chromium (Debian's package) on loopback.
//
//   1. per page, cold (a fresh browser context, nothing cached): JavaScript and CSS transferred, raw and
//      gzip (level 6, what a CDN sends; the local server does not compress). Goals: console ≤ 250 KB,
//      portal ≤ 150 KB, help-centre article ≤ 30 KB (and usable without JavaScript: see web/e2e).
//   2. time until the console's ticket view shows its conversation: cold (new context: session refresh,
//      the app's files, the ticket, its comments) and warm (the app loaded, another ticket opened). Goal < 1 s.
//   3. REST comment → visible on the other party's page, p50/p99 over 50 messages each way: an agent's
//      reply on the customer's portal page, a customer's reply on the agent's console page. Measured from
//      the POST being sent and from its answer (the fan-out alone). Goal: p99 < 500 ms.
//   4. chat message → agent page (issue 14): a visitor's chat opened and written to with the widget's own
//      requests (its live socket open), 50 messages one every 2.1 s (the chat's 30-a-minute limit); the
//      agent has the chat's ticket open in the console. Same measurement and goal as 3.
//
// Under the harness (`npm run bench -- --only web`) it gets { baseUrl, accounts, password, log, quick }.
// Standalone: `npx node bench/web.mjs [--quick] [--no-save]` starts `npm start` on a free port with a
// throw-away state (or uses BASE_URL) and uses the demo accounts.
// Results: bench/results/web-<time>.{json,md}.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "@playwright/test";
import { Client, ROOT, startServer } from "../test/blackbox/lib.mjs";
import { percentile } from "./lib/load.mjs";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
const GOALS_KB = { console: 250, portal: 150, "help article": 30 };
const GOAL_CONVERSATION_MS = 1_000;
const GOAL_LIVE_P99_MS = 500;
const MESSAGES = 50;
/** A chat takes 30 visitor messages a minute (CHAT_MESSAGES_PER_MINUTE in src/features/chat/chat.service.ts): one every 2.1 s stays under it. */
const CHAT_MESSAGE_GAP_MS = 2_100;

function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const r = (v) => (v === null || v === undefined ? null : Math.round(v));
  return { n: s.length, p50: r(percentile(s, 50)), p90: r(percentile(s, 90)), p99: r(percentile(s, 99)), max: r(s.at(-1)) };
}
const kb = (bytes) => Math.round((bytes / 1024) * 10) / 10;

async function api(baseUrl, method, pathname, { token, body } = {}) {
  const res = await fetch(`${baseUrl}${pathname}`, {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname} → ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}

export async function run({ baseUrl, accounts, password, log, quick = false }) {
  const notes = [];
  const results = [];
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const tokenOf = async (email) => (await api(baseUrl, "POST", "/api/v1/auth/login", { body: { email, password } })).access_token;
  const agentToken = await tokenOf(accounts.agent);
  const customerToken = await tokenOf(accounts.customer);

  /** A context signed in with a cookie session, as the sign-in form does (the cookie jar is the context's). */
  async function signedIn(email) {
    const context = await browser.newContext({ baseURL: baseUrl });
    if (email) {
      const res = await context.request.post("/api/v1/auth/login", { data: { email, password, session: "cookie" } });
      if (!res.ok()) throw new Error(`cookie login ${email}: ${res.status()}`);
    }
    return context;
  }

  try {
    // A ticket of the customer's with a conversation, for every page below.
    const ticket = await api(baseUrl, "POST", "/api/v1/tickets", {
      token: customerToken,
      body: { subject: "Bench: invoice question", description: "How do I download last year's invoices?" },
    });
    for (let i = 0; i < 6; i++) {
      await api(baseUrl, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token: i % 2 ? customerToken : agentToken, body: { body: `Message ${i + 1} of the warm-up conversation.` } });
    }
    const articles = await api(baseUrl, "GET", "/api/v1/kb/articles?limit=1");
    const article = articles.data[0];

    // ------------------------------------------------------------ 1. page weight, cold
    log("page weight (cold)");
    const pages = [
      { name: "help centre home", path: "/", as: null, ready: "h1" },
      ...(article ? [{ name: "help article", path: `/articles/${article.id}`, as: null, ready: "article h1" }] : []),
      { name: "help search", path: "/search?q=invoice", as: null, ready: "h1" },
      { name: "portal", path: "/portal", as: accounts.customer, ready: "table.list, .empty" },
      { name: "portal ticket", path: `/portal/tickets/${ticket.id}`, as: accounts.customer, ready: ".conversation" },
      { name: "console", path: "/app", as: accounts.agent, ready: "h1" },
      { name: "console ticket", path: `/app/tickets/${ticket.id}`, as: accounts.agent, ready: ".conversation" },
      { name: "docs", path: "/docs", as: null, ready: ".opblock" },
    ];
    const weights = [];
    for (const p of pages) {
      const context = await signedIn(p.as);
      const page = await context.newPage();
      const files = [];
      page.on("response", async (res) => {
        const type = res.request().resourceType();
        if (type !== "script" && type !== "stylesheet") return;
        try {
          const body = await res.body();
          files.push({ url: new URL(res.url()).pathname, type, raw: body.length, gzip: gzipSync(body, { level: 6 }).length });
        } catch {
          /* aborted */
        }
      });
      await page.goto(p.path);
      await page.waitForSelector(p.ready, { timeout: 30_000 });
      await page.waitForLoadState("networkidle");
      const sum = (type, field) => files.filter((f) => !type || f.type === type).reduce((n, f) => n + f[field], 0);
      const goalKey = p.name === "portal" ? "portal" : p.name === "console" ? "console" : p.name === "help article" ? "help article" : null;
      const entry = {
        page: p.name,
        path: p.path.replace(ticket.id, "{id}").replace(article?.id ?? "\0", "{id}"),
        jsKB: { raw: kb(sum("script", "raw")), gzip: kb(sum("script", "gzip")) },
        cssKB: { raw: kb(sum("stylesheet", "raw")), gzip: kb(sum("stylesheet", "gzip")) },
        totalGzipKB: kb(sum(null, "gzip")),
        files: files.length,
        goalKB: goalKey ? GOALS_KB[goalKey] : null,
      };
      if (entry.goalKB) entry.meetsGoal = entry.totalGzipKB <= entry.goalKB;
      weights.push(entry);
      log(`  ${p.name}: JS ${entry.jsKB.gzip} KB + CSS ${entry.cssKB.gzip} KB gzip (${entry.files} files)`);
      await context.close();
    }
    results.push({ name: "page weight, cold load (JS + CSS)", weights });

    // ------------------------------------------------------------ 2. ticket view → conversation
    log("console ticket view: time until the conversation shows");
    const rounds = quick ? 5 : 15;
    const cold = [];
    const warm = [];
    /** Where each cold open spent its time (Resource Timing, ms since navigation start). */
    const phases = [];
    const others = [];
    for (let i = 0; i < rounds; i++) {
      others.push(await api(baseUrl, "POST", "/api/v1/tickets", { token: customerToken, body: { subject: `Bench: another ticket ${i}`, description: "Second ticket for the warm round." } }));
    }
    for (let i = 0; i < rounds; i++) {
      const context = await signedIn(accounts.agent);
      // The page stamps the frame in which the conversation is first in the DOM (the animation frame
      // that paints it), so the time does not include Playwright noticing it and answering.
      await context.addInitScript(stampConversationShown);
      const page = await context.newPage();
      await page.goto(`/app/tickets/${ticket.id}`);
      await page.waitForFunction(() => window.__conversationShownAt, null, { timeout: 30_000, polling: 50 });
      const shownAt = await page.evaluate(() => window.__conversationShownAt);
      cold.push(shownAt);
      phases.push({ ...(await page.evaluate(coldPhases)), shown: shownAt });
      // Warm: the app is loaded; open another ticket from inside it (a client-side navigation).
      const t0 = await page.evaluate(() => performance.now());
      await page.evaluate((id) => {
        history.pushState({}, "", `/app/tickets/${id}`);
        dispatchEvent(new PopStateEvent("popstate"));
      }, others[i].id);
      await page.waitForSelector(`h1:text("Bench: another ticket ${i}")`, { timeout: 30_000 });
      await page.waitForSelector(".conversation", { timeout: 30_000 });
      warm.push((await page.evaluate(() => performance.now())) - t0);
      await context.close();
    }
    const coldS = summary(cold);
    const warmS = summary(warm);
    const phaseNames = [...new Set(phases.flatMap((p) => Object.keys(p)))];
    const coldPhasesMs = Object.fromEntries(phaseNames.map((n) => [n, summary(phases.map((p) => p[n]).filter((v) => v !== undefined)).p50]));
    results.push({ name: "console ticket view: navigation start → conversation shown", coldMs: coldS, warmMs: warmS, coldPhasesMs, goalMs: GOAL_CONVERSATION_MS, meetsGoal: (coldS.p50 ?? Infinity) < GOAL_CONVERSATION_MS });
    log(`  cold phases (p50, ms since navigation start): ${JSON.stringify(coldPhasesMs)}`);
    log(`  cold p50 ${coldS.p50} ms (max ${coldS.max}), warm p50 ${warmS.p50} ms`);

    // ------------------------------------------------------------ 3. REST comment → other party's page
    // WEB_MESSAGES: the full count on a small database (the live rounds do not depend on its size).
    const messages = Number(process.env.WEB_MESSAGES) || (quick ? 15 : MESSAGES);
    let roundNo = 0;
    /**
     * `send(body)` posts one message whose text is `body`; the viewer's page has a MutationObserver that
     * stamps (performance.timeOrigin + now) the moment a `.message-body` with that text appears, and
     * Playwright polls for the stamp. `gapMs`: pause after each message is shown.
     */
    async function liveRound({ label, viewerEmail, viewerPath, send, route, as, gapMs = 50, name = `REST comment → visible on ${label}` }) {
      const round = ++roundNo;
      const context = await signedIn(viewerEmail);
      const page = await context.newPage();
      await page.goto(viewerPath);
      await page.waitForSelector(".conversation", { timeout: 30_000 });
      // Let the live socket open before the first message.
      await page.waitForFunction(() => !document.querySelector(".live-status")?.textContent?.includes("Reconnecting"), null, { timeout: 10_000 });
      await page.waitForTimeout(500);
      await page.evaluate(() => {
        const seen = (window.__seen = {});
        new MutationObserver(() => {
          for (const el of document.querySelectorAll(".message-body")) {
            const m = el.textContent?.match(/^bench-live-(\d+-\d+)$/);
            if (m && !(m[1] in seen)) seen[m[1]] = performance.timeOrigin + performance.now();
          }
        }).observe(document.body, { childList: true, subtree: true });
      });
      const fromSend = [];
      const fromAnswer = [];
      for (let i = 0; i < messages; i++) {
        const key = `${round}-${i}`;
        const sentAt = Date.now();
        await send(`bench-live-${key}`);
        const answeredAt = Date.now();
        const shownAt = await page.waitForFunction((k) => window.__seen[k], key, { timeout: 10_000, polling: 5 }).then((h) => h.jsonValue());
        fromSend.push(shownAt - sentAt);
        fromAnswer.push(shownAt - answeredAt);
        await new Promise((r) => setTimeout(r, Math.max(50, gapMs - (Date.now() - sentAt))));
      }
      await context.close();
      const s = summary(fromSend);
      const a = summary(fromAnswer);
      results.push({
        name,
        route,
        as,
        messages,
        fromSendMs: s,
        fromAnswerMs: a,
        goalP99Ms: GOAL_LIVE_P99_MS,
        meetsGoal: (s.p99 ?? Infinity) < GOAL_LIVE_P99_MS,
        // The harness's table reads `load`: from the POST sent to the text shown.
        load: { requests: s.n, errors: 0, latencyMs: { p50: s.p50, p90: s.p90, p99: s.p99 } },
      });
      const line = `${name}: from the POST sent p50 ${s.p50} / p99 ${s.p99} / max ${s.max} ms; from its answer p50 ${a.p50} / p99 ${a.p99} / max ${a.max} ms (n=${s.n})`;
      notes.push(line);
      log(`  ${line}`);
    }
    const comment = (token) => (body) => api(baseUrl, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token, body: { body } });
    log("REST comment → visible on the other party's page");
    const commentRoute = "POST /api/v1/tickets/{id}/comments → page";
    await liveRound({ label: "the customer's portal page", viewerEmail: accounts.customer, viewerPath: `/portal/tickets/${ticket.id}`, send: comment(agentToken), route: commentRoute, as: "agent" });
    await liveRound({ label: "the agent's console page", viewerEmail: accounts.agent, viewerPath: `/app/tickets/${ticket.id}`, send: comment(customerToken), route: commentRoute, as: "customer" });

    // ------------------------------------------------------------ 4. chat message → agent's page (issue 14)
    // A visitor's chat, driven with the widget's own requests (src/features/chat/widget/chat-widget.js:
    // Accept/Content-Type JSON, the visitor token as Bearer, no cookies) and its live socket open, as an
    // open widget holds it; the agent has the chat's ticket open in the console.
    log("chat: visitor message → visible on the agent's console page");
    const visitorIp = `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
    const widgetCall = async (method, pathname, { token, body } = {}) => {
      const res = await fetch(`${baseUrl}/api/v1/chat/sessions${pathname}`, {
        method,
        headers: { accept: "application/json", ...(body ? { "content-type": "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), "cf-connecting-ip": visitorIp },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} /api/v1/chat/sessions${pathname} → ${res.status} ${text.slice(0, 200)}`);
      return text ? JSON.parse(text) : null;
    };
    const chat = await widgetCall("POST", "", { body: { name: "Bench visitor", message: "Hello, is anyone there?" } });
    const visitorSocket = await Client.open(`${baseUrl.replace(/^http/, "ws")}/api/v1/chat/sessions/${encodeURIComponent(chat.ticket.id)}/live?token=${encodeURIComponent(chat.visitor_token)}`);
    try {
      await liveRound({
        label: "the agent's console page (chat)",
        name: "chat message → visible on the agent's console page",
        viewerEmail: accounts.agent,
        viewerPath: `/app/tickets/${chat.ticket.id}`,
        send: (body) => widgetCall("POST", `/${encodeURIComponent(chat.ticket.id)}/messages`, { token: chat.visitor_token, body: { body } }),
        route: "POST /api/v1/chat/sessions/{id}/messages → console page",
        as: "visitor",
        gapMs: CHAT_MESSAGE_GAP_MS,
      });
    } finally {
      visitorSocket.close();
    }
  } finally {
    await browser.close();
  }
  notes.push("live rounds: a MutationObserver in the viewer's page stamps when the message's text appears (performance.timeOrigin + now); Playwright polls the page for that stamp every 5 ms");
  const load = os.loadavg()[0];
  if (load > os.availableParallelism() * 0.5) notes.push(`load average ${load.toFixed(1)} on ${os.availableParallelism()} cores at the end: timings are pessimistic`);
  return { results, notes };
}

/**
 * Runs in the page before its scripts: `window.__conversationShownAt` is set in the frame that first paints two
 * messages, `window.__appRenderedAt` when the app first put anything into #root.
 */
function stampConversationShown() {
  const observer = new MutationObserver(() => {
    // When the app first rendered anything (its scripts ran): the part of a cold open no request shortens.
    if (!window.__appRenderedAt && document.getElementById("root")?.firstChild) window.__appRenderedAt = performance.now();
    if (!document.querySelector(".conversation li:nth-child(2)")) return;
    observer.disconnect();
    requestAnimationFrame(() => (window.__conversationShownAt = performance.now()));
  });
  observer.observe(document, { childList: true, subtree: true });
}

/**
 * Runs in the page once the conversation shows: when each step of a cold open ended, in ms since
 * navigation start (Resource Timing; `*.start`/`*.end` of the first request of each kind).
 */
function coldPhases() {
  const nav = performance.getEntriesByType("navigation")[0];
  const out = { "html.end": nav?.responseEnd };
  const resources = performance.getEntriesByType("resource");
  const first = (test) => resources.find((r) => test(new URL(r.name).pathname));
  const mark = (name, entry) => {
    if (!entry) return;
    out[`${name}.start`] = entry.startTime;
    out[`${name}.end`] = entry.responseEnd;
  };
  const scripts = resources.filter((r) => r.initiatorType === "script" || r.initiatorType === "link" || /\.(js|css)$/.test(new URL(r.name).pathname));
  if (scripts.length) out["assets.end"] = Math.max(...scripts.map((r) => r.responseEnd));
  // The boot script (web/src/session/boot.ts) starts the refresh; the framework chunk is the app's largest file.
  mark("boot", first((p) => /^\/assets\/boot-[^/]+\.js$/.test(p)));
  mark("framework", first((p) => /^\/assets\/framework-[^/]+\.js$/.test(p)));
  mark("refresh", first((p) => p === "/api/v1/auth/refresh"));
  mark("ticket", first((p) => /^\/api\/v1\/tickets\/[^/]+$/.test(p)));
  mark("comments", first((p) => /^\/api\/v1\/tickets\/[^/]+\/comments$/.test(p)));
  mark("live", first((p) => /\/live$/.test(p)));
  if (window.__appRenderedAt) out["app.rendered"] = window.__appRenderedAt;
  out["api.requests"] = resources.filter((r) => new URL(r.name).pathname.startsWith("/api/")).length;
  out.shown = performance.now();
  return out;
}

function markdown(report) {
  const lines = [`# Web app benchmark (${report.finishedAt})`, "", `Machine: ${report.machine.cpu}, ${report.machine.cores} cores, load average ${report.machine.loadAverage.map((n) => n.toFixed(1)).join(" / ")} (1/5/15 min) at the end. Server: ${report.server}.`, ""];
  const weights = report.results.find((r) => r.weights)?.weights ?? [];
  lines.push("## JavaScript and CSS per page, cold load", "", "| page | JS gzip KB | CSS gzip KB | total gzip KB | raw KB | goal KB |", "| --- | --- | --- | --- | --- | --- |");
  for (const w of weights) lines.push(`| ${w.page} (\`${w.path}\`) | ${w.jsKB.gzip} | ${w.cssKB.gzip} | **${w.totalGzipKB}** | ${Math.round(w.jsKB.raw + w.cssKB.raw)} | ${w.goalKB ? `≤ ${w.goalKB} ${w.meetsGoal ? "✓" : "✗"}` : ""} |`);
  lines.push("");
  for (const r of report.results.filter((x) => !x.weights)) {
    lines.push(`## ${r.name}`, "");
    if (r.coldMs) lines.push(`- cold: p50 ${r.coldMs.p50} ms, p90 ${r.coldMs.p90} ms, max ${r.coldMs.max} ms (n=${r.coldMs.n}); goal < ${r.goalMs} ms ${r.meetsGoal ? "✓" : "✗"}`, `- warm (app loaded, another ticket): p50 ${r.warmMs.p50} ms, max ${r.warmMs.max} ms`);
    if (r.coldPhasesMs) lines.push(`- cold, where the time went (p50, ms since navigation start): ${Object.entries(r.coldPhasesMs).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    if (r.fromSendMs) lines.push(`- from the POST sent: p50 ${r.fromSendMs.p50} ms, p99 ${r.fromSendMs.p99} ms, max ${r.fromSendMs.max} ms (n=${r.messages}); goal p99 < ${r.goalP99Ms} ms ${r.meetsGoal ? "✓" : "✗"}`, `- from the POST answered (fan-out to the page): p50 ${r.fromAnswerMs.p50} ms, p99 ${r.fromAnswerMs.p99} ms`);
    lines.push("");
  }
  if (report.notes.length) lines.push("## Notes", "", ...report.notes.map((n) => `- ${n}`), "");
  return lines.join("\n");
}

// ------------------------------------------------------------------ standalone

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const t0 = Date.now();
  const log = (msg) => console.error(`[web ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
  const server = await startServer({ log });
  let code = 0;
  try {
    const accounts = { agent: "agent1@example.com", customer: "customer1@example.com" };
    const out = await run({ baseUrl: server.baseUrl, accounts, password: "demo-password-1", log, quick: process.argv.includes("--quick") });
    const finishedAt = new Date().toISOString();
    const report = {
      module: "web",
      finishedAt,
      server: process.env.BASE_URL ? process.env.BASE_URL : "npm start (wrangler dev) with the demo seed",
      machine: { cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), loadAverage: os.loadavg() },
      ...out,
    };
    for (const n of out.notes) log(`note: ${n}`);
    console.log(markdown(report));
    if (!process.argv.includes("--no-save")) {
      const dir = path.join(ROOT, "bench", "results");
      mkdirSync(dir, { recursive: true });
      const base = path.join(dir, `web-${finishedAt.replace(/\.\d+Z$/, "").replace(/[:T]/g, "-")}`);
      writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
      writeFileSync(`${base}.md`, markdown(report));
      log(`results: ${path.relative(ROOT, base)}.{json,md}`);
    }
  } catch (err) {
    log(`failed: ${err.stack ?? err}`);
    code = 1;
  } finally {
    await server.stop();
  }
  process.exit(code);
}
