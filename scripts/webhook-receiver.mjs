// A small local webhook receiver: it records every delivery, checks its Standard Webhooks signature
// against the secrets it was given, and answers as told. `npm start` runs one (the demo webhook
// points at it), the tests run one (test/global-setup.mjs) and so does the webhook benchmark.
//
//   POST /hooks/<key>          a delivery for endpoint <key>: recorded, answered 200 unless told otherwise
//   POST /_control/<key>       {statuses?: [500, 200], down?: true|false, delay_ms?, redirect_to?, secrets?: ["whsec_…"]}
//   GET  /_received/<key>      the deliveries of <key>: [{id, timestamp, signature, verified, body, received_at, status}]
//
//   node scripts/webhook-receiver.mjs [port]   prints each delivery and whether its signature verifies
//
// "down" drops every connection to that endpoint without an answer, as a receiver that is offline.
// Only Node built-ins.
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { pathToFileURL } from "node:url";

/** The spec's tolerance for `webhook-timestamp` either side of now. */
const TOLERANCE_S = 5 * 60;
/** Bodies beyond this are cut off (a delivery is small; this is a local tool). */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Whether one of `secrets` signed the message (Standard Webhooks: HMAC-SHA256 of "id.timestamp.body"). */
export function verifySignature(secrets, id, timestamp, signature, body, nowS = Math.floor(Date.now() / 1000)) {
  if (!id || !timestamp || !signature || !secrets.length) return false;
  if (Math.abs(nowS - Number(timestamp)) > TOLERANCE_S) return false;
  const given = signature
    .split(" ")
    .map((s) => s.split(","))
    .filter(([v, sig]) => v === "v1" && sig)
    .map(([, sig]) => Buffer.from(sig, "base64"));
  return secrets.some((secret) => {
    const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
    const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
    return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected));
  });
}

/**
 * Starts a receiver on host:port (0: any free port). `onDelivery(record)` sees each delivery.
 * Resolves to `{url, port, close(), endpoint(key), received(key), setSecrets(key, secrets)}`.
 */
export function startReceiver({ host = "127.0.0.1", port = 0, onDelivery } = {}) {
  const endpoints = new Map();
  const state = (key) => {
    let s = endpoints.get(key);
    if (!s) endpoints.set(key, (s = { statuses: [], down: false, delayMs: 0, redirectTo: null, secrets: [], received: [] }));
    return s;
  };
  const readBody = (req) =>
    new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on("data", (c) => {
        size += c.length;
        if (size <= MAX_BODY_BYTES) chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });
  const json = (res, status, value) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://receiver");
    const [, area, ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    try {
      if (area === "_control" && req.method === "POST") {
        const s = state(key);
        const body = JSON.parse((await readBody(req)) || "{}");
        if (Array.isArray(body.statuses)) s.statuses = [...body.statuses];
        if (typeof body.down === "boolean") s.down = body.down;
        if (typeof body.delay_ms === "number") s.delayMs = body.delay_ms;
        if ("redirect_to" in body) s.redirectTo = body.redirect_to;
        if (Array.isArray(body.secrets)) s.secrets = [...body.secrets];
        res.writeHead(204).end();
        return;
      }
      if (area === "_received" && req.method === "GET") return json(res, 200, state(key).received);
      if (area !== "hooks" || req.method !== "POST") return json(res, 404, { error: "no such route" });
      const s = state(key);
      if (s.down) {
        // Offline: the connection drops with no answer at all.
        req.socket.destroy();
        return;
      }
      const body = await readBody(req);
      const h = (name) => req.headers[name] ?? null;
      const status = s.statuses.length ? s.statuses.shift() : s.redirectTo ? 302 : 200;
      const record = {
        key,
        id: h("webhook-id"),
        timestamp: h("webhook-timestamp"),
        signature: h("webhook-signature"),
        content_type: h("content-type"),
        user_agent: h("user-agent"),
        verified: verifySignature(s.secrets, h("webhook-id"), h("webhook-timestamp"), h("webhook-signature"), body),
        body,
        received_at: Date.now(),
        status,
      };
      s.received.push(record);
      onDelivery?.(record);
      if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
      if (status === 302) res.writeHead(302, { location: s.redirectTo ?? "http://127.0.0.1:1/" }).end();
      else json(res, status, status < 300 ? { ok: true } : { error: `told to answer ${status}` });
    } catch (err) {
      json(res, 500, { error: String(err) });
    }
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      const base = `http://${host}:${actual}`;
      resolve({
        url: base,
        port: actual,
        endpoint: (key) => `${base}/hooks/${encodeURIComponent(key)}`,
        received: (key) => state(key).received,
        setSecrets: (key, secrets) => void (state(key).secrets = [...secrets]),
        close: () => new Promise((r) => server.close(() => r())),
        server,
      });
    });
  });
}

// ── stand-alone: node scripts/webhook-receiver.mjs [port] ──────────────────────────────────────
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const port = Number(process.argv[2] ?? 8799);
  const receiver = await startReceiver({
    port,
    onDelivery: (r) => console.log(`${new Date(r.received_at).toISOString()} ${r.key} ${r.id} ${r.verified ? "signature ok" : "signature NOT verified"} ${r.body.slice(0, 200)}`),
  });
  console.log(`webhook receiver on ${receiver.url}/hooks/<name> (POST /_control/<name> {"secrets": ["whsec_…"]} to verify signatures)`);
}
