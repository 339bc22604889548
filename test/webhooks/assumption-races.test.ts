import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assumed, DOUBT_MS } from "../../src/db/batch-assumptions";
import { newId } from "../../src/lib/ids";
import { makeStaff } from "../helpers";
import { timePasses } from "../helpers/clock";
import { call, drain, hookEnv, receiverEndpoint, type ReceivedDelivery } from "./support";

/**
 * The webhook outbox's batch assumption (db/batch-assumptions.ts, webhooks.outbox.ts): a ticket
 * write that assumes no webhook receives its event sends one read that fails the batch if one does.
 * Here the cases around it: webhooks that subscribe but may not receive the event, one that subscribes
 * in the middle of a bulk change, one that subscribes just as the isolate stopped doubting.
 */

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
// Each test's webhooks stop receiving after it: the next test starts from a tenant without any.
afterEach(async () => {
  await env.DB.prepare("UPDATE webhooks SET active = 0").run();
});

type TestEnv = ReturnType<typeof hookEnv>["env"];

/** A webhook of the admin's to a receiver endpoint of its own. */
async function subscribe(t: TestEnv, events: string[], extra: Record<string, unknown> = {}) {
  const endpoint = receiverEndpoint();
  const res = await call(t, "POST", "/api/v1/webhooks", { token: s.admin.token, body: { url: endpoint.url, events, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, endpoint };
}

async function openTicket(t: TestEnv, subject: string) {
  const res = await call(t, "POST", "/api/v1/tickets", { token: s.customer.token, body: { subject, description: "d", priority: "low" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string; version: number };
}

async function comment(t: TestEnv, ticketId: string, body: string, internal: boolean) {
  const res = await call(t, "POST", `/api/v1/tickets/${ticketId}/comments`, { token: s.agent.token, body: { body, internal } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

/** The deliveries made for a webhook: the ticket and type of each. */
async function deliveriesTo(webhookId: string) {
  const rows = await env.DB.prepare("SELECT d.id, e.ticket_id, d.type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE d.webhook_id = ? ORDER BY d.created_at, d.id")
    .bind(webhookId)
    .all<{ id: string; ticket_id: string; type: string }>();
  return rows.results;
}

/** The webhook event rows of a ticket (written only when some webhook receives the event). */
const eventsOf = async (ticketId: string) => (await env.DB.prepare("SELECT type FROM webhook_events WHERE ticket_id = ?").bind(ticketId).all<{ type: string }>()).results.map((r) => r.type);

const bodiesOf = (got: ReceivedDelivery[]) => got.map((r) => JSON.parse(r.body) as { type: string; data: { ticket: { id: string }; comment?: { body: string } } });

/** A new minute for this isolate: it has forgotten every failed assumption, and takes them all again. */
function isolateAssumesAgain() {
  timePasses(DOUBT_MS);
  expect(assumed("webhooks")).toBe(true);
}

describe("webhooks that subscribe but do not receive", () => {
  it("an inactive or deleted webhook subscribed to ticket.created: the create writes no event, queues nothing, and the isolate still assumes no subscriber", async () => {
    const h = hookEnv();
    const off = await subscribe(h.env, ["ticket.created"], { active: false });
    const gone = await subscribe(h.env, ["ticket.created"]);
    expect((await call(h.env, "DELETE", `/api/v1/webhooks/${gone.id}`, { token: s.admin.token })).status).toBe(204);
    isolateAssumesAgain();

    const quiet = await openTicket(h.env, "inactive subscriber");
    expect(await eventsOf(quiet.id)).toEqual([]);
    expect(await deliveriesTo(off.id)).toEqual([]);
    expect(await deliveriesTo(gone.id)).toEqual([]);
    expect(h.enqueued).toEqual([]);
    // Its one read found nobody: no failed batch, no minute of the outbox's inserts.
    expect(assumed("webhooks")).toBe(true);

    // The same webhook switched on: the next create finds it (the read does look) and delivers once.
    expect((await call(h.env, "PATCH", `/api/v1/webhooks/${off.id}`, { token: s.admin.token, body: { active: true } })).status).toBe(200);
    const heard = await openTicket(h.env, "active subscriber");
    const made = await deliveriesTo(off.id);
    expect(made.map((d) => [d.ticket_id, d.type])).toEqual([[heard.id, "ticket.created"]]);
    expect(h.enqueued).toEqual([made[0]!.id]);
    expect(assumed("webhooks")).toBe(false);
    await drain(h.enqueued, h.env);
    expect(bodiesOf(await off.endpoint.received()).map((b) => [b.type, b.data.ticket.id])).toEqual([["ticket.created", heard.id]]);
    expect(await gone.endpoint.received()).toEqual([]);
  });

  it("internal events (a note, logged time) to a subscriber without include_internal: nothing stored, queued or sent, the assumption stands; one with include_internal gets the note once", async () => {
    const h = hookEnv();
    const ticket = await openTicket(h.env, "internal events");
    const publicOnly = await subscribe(h.env, ["comment.created", "time_entry.created"]);
    isolateAssumesAgain();

    const canary = `qzx-${newId()}`;
    await comment(h.env, ticket.id, `internal ${canary}`, true);
    // Logged time is staff-only too (an internal event).
    const logged = await call(h.env, "POST", `/api/v1/tickets/${ticket.id}/time-entries`, { token: s.agent.token, body: { minutes: 20, note: `called ${canary}` } });
    expect(logged.status, JSON.stringify(logged.body)).toBe(201);
    expect(await eventsOf(ticket.id)).toEqual([]);
    expect(await deliveriesTo(publicOnly.id)).toEqual([]);
    expect(h.enqueued).toEqual([]);
    // The webhook could not have received it, so the check did not fail the batch either.
    expect(assumed("webhooks")).toBe(true);

    // A public reply is its to receive: once.
    await comment(h.env, ticket.id, "We are on it", false);
    expect((await deliveriesTo(publicOnly.id)).map((d) => d.type)).toEqual(["comment.created"]);
    expect(assumed("webhooks")).toBe(false);

    // A webhook with include_internal, in an isolate assuming again: the next note fails the check
    // (it would receive it), and is delivered to it once, still never to the other.
    const staffHook = await subscribe(h.env, ["comment.created"], { include_internal: true });
    isolateAssumesAgain();
    const canary2 = `qzx-${newId()}`;
    await comment(h.env, ticket.id, `internal ${canary2}`, true);
    expect(assumed("webhooks")).toBe(false);
    expect((await deliveriesTo(staffHook.id)).map((d) => [d.ticket_id, d.type])).toEqual([[ticket.id, "comment.created"]]);
    expect(await deliveriesTo(publicOnly.id)).toHaveLength(1);

    await drain(h.enqueued, h.env);
    const toPublic = (await publicOnly.endpoint.received()).map((r) => r.body);
    expect(toPublic).toHaveLength(1);
    expect(toPublic.join()).toContain("We are on it");
    expect(toPublic.join()).not.toContain("qzx-");
    const toStaff = bodiesOf(await staffHook.endpoint.received());
    expect(toStaff.map((b) => b.data.comment?.body)).toEqual([`internal ${canary2}`]);
  });

  // A PATCH goes through the ticket's room (a Durable Object of this isolate, with the deployment's
  // own bindings): its deliveries go to the real queue, so here they are looked for in D1 only.
  it("a change of a field customers may not see, alone, to a subscriber without include_internal: nothing stored, the assumption stands; a visible change is stored for it once, without the hidden value", async () => {
    const h = hookEnv();
    const key = `tier_${newId().toLowerCase()}`;
    const field = await call(h.env, "POST", "/api/v1/ticket-fields", { token: s.admin.token, body: { key, label: "Tier", type: "text" } });
    expect(field.status, JSON.stringify(field.body)).toBe(201);
    const ticket = await openTicket(h.env, "hidden field");
    const publicOnly = await subscribe(h.env, ["ticket.updated"]);
    isolateAssumesAgain();

    const canary = `qzx-${newId()}`;
    const hidden = await call(h.env, "PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.agent.token, body: { custom_fields: { [key]: canary } } });
    expect(hidden.status, JSON.stringify(hidden.body)).toBe(200);
    expect(hidden.body.version).toBe(ticket.version + 1);
    expect(await eventsOf(ticket.id)).toEqual([]);
    expect(assumed("webhooks")).toBe(true);

    const shown = await call(h.env, "PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.agent.token, body: { priority: "high" } });
    expect(shown.status, JSON.stringify(shown.body)).toBe(200);
    expect(assumed("webhooks")).toBe(false);
    expect((await deliveriesTo(publicOnly.id)).map((d) => [d.ticket_id, d.type])).toEqual([[ticket.id, "ticket.updated"]]);
    const payload = await env.DB.prepare("SELECT payload FROM webhook_events WHERE ticket_id = ?").bind(ticket.id).first<string>("payload");
    expect(payload).toContain('"priority"');
    expect(payload).not.toContain(canary);
  });
});

/**
 * `DB` that runs `then` after each batch (its sessions' too: the app's requests use one): another
 * request landing between two writes of the same request.
 */
function afterEachBatch<T extends D1Database | D1DatabaseSession>(db: T, then: () => Promise<void>): T {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements);
          await then();
          return results;
        };
      }
      if (prop === "withSession") return (constraint?: string) => afterEachBatch((target as D1Database).withSession(constraint), then);
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("a webhook subscribing while tickets change", () => {
  it("in the middle of a bulk change: every ticket changed after it subscribed is delivered exactly once, the one before it none", async () => {
    const h = hookEnv();
    const tickets = [];
    for (let i = 0; i < 4; i++) tickets.push(await openTicket(h.env, `bulk ${i}`));
    isolateAssumesAgain();

    // The admin's request lands right after the first ticket's change committed.
    let hook: Awaited<ReturnType<typeof subscribe>> | undefined;
    const first = tickets[0]!;
    const db = afterEachBatch(env.DB, async () => {
      if (hook) return;
      const version = Number(await env.DB.prepare("SELECT version FROM tickets WHERE id = ?").bind(first.id).first("version"));
      if (version > first.version) hook = await subscribe(h.env, ["ticket.updated"]);
    });
    const bulk = await call({ ...h.env, DB: db }, "POST", "/api/v1/tickets/bulk", { token: s.agent.token, body: { ids: tickets.map((t) => t.id), changes: { priority: "high" } } });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(200);
    expect(bulk.body.results.map((r: { status: number }) => r.status)).toEqual([200, 200, 200, 200]);
    expect(hook).toBeDefined();

    const made = await deliveriesTo(hook!.id);
    expect(made.map((d) => d.ticket_id).sort()).toEqual(tickets.slice(1).map((t) => t.id).sort());
    expect(made.every((d) => d.type === "ticket.updated")).toBe(true);
    expect([...h.enqueued].sort()).toEqual(made.map((d) => d.id).sort());
    // Each ticket changed once: one version, one history entry of the change.
    for (const t of tickets) {
      const row = await env.DB.prepare("SELECT version, priority FROM tickets WHERE id = ?").bind(t.id).first<{ version: number; priority: string }>();
      expect(row).toEqual({ version: t.version + 1, priority: "high" });
      expect(await env.DB.prepare("SELECT count(*) AS n FROM ticket_history WHERE ticket_id = ? AND version = ?").bind(t.id, t.version + 1).first("n")).toBe(1);
    }

    await drain(h.enqueued, h.env);
    const got = bodiesOf(await hook!.endpoint.received());
    expect(got.map((b) => b.data.ticket.id).sort()).toEqual(tickets.slice(1).map((t) => t.id).sort());
  });

  it("just after the isolate stopped doubting: the next write fails its assumption, is planned again and delivers (none lost)", async () => {
    const h = hookEnv();
    const earlier = await subscribe(h.env, ["ticket.created"]);
    isolateAssumesAgain();
    const seen = await openTicket(h.env, "seen by the first webhook");
    expect((await deliveriesTo(earlier.id)).map((d) => d.ticket_id)).toEqual([seen.id]);
    // The isolate doubts now; the webhook goes, and the doubt runs out.
    expect(assumed("webhooks")).toBe(false);
    expect((await call(h.env, "PATCH", `/api/v1/webhooks/${earlier.id}`, { token: s.admin.token, body: { active: false } })).status).toBe(200);
    timePasses(DOUBT_MS);
    expect(assumed("webhooks")).toBe(true);

    // A webhook subscribes before the isolate's next write.
    const later = await subscribe(h.env, ["ticket.created"]);
    const next = await openTicket(h.env, "the write after the doubt ran out");
    expect(assumed("webhooks")).toBe(false);
    const made = await deliveriesTo(later.id);
    expect(made.map((d) => [d.ticket_id, d.type])).toEqual([[next.id, "ticket.created"]]);
    expect(await eventsOf(next.id)).toEqual(["ticket.created"]);
    expect(await deliveriesTo(earlier.id)).toHaveLength(1);
    expect(h.enqueued).toContain(made[0]!.id);
    expect(Number(await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE subject = ?").bind("the write after the doubt ran out").first("n"))).toBe(1);

    await drain(h.enqueued, h.env);
    expect(bodiesOf(await later.endpoint.received()).map((b) => b.data.ticket.id)).toEqual([next.id]);
  });
});
