import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { expect } from "vitest";
import { attachments } from "../../src/db/schema";
import { attachmentKey, storeBytes } from "../../src/features/attachments/attachments.service";
import { api, BASE, db, makeStaff, makeUser, type ApiResponse, type TestUser } from "../helpers";

/**
 * A small helpdesk with something to hide everywhere: customer A's ticket carries an internal
 * note, a file on that note and an internal escalation; customer B's ticket, comment, file and
 * saved search are B's alone; a deleted ticket; draft and internal articles. Each secret holds a
 * canary word, so a test can look for it in any response, socket message or mail without knowing
 * where a leak would put it.
 */

const LETTERS = "bcdfghjklmnpqrstvwxz";
/** A word no other document holds, letters only so the search tokenizer keeps it whole. */
export function canaryWord(prefix: string): string {
  let out = prefix;
  for (const b of crypto.getRandomValues(new Uint8Array(10))) out += LETTERS[b % LETTERS.length];
  return out;
}

export type World = Awaited<ReturnType<typeof buildWorld>>;

async function ok<T = any>(res: Promise<ApiResponse<T>>, status = 201): Promise<T> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

export async function upload(ticketId: string, token: string, name: string, bytes = new TextEncoder().encode("file bytes")) {
  const form = new FormData();
  form.append("file", new File([bytes], name, { type: "text/plain" }));
  const res = await exports.default.fetch(
    new Request(`${BASE}/api/v1/tickets/${ticketId}/attachments`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form }),
  );
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

export async function buildWorld() {
  const s = await makeStaff();
  const { customer: a, customer2: b, agent, manager, admin } = s;
  const secret = {
    /** Customer B's ticket text. */
    bTicket: canaryWord("qb"),
    /** Customer B's own comment. */
    bComment: canaryWord("qm"),
    /** Customer B's file name. */
    bFile: canaryWord("qf"),
    /** Customer B's saved search. */
    bSaved: canaryWord("qs"),
    /** Internal notes (on A's and on B's ticket). */
    note: canaryWord("qn"),
    /** The name of a file on A's internal note. */
    noteFile: canaryWord("qx"),
    /** A manager's escalation reason on A's ticket (internal history). */
    escalation: canaryWord("qe"),
    /** A deleted ticket of A's. */
    deleted: canaryWord("qd"),
    /** Articles only staff read. */
    internalArticle: canaryWord("qi"),
    draftArticle: canaryWord("qr"),
    /** A note on time a manager logged on A's ticket (time entries are staff-only). */
    timeNote: canaryWord("qt"),
    /** A custom field customers may not see: its key and its value on A's ticket. */
    hiddenFieldKey: canaryWord("qk"),
    hiddenFieldValue: canaryWord("qv"),
  };

  const team = await ok(api("POST", "/api/v1/teams", { token: manager.token, body: { name: canaryWord("team"), members: [agent.id] } }));

  // A's ticket, with what A may see (a public reply, A's own file) and what A may not.
  const ta = await ok(api("POST", "/api/v1/tickets", { token: a.token, body: { subject: "Printer on fire", description: "It smokes" } }));
  const publicReply = await ok(api("POST", `/api/v1/tickets/${ta.id}/comments`, { token: agent.token, body: { body: "We are on it" } }));
  const note = await ok(api("POST", `/api/v1/tickets/${ta.id}/comments`, { token: agent.token, body: { body: `Internal: ${secret.note} refund approved`, internal: true } }));
  const aFile = (await upload(ta.id, a.token, "photo.txt")).body.data[0];
  const bytes = new TextEncoder().encode(`internal file ${secret.noteFile}`);
  const sha256 = await storeBytes(env.ATTACHMENTS, bytes, "text/plain");
  const noteFileId = `nf-${note.id}`;
  await db()
    .insert(attachments)
    .values({ id: noteFileId, ticketId: ta.id, commentId: note.id, filename: `${secret.noteFile}.txt`, contentType: "text/plain", size: bytes.byteLength, sha256, uploadedById: agent.id, createdAt: new Date().toISOString() });
  await ok(api("POST", `/api/v1/tickets/${ta.id}/escalate`, { token: manager.token, body: { reason: `Escalated: ${secret.escalation}` } }), 200);
  await ok(api("PATCH", `/api/v1/tickets/${ta.id}`, { token: manager.token, body: { team_id: team.id } }), 200);
  const managerTime = await ok(api("POST", `/api/v1/tickets/${ta.id}/time-entries`, { token: manager.token, body: { minutes: 30, note: `Time ${secret.timeNote}` } }), 201);
  const hiddenField = await ok(api("POST", "/api/v1/ticket-fields", { token: admin.token, body: { key: secret.hiddenFieldKey, label: "Internal ref", type: "text" } }));
  const visibleField = await ok(
    api("POST", "/api/v1/ticket-fields", { token: admin.token, body: { key: canaryWord("cf"), label: "Order", type: "text", customer_visible: true, customer_editable: true } }),
  );
  const ticketStatus = await ok(api("POST", "/api/v1/ticket-statuses", { token: admin.token, body: { key: canaryWord("st"), label: "Waiting on vendor", category: "pending" } }));
  await ok(
    api("PATCH", `/api/v1/tickets/${ta.id}`, { token: agent.token, body: { custom_fields: { [hiddenField.key]: secret.hiddenFieldValue, [visibleField.key]: "A-1" } } }),
    200,
  );

  // B's ticket and everything on it.
  const tb = await ok(api("POST", "/api/v1/tickets", { token: b.token, body: { subject: `B ${secret.bTicket}`, description: `B's words ${secret.bTicket}` } }));
  const bComment = await ok(api("POST", `/api/v1/tickets/${tb.id}/comments`, { token: b.token, body: { body: `B writes ${secret.bComment}` } }));
  const bNote = await ok(api("POST", `/api/v1/tickets/${tb.id}/comments`, { token: agent.token, body: { body: `B note ${secret.note}`, internal: true } }));
  const bFile = (await upload(tb.id, b.token, `${secret.bFile}.txt`)).body.data[0];
  const bSaved = await ok(api("POST", "/api/v1/saved-searches", { token: b.token, body: { name: secret.bSaved, query: secret.bTicket } }));

  // A deleted ticket of A's, with a comment and a file.
  const td = await ok(api("POST", "/api/v1/tickets", { token: a.token, body: { subject: `Gone ${secret.deleted}`, description: secret.deleted } }));
  const tdComment = await ok(api("POST", `/api/v1/tickets/${td.id}/comments`, { token: agent.token, body: { body: `reply ${secret.deleted}` } }));
  const tdFile = (await upload(td.id, a.token, `${secret.deleted}.txt`)).body.data[0];
  expect((await api("DELETE", `/api/v1/tickets/${td.id}`, { token: admin.token })).status).toBe(204);

  const article = (body: Record<string, unknown>) => ok(api("POST", "/api/v1/kb/articles", { token: agent.token, body: { status: "published", visibility: "public", ...body } }));
  const publicArticle = await article({ title: "Resetting a printer", body: "Turn it off and on" });
  const internalArticle = await article({ title: `Internal ${secret.internalArticle}`, body: secret.internalArticle, visibility: "internal" });
  const draftArticle = await article({ title: `Draft ${secret.draftArticle}`, body: secret.draftArticle, status: "draft" });
  const category = await ok(api("POST", "/api/v1/kb/categories", { token: agent.token, body: { name: canaryWord("cat") } }));

  // Automation: a trigger and a shared macro to name in slots (customers may reach neither).
  const rule = await ok(
    api("POST", "/api/v1/rules", {
      token: admin.token,
      body: { name: canaryWord("rule"), kind: "trigger", conditions: { all: [{ field: "subject", operator: "contains", value: canaryWord("never") }] }, actions: [{ type: "add_tags", value: ["swept"] }] },
    }),
  );
  const sharedMacro = await ok(api("POST", "/api/v1/macros", { token: manager.token, body: { name: canaryWord("macro"), scope: "shared", actions: [{ type: "add_tags", value: ["swept"] }] } }));
  // A website visitor's chat (features/chat): its routes take the visitor token, not an access token.
  const opened = await api("POST", "/api/v1/chat/sessions", { body: { name: "Vera Visitor", message: "Is anyone there?" }, headers: { "cf-connecting-ip": "198.51.100.77" } });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  const chat = { ticket: opened.body.ticket as { id: string; number: string }, token: opened.body.visitor_token as string };
  // An integration, switched off so that nothing is sent while the sweeps run.
  const webhook = await ok(api("POST", "/api/v1/webhooks", { token: admin.token, body: { url: "https://hooks.example.com/world", events: ["ticket.created"], active: false } }));
  const channel = await ok(api("POST", "/api/v1/channels", { token: admin.token, body: { kind: "phone", name: canaryWord("line") } }));

  const deactivated = await makeUser("admin");
  expect((await api("DELETE", `/api/v1/users/${deactivated.id}`, { token: admin.token })).status).toBe(204);

  return {
    ...s,
    a,
    b,
    secret,
    team,
    deactivated,
    ta,
    managerTime,
    publicReply,
    note,
    aFile,
    noteFileId,
    tb,
    bComment,
    bNote,
    bFile,
    bSaved,
    td,
    tdComment,
    tdFile,
    publicArticle,
    internalArticle,
    draftArticle,
    category,
    rule,
    sharedMacro,
    chat,
    webhook,
    channel,
    hiddenField,
    visibleField,
    ticketStatus,
  };
}

/** Routes that never look at a bearer token (a token in the body or a channel's signature is their credential, or they are open to anyone). */
export const NO_BEARER = new Set([
  "POST /api/v1/auth/register",
  "POST /api/v1/auth/login",
  "POST /api/v1/auth/refresh",
  "POST /api/v1/auth/logout",
  "POST /api/v1/auth/verify-email",
  "POST /api/v1/auth/password-reset",
  "POST /api/v1/auth/password-reset/confirm",
  "POST /api/v1/chat/sessions",
  "POST /api/v1/channels/{id}/inbound",
]);

/** A chat's own routes: they take its visitor token (OpenAPI security `visitorToken`), never an access token. */
export const isVisitorRoute = (o: { op: any }) => (o.op.security ?? []).some((s: Record<string, unknown>) => "visitorToken" in s);

/** The canaries customer A must never meet: B's data and everything internal or deleted. */
export function hiddenFromA(w: World): string[] {
  return [...Object.values(w.secret), w.b.email];
}

/** Which canaries a response (or any text) holds. */
export function leaked(text: unknown, canaries: string[]): string[] {
  const s = typeof text === "string" ? text : JSON.stringify(text);
  return canaries.filter((c) => s.includes(c));
}

// ---------------------------------------------------------------- the route table

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. `/api/v1/tickets/{id}`. */
  path: string;
  key: string;
  op: any;
}

/** Every operation of the served OpenAPI document (the document is generated from the routes). */
export async function operations(): Promise<{ ops: Operation[]; doc: any }> {
  const doc = (await api("GET", "/openapi.json")).body;
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      ops.push({ method: method.toUpperCase(), path, key: `${method.toUpperCase()} ${path}`, op });
    }
  }
  return { ops, doc };
}

/** A path with its `{slots}` filled: by name when `bySlot` names it, else with `fallback`. */
export function fill(path: string, bySlot: Record<string, string>, fallback?: string): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(bySlot[name] ?? fallback ?? name));
}

/** A request body each write accepts as to its shape, so what refuses it is the rule under test. */
export function sampleBodies(w: World): Record<string, unknown> {
  const unique = canaryWord("n");
  return {
    "POST /api/v1/auth/register": { name: "New", email: `${unique}@example.test`, password: "password-123" },
    "POST /api/v1/auth/login": { email: w.a.email, password: "password-123" },
    "POST /api/v1/auth/refresh": { refresh_token: "x".repeat(43) },
    "POST /api/v1/auth/logout": { refresh_token: "x".repeat(43) },
    "POST /api/v1/auth/verify-email": { token: `${w.a.id}.zzzzzz.${"A".repeat(22)}` },
    "POST /api/v1/auth/password-reset": { email: `${unique}@example.test` },
    "POST /api/v1/auth/password-reset/confirm": { token: `${w.a.id}.zzzzzz.${"A".repeat(22)}`, password: "password-123" },
    "POST /api/v1/users": { name: "Mallory", email: `${unique}@example.test`, password: "password-123", role: "admin" },
    "PATCH /api/v1/users/{id}": { role: "admin" },
    "POST /api/v1/tickets": { subject: "s", description: "d" },
    "PATCH /api/v1/tickets/{id}": { status: "cancelled" },
    "POST /api/v1/tickets/{id}/assign": { assignee_id: w.agent.id },
    "POST /api/v1/tickets/{id}/escalate": { reason: "because" },
    "POST /api/v1/tickets/{id}/comments": { body: "hello" },
    "POST /api/v1/tickets/{id}/merge": { into: w.tb.id, confirm_requesters: true },
    "POST /api/v1/tickets/{id}/split": { comment_ids: [w.publicReply.id] },
    "POST /api/v1/tickets/{id}/comments/{comment_id}/redact": { text: "hello" },
    "POST /api/v1/kb/articles": { title: "t", body: "b" },
    "PATCH /api/v1/kb/articles/{id}": { title: "Renamed" },
    "POST /api/v1/kb/articles/{id}/feedback": { helpful: false },
    "POST /api/v1/kb/categories": { name: unique },
    "PATCH /api/v1/kb/categories/{id}": { name: `${unique}2` },
    "POST /api/v1/saved-searches": { name: unique, query: "printer" },
    "PATCH /api/v1/saved-searches/{id}": { name: `${unique}2` },
    "PUT /api/v1/email-templates/{kind}": { subject: "s", body: "b" },
    "PUT /api/v1/sla-policies/{name}": {
      priority: "high",
      first_response_minutes: 1,
      next_response_minutes: 1,
      resolution_minutes: 1,
      escalation_minutes: 1,
      business_hours: false,
    },
    "PUT /api/v1/business-hours": { time_zone: "UTC", intervals: [{ day: 1, start: "09:00", end: "17:00" }], holidays: [] },
    "POST /api/v1/teams": { name: unique },
    "PATCH /api/v1/teams/{id}": { name: `${unique}2` },
    "PUT /api/v1/users/{id}/skills": [{ skill: "printers", proficiency: 5 }],
    "PUT /api/v1/users/{id}/availability": { availability: "offline" },
    "PUT /api/v1/users/{id}/capacity": { max_open_tickets: 0 },
    "POST /api/v1/tickets/{id}/satisfaction": { score: 5 },
    "POST /api/v1/exports": { kind: "tickets", format: "csv" },
    "POST /api/v1/tickets/{id}/time-entries": { minutes: 5 },
    "PATCH /api/v1/time-entries/{id}": { minutes: 5 },
    "POST /api/v1/rules": { name: unique, kind: "trigger", conditions: { all: [{ field: "status", operator: "is", value: "open" }] }, actions: [{ type: "add_tags", value: ["x"] }] },
    "PATCH /api/v1/rules/{id}": { name: `${unique}2`, active: false },
    "POST /api/v1/rules/{id}/test": { ticket_id: w.ta.id },
    "POST /api/v1/macros": { name: unique, actions: [{ type: "add_tags", value: ["x"] }] },
    "PATCH /api/v1/macros/{id}": { name: `${unique}2` },
    "POST /api/v1/tickets/bulk": { ids: [w.ta.id], changes: { priority: "low" } },
    "POST /api/v1/notifications/read": { all: true },
    "PUT /api/v1/me/notification-preferences": { assigned: { in_app: true, email: false } },
    "POST /api/v1/chat/sessions": { name: "Visitor", email: `${unique}@example.test`, message: "hello" },
    "PATCH /api/v1/chat/sessions/{ticket_id}": { name: "Renamed", email: `${unique}@example.test` },
    "POST /api/v1/chat/sessions/{ticket_id}/messages": { body: "hello" },
    "POST /api/v1/webhooks": { url: "https://hooks.example.com/sweep", events: ["ticket.created"], active: false },
    "PATCH /api/v1/webhooks/{id}": { description: unique },
    "POST /api/v1/channels": { kind: "api", name: unique },
    "PATCH /api/v1/channels/{id}": { name: unique },
    "POST /api/v1/channels/{id}/inbound": { external_id: unique, thread_id: unique, from: { external_id: unique, name: "n" }, text: "hello" },
    "POST /api/v1/ticket-fields": { key: unique, label: "Field", type: "text" },
    "PATCH /api/v1/ticket-fields/{id}": { label: "Renamed" },
    "POST /api/v1/ticket-statuses": { key: unique, label: "Status", category: "pending" },
    "PATCH /api/v1/ticket-statuses/{id}": { label: "Renamed" },
  };
}

/**
 * The Standard Webhooks headers the world's channel signs a raw body with, for its inbound route
 * (whose credential is that signature): hostile bodies then meet the body checks, not the signature check.
 */
export function channelSignature(w: World, o: { key: string }, raw: string): Record<string, string> {
  if (o.key !== "POST /api/v1/channels/{id}/inbound") return {};
  const id = `msg_${canaryWord("s")}`;
  const at = new Date();
  return { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(w.channel.secret).sign(id, at, raw) };
}

/** Sends one operation: a JSON sample body for writes that take one, a WebSocket upgrade for live routes. */
export function send(o: Operation, path: string, token: string | undefined, body: unknown, extra: { query?: string } = {}) {
  const headers: Record<string, string> = {};
  if (/\/live$/.test(o.path)) headers.upgrade = "websocket";
  const hasJson = Boolean(o.op.requestBody?.content?.["application/json"]);
  return api(o.method, path + (extra.query ?? ""), { token, headers, ...(hasJson ? { body } : {}) });
}

// ---------------------------------------------------------------- "changes nothing"

/**
 * A fingerprint of the whole database: every table's row count and, where a table has them, the
 * latest updated_at and the sum of versions. A write that slipped through moves at least one.
 */
export async function snapshot(): Promise<Record<string, unknown>> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' ORDER BY name",
  ).all<{ name: string }>();
  const out: Record<string, unknown> = {};
  for (const { name } of tables.results) {
    const cols = (await env.DB.prepare(`SELECT name FROM pragma_table_info('${name}')`).all<{ name: string }>()).results.map((c) => c.name);
    const parts = ["count(*) AS n"];
    if (cols.includes("updated_at")) parts.push("max(updated_at) AS u");
    if (cols.includes("version")) parts.push("sum(version) AS v");
    if (cols.includes("revoked_at")) parts.push("count(revoked_at) AS r");
    out[name] = await env.DB.prepare(`SELECT ${parts.join(", ")} FROM "${name}"`).first();
  }
  return out;
}

/** The rows of one attachment, straight from D1 (for checks the API cannot make). */
export async function attachmentRow(id: string) {
  const [row] = await db().select().from(attachments).where(eq(attachments.id, id));
  return row;
}

export { attachmentKey, type TestUser };

/** A sweep makes hundreds to thousands of calls; on a shared 2-core machine that can take minutes. */
// 300 s: the query sweep took 184 s at a load average of 15 (2 cores) with the automation routes, before the webhook and field routes joined.
export const SWEEP_MS = 300_000;
