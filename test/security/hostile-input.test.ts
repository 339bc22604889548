import { describe, expect, it } from "vitest";
import { api } from "../helpers";
import { attachmentRow, buildWorld, channelSignature, fill, hiddenFromA, isVisitorRoute, leaked, operations, sampleBodies, snapshot, SWEEP_MS, upload, type Operation } from "./support";

/**
 * "Every bad input gets a clear problem+json 4xx and changes nothing", swept over every route:
 * bodies that are not JSON, not objects, of the wrong types, too long, or not Unicode; query
 * strings with SQL, FTS5 syntax and broken encodings; hostile headers; hostile file names.
 */
const w = await buildWorld();
const { ops } = await operations();
const bodies = sampleBodies(w);
const jsonWrites = ops.filter((o) => o.op.requestBody?.content?.["application/json"]);

/** Real ids for every slot, so what answers is the body check, not a 404. */
const slotIds: Record<string, string> = {
  "/api/v1/users/{id}": w.agent2.id,
  "/api/v1/users/{id}/skills": w.agent2.id,
  "/api/v1/users/{id}/availability": w.agent2.id,
  "/api/v1/users/{id}/capacity": w.agent2.id,
  "/api/v1/teams/{id}": w.team.id,
  "/api/v1/kb/articles/{id}": w.publicArticle.id,
  "/api/v1/kb/articles/{id}/feedback": w.publicArticle.id,
  "/api/v1/kb/categories/{id}": w.category.id,
  "/api/v1/saved-searches/{id}": w.bSaved.id,
  "/api/v1/rules/{id}": w.rule.id,
  "/api/v1/rules/{id}/test": w.rule.id,
  "/api/v1/macros/{id}": w.sharedMacro.id,
  "/api/v1/webhooks/{id}": w.webhook.id,
  "/api/v1/channels/{id}": w.channel.id,
  "/api/v1/channels/{id}/inbound": w.channel.id,
  "/api/v1/ticket-fields/{id}": w.hiddenField.id,
  "/api/v1/ticket-statuses/{id}": w.ticketStatus.id,
};
const pathOf = (o: Operation) => fill(o.path, { id: slotIds[o.path] ?? w.ta.id, ticket_id: w.chat.ticket.id, comment_id: w.publicReply.id, macro_id: w.sharedMacro.id, kind: "reply", name: "high" });
/** The owner of what the path names (B's saved search is only B's to change; a chat is its visitor's). */
const tokenFor = (o: Operation) => (isVisitorRoute(o) ? w.chat.token : o.path.startsWith("/api/v1/saved-searches/") ? w.b.token : w.admin.token);

/** A value of another JSON type than `v`. */
const wrongType = (v: unknown): unknown => (typeof v === "string" ? 12345 : typeof v === "number" ? "12" : typeof v === "boolean" ? "true" : Array.isArray(v) ? "[]" : { nested: true });
/** Every top-level value of a body (or of an array body's items) through `f`. */
function mapFields(body: unknown, f: (value: unknown, key: string) => unknown): unknown {
  if (Array.isArray(body)) return body.map((item) => mapFields(item, f));
  if (body && typeof body === "object") return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, f(v, k)]));
  return body;
}
/** The names of the string fields of a sample body. */
const stringFields = (body: unknown): string[] => {
  const item = Array.isArray(body) ? body[0] : body;
  return Object.entries((item ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === "string").map(([k]) => k);
};

describe("bodies", () => {
  it("every JSON write answers 400 to bodies that are not JSON objects of the right types, 415 to other media types; nothing changes", async () => {
    const before = await snapshot();
    const found: string[] = [];
    for (const o of jsonWrites) {
      const sample = bodies[o.key] ?? {};
      const cases: { label: string; raw?: string; body?: unknown; type?: string; status: number; or?: number }[] = [
        { label: "truncated JSON", raw: '{"a":', status: 400 },
        { label: "trailing garbage", raw: `${JSON.stringify(sample)}}`, status: 400 },
        { label: "null", raw: "null", status: 400 },
        { label: "a string", raw: '"text"', status: 400 },
        { label: "a number", raw: "42", status: 400 },
        { label: "every field of the wrong type", body: mapFields(sample, wrongType), status: 400 },
        // Several such strings may pass the 1 MiB body cap first: 413 then.
        ...(stringFields(sample).length ? [{ label: "every string far too long", body: mapFields(sample, (v) => (typeof v === "string" ? "x".repeat(300_000) : v)), status: 400, or: 413 }] : []),
        { label: "text/plain", raw: JSON.stringify(sample), type: "text/plain", status: 415 },
        { label: "form-urlencoded", raw: "a=1", type: "application/x-www-form-urlencoded", status: 415 },
      ];
      if (!Array.isArray(sample)) cases.push({ label: "an array", raw: "[]", status: 400 });
      for (const c of cases) {
        const raw = c.raw ?? JSON.stringify(c.body);
        const res = await api(o.method, pathOf(o), { token: tokenFor(o), raw, headers: { "content-type": c.type ?? "application/json", ...channelSignature(w, o, raw) } });
        if ((res.status !== c.status && res.status !== c.or) || res.headers.get("content-type") !== "application/problem+json") found.push(`${o.key} ${c.label} → ${res.status}`);
      }
    }
    expect(found).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }, SWEEP_MS);

  it("a lone UTF-16 surrogate in any string is refused with 400 naming the field; nothing changes", async () => {
    const before = await snapshot();
    const found: string[] = [];
    const checked = new Set<string>();
    for (const o of jsonWrites) {
      const sample = bodies[o.key] ?? {};
      for (const field of stringFields(sample)) {
        // JSON.stringify writes the lone surrogate as the escape "\ud800", as any client would.
        const body = mapFields(sample, (v, k) => (k === field ? `${v as string}\ud800` : v));
        const raw = JSON.stringify(body);
        const res = await api(o.method, pathOf(o), { token: tokenFor(o), raw, headers: { "content-type": "application/json", ...channelSignature(w, o, raw) } });
        const messages: string[] = Object.entries<string[]>(res.body?.errors ?? {}).filter(([k]) => k === field || k.endsWith(`.${field}`)).flatMap(([, m]) => m);
        if (res.status !== 400 || !messages.length) found.push(`${o.key} ${field} → ${res.status} ${JSON.stringify(res.body?.errors)}`);
        if (messages.some((m) => m.includes("Unicode"))) checked.add(`${o.key} ${field}`);
      }
    }
    expect(found).toEqual([]);
    expect(await snapshot()).toEqual(before);
    // Free text reaches the check itself (enum fields are refused by their enum first).
    for (const key of [
      "POST /api/v1/auth/register name",
      "POST /api/v1/tickets subject",
      "POST /api/v1/tickets description",
      "POST /api/v1/tickets/{id}/comments body",
      "POST /api/v1/tickets/{id}/escalate reason",
      "POST /api/v1/kb/articles title",
      "POST /api/v1/saved-searches query",
      "PUT /api/v1/email-templates/{kind} body",
      "POST /api/v1/channels/{id}/inbound text",
    ]) {
      expect(checked, key).toContain(key);
    }
  }, SWEEP_MS);

  it("a surrogate pair (an escaped emoji) is text like any other and comes back intact", async () => {
    const res = await api("POST", "/api/v1/tickets", { token: w.a.token, raw: '{"subject":"Printer \\ud83d\\udda8 again","description":"\\ud83d\\udd25"}', headers: { "content-type": "application/json" } });
    expect(res.status).toBe(201);
    const read = await api("GET", `/api/v1/tickets/${res.body.id}`, { token: w.a.token });
    expect(read.body.subject).toBe("Printer \u{1F5A8} again");
    expect(read.body.description).toBe("\u{1F525}");
  });

  it("a mail template subject with a line break is refused: it would become a header", async () => {
    const before = await api("GET", "/api/v1/email-templates/reply", { token: w.admin.token });
    for (const subject of ["Re: {{ticket.subject}}\r\nBcc: victim@example.org", "a\nb", "a\rb", "a\u0000b"]) {
      const res = await api("PUT", "/api/v1/email-templates/reply", { token: w.admin.token, body: { subject, body: "x" } });
      expect(res.status, JSON.stringify(subject)).toBe(400);
    }
    expect((await api("GET", "/api/v1/email-templates/reply", { token: w.admin.token })).body).toEqual(before.body);
  });
});

describe("query strings", () => {
  const HOSTILE = [
    "' OR 1=1 --",
    '"; DROP TABLE tickets; --',
    "*",
    'NEAR("a" "b")',
    "subject:x OR facets:staff0",
    "\u0000",
    "%ED%A0%80",
    "%FF%FE",
    "a".repeat(5_000),
    "-1",
    "1e309",
    "NaN",
    "__proto__",
    "open,,,closed,",
    "2026-13-45T99:99:99Z",
  ];

  it("every GET answers 200 or a 400 problem to hostile values in each of its parameters, repeated or bracketed; customers still see only their own", async () => {
    const before = await snapshot();
    const found: string[] = [];
    const canaries = hiddenFromA(w);
    for (const o of ops.filter((o) => o.method === "GET" && o.path.startsWith("/api/v1/") && !o.path.endsWith("/live"))) {
      const params: string[] = (o.op.parameters ?? []).filter((p: { in: string }) => p.in === "query").map((p: { name: string }) => p.name);
      // One route's requests at once: the sweep is a few thousand calls.
      const calls = params.flatMap((name) =>
        HOSTILE.flatMap((value) => {
          const v = value.startsWith("%") ? value : encodeURIComponent(value);
          const callers = isVisitorRoute(o) ? [{ token: w.chat.token, role: "visitor" }] : [w.admin, w.a];
          return [`?${name}=${v}`, `?${name}=${v}&${name}=${v}`, `?${name}[]=${v}`].flatMap((query) => callers.map((user) => ({ query, user })));
        }),
      );
      await Promise.all(
        calls.map(async ({ query, user }) => {
          const res = await api("GET", pathOf(o) + query, { token: user.token });
          const bad = user === w.a ? leaked(res.body, canaries) : [];
          const problem = res.status === 400 ? res.headers.get("content-type") === "application/problem+json" : true;
          // 403/404: the route itself is not this caller's (the role sweep checks those answers).
          if (![200, 400, 403, 404].includes(res.status) || !problem || bad.length) found.push(`${o.key}${query.slice(0, 60)} as ${user.role} → ${res.status} ${bad.join(",")}`);
        }),
      );
    }
    expect(found).toEqual([]);
    // Reads change no stored resource (only counters such as article views and search statistics move).
    const after = await snapshot();
    for (const table of ["tickets", "comments", "ticket_history", "users", "attachments", "saved_searches", "teams", "audit_logs"]) {
      expect(after[table], table).toEqual(before[table]);
    }
  }, SWEEP_MS);

  it("hostile path segments are plain 404s (or 400s), never a 500 and never another ticket", async () => {
    const found: string[] = [];
    for (const seg of ["..%2F..%2Fusers", "%2e%2e", "%00", "'%20OR%20'1'%3D'1", "x".repeat(65), "%ED%A0%80", "TICK-00000000-0000", "tick-" + w.ta.number.slice(5).toLowerCase(), `${w.ta.number}%00`]) {
      for (const o of ops.filter((o) => o.method === "GET" && o.path.startsWith("/api/v1/tickets/{id}") && !o.path.endsWith("/live"))) {
        const res = await api("GET", fill(o.path, { comment_id: w.publicReply.id }).replace("%7Bid%7D", seg).replace("{id}", seg), { token: w.agent.token });
        if (![400, 404].includes(res.status) || res.headers.get("content-type") !== "application/problem+json") found.push(`${o.key} ${seg} → ${res.status}`);
      }
    }
    expect(found).toEqual([]);
  });
});

describe("headers", () => {
  it("hostile If-Match values are a 400 or a 409, never a 500, and a refused edit changes nothing", async () => {
    const before = await api("GET", `/api/v1/tickets/${w.ta.id}`, { token: w.agent.token });
    for (const ifMatch of ['"-1"', '"1e3"', '"\u0663"', '"1", "2"', "W/", '"' + "9".repeat(40) + '"', '""', "null", "0x1"]) {
      for (const path of [`/api/v1/tickets/${w.ta.id}`, `/api/v1/kb/articles/${w.publicArticle.id}`]) {
        const res = await api("PATCH", path, { token: w.agent.token, body: path.includes("/kb/") ? { title: "Hijacked" } : { subject: "Hijacked" }, headers: { "if-match": ifMatch } });
        expect([400, 409], `${path} ${ifMatch} → ${res.status}`).toContain(res.status);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
      }
    }
    expect((await api("GET", `/api/v1/tickets/${w.ta.id}`, { token: w.agent.token })).body).toEqual(before.body);
    expect((await api("GET", `/api/v1/kb/articles/${w.publicArticle.id}`, { token: w.agent.token })).body.title).not.toBe("Hijacked");
  });

  it("an oversized bearer token is a 401; an oversized user agent is cut before it reaches the audit log", async () => {
    expect((await api("GET", "/api/v1/tickets", { token: "a".repeat(16_000) })).status).toBe(401);
    const res = await api("POST", "/api/v1/tickets", { token: w.a.token, body: { subject: "ua", description: "ua" }, headers: { "user-agent": "U".repeat(20_000) } });
    expect(res.status).toBe(201);
    const audit = await api("GET", `/api/v1/audit-logs?entity_id=${res.body.id}`, { token: w.admin.token });
    expect(audit.body.data[0].user_agent.length).toBeLessThanOrEqual(512);
  });
});

describe("file names", () => {
  it("are stored as one plain segment: no path, no control or bidi characters, bounded; downloads carry a one-line header", async () => {
    const before = (await snapshot()).attachments as { n: number };
    let stored = 0;
    const names = ["..", ".", "..\\..\\boot.ini", "C:\\Windows\\System32\\evil.dll", "a\u0000b.txt", "x".repeat(1_000) + ".txt", "report\u202Efdp.exe", "\u2066tab\u2069.txt", "   ", ""];
    // Every one of them is a readable part (the streaming parser takes any header text): the file is kept under a clean name.
    const clean = ["attachment-1.txt", "attachment-1.txt", "boot.ini", "evil.dll", "ab.txt", `${"x".repeat(255)}`, "reportfdp.exe", "tab.txt", "attachment-1.txt", "attachment-1.txt"];
    for (const [i, name] of names.entries()) {
      const res = await upload(w.ta.id, w.a.token, name);
      expect(res.status, JSON.stringify(name)).toBe(201);
      const file = res.body.data[0];
      expect(file.filename, JSON.stringify(name)).toBe(clean[i]);
      expect(file.filename, JSON.stringify(name)).not.toMatch(/[/\\\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
      expect(file.filename.length).toBeLessThanOrEqual(255);
      expect(file.filename.trim()).not.toMatch(/^\.{0,2}$/);
      expect((await attachmentRow(file.id))!.filename).toBe(file.filename);
      const { exports } = await import("cloudflare:workers");
      const { BASE } = await import("../helpers");
      const download = await exports.default.fetch(new Request(`${BASE}/api/v1/attachments/${file.id}`, { headers: { authorization: `Bearer ${w.a.token}` } }));
      expect(download.status).toBe(200);
      expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%._~!$&+,;=:@-]*$/);
      await download.arrayBuffer();
      stored++;
    }
    expect(((await snapshot()).attachments as { n: number }).n).toBe(before.n + stored);
    expect(stored).toBe(names.length);
  });
});
