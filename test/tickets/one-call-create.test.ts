import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { inboundMessages, tickets, users } from "../../src/db/schema";
import { PENDING_PREFIX } from "../../src/db/ticket-numbering";
import { ticketDay } from "../../src/domain/ticket-number";
import { api, db, makeUser, meteredApi, meteredStatements, type TestUser } from "../helpers";
import { deliver, mailEnv, rawMail, uniqueId } from "../email/mail-helpers";

/**
 * A ticket create is one D1 call (issue 15): the day's number is taken inside the write's batch
 * (db/ticket-numbering.ts), the priority's SLA policies and the caller's profile are the isolate's
 * copies, checked in that batch (db/batch-assumptions.ts). Numbers stay unique and consecutive, a
 * failed batch takes none, and the number the batch took is the one everything shows.
 */

const calls = (res: { headers: Headers }) => new Set(meteredStatements(res).map((s) => s.call)).size;
const seqOf = (number: string) => Number(/^TICK-\d{8}-(\d{4,})$/.exec(number)![1]);
const create = (u: TestUser, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  meteredApi("POST", "/api/v1/tickets", { token: u.token, body: { subject: "One call", description: "d", ...body }, headers });
const counter = async () => (await env.DB.prepare("select seq from ticket_counters where day = ?").bind(ticketDay(new Date())).first<{ seq: number }>())?.seq ?? 0;

/** Every stored text of every table that holds the placeholder (there must be none). */
async function placeholderRows(): Promise<string[]> {
  const { results } = await env.DB.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%'").all<{ name: string }>();
  const found: string[] = [];
  for (const { name } of results) {
    const rows = await env.DB.prepare(`select * from "${name}"`).all();
    for (const row of rows.results) if (JSON.stringify(row).includes(PENDING_PREFIX)) found.push(`${name}: ${JSON.stringify(row).slice(0, 200)}`);
  }
  return found;
}

let customer: TestUser;
let admin: TestUser;
beforeAll(async () => {
  [customer, admin] = await Promise.all([makeUser("customer"), makeUser("admin")]);
});

describe("a ticket create", () => {
  it("the day's first ticket gets 1", async () => {
    expect(await counter()).toBe(0);
    const res = await create(customer);
    expect(res.status).toBe(201);
    expect(seqOf(res.body.number)).toBe(1);
    expect(res.body.number).toBe(`TICK-${ticketDay(new Date())}-0001`);
  });

  it("is one D1 call once the isolate knows the caller and the priority's policies: its batch takes the number, checks both, and writes", async () => {
    await create(customer);
    const res = await create(customer);
    expect(res.status).toBe(201);
    expect(calls(res)).toBe(1);
    const sql = meteredStatements(res).map((s) => s.sql);
    expect(sql[0]).toMatch(/^insert into "caller_guard"/);
    expect(sql.some((s) => s.includes("batch assumption failed: caller"))).toBe(true);
    expect(sql.some((s) => s.includes("batch assumption failed: policies"))).toBe(true);
    expect(sql.some((s) => s.startsWith('insert into "ticket_counters"'))).toBe(true);
    // The number as SQL where it is written, never as a bound placeholder that stays.
    expect(sql.find((s) => s.startsWith('insert into "tickets"'))).toContain("replace(?, ");
    expect(seqOf(res.body.number)).toBe((await counter()));
  });

  it("stores and answers the number it took: the row, its audit and history, the idempotency record, and a replay", async () => {
    const res = await create(customer, { tags: ["x"] }, { "idempotency-key": "one-call-1" });
    expect(res.status).toBe(201);
    const number: string = res.body.number;
    expect(number).toMatch(/^TICK-\d{8}-\d{4}$/);
    const [row] = await db().select().from(tickets).where(eq(tickets.id, res.body.id));
    expect(row!.number).toBe(number);
    const audit = await env.DB.prepare("select changes from audit_logs where entity_id = ? and action = 'ticket.created'").bind(res.body.id).first<{ changes: string }>();
    expect(JSON.parse(audit!.changes).number).toEqual([null, number]);
    const key = await env.DB.prepare("select * from idempotency_keys where key = ?").bind("one-call-1").first();
    expect(JSON.stringify(key)).toContain(number);
    const replay = await create(customer, { tags: ["x"] }, { "idempotency-key": "one-call-1" });
    expect(replay.status).toBe(201);
    expect(replay.body.number).toBe(number);
    expect(replay.body.id).toBe(res.body.id);
    const read = await api("GET", `/api/v1/tickets/${number}`, { token: customer.token });
    expect(read.body.id).toBe(res.body.id);
    expect(await placeholderRows()).toEqual([]);
  });

  it("by mail: the acknowledgement's outbox row names the number the ticket got", async () => {
    const { env: testEnv, enqueued } = mailEnv();
    const from = `one-call-${uniqueId("a").slice(2, 12)}@customer.example.net`;
    const messageId = uniqueId("first");
    await deliver(rawMail({ from, messageId, subject: "Printer on fire" }), { from }, testEnv);
    const [inbound] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, messageId));
    const [row] = await db().select().from(tickets).where(eq(tickets.id, inbound!.ticketId!));
    expect(row!.number).toMatch(/^TICK-\d{8}-\d{4}$/);
    expect(enqueued).toEqual([{ id: `ack-${row!.id}` }]);
    const ack = await env.DB.prepare("select data from outbound_messages where id = ?").bind(`ack-${row!.id}`).first<{ data: string }>();
    expect(JSON.parse(ack!.data).ticket.number).toBe(row!.number);
    expect(await placeholderRows()).toEqual([]);
  });

  it("20 at once from several callers get distinct consecutive numbers", async () => {
    const callers = [customer, ...(await Promise.all([makeUser("customer"), makeUser("agent"), makeUser("customer")]))];
    const before = await counter();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api("POST", "/api/v1/tickets", { token: callers[i % callers.length]!.token, body: { subject: `burst ${i}`, description: "d" } })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    const seqs = results.map((r) => seqOf(r.body.number)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => before + 1 + i));
    for (const r of results) {
      const [row] = await db().select({ number: tickets.number }).from(tickets).where(eq(tickets.id, r.body.id));
      expect(row!.number).toBe(r.body.number);
    }
    expect(await counter()).toBe(before + 20);
  });

  it("uses a policy an admin changed since the isolate read it; the failed batch took no number", async () => {
    await create(customer, { priority: "low" });
    const put = await api("PUT", "/api/v1/sla-policies/low", {
      token: admin.token,
      body: { priority: "low", first_response_minutes: 17, next_response_minutes: 17, resolution_minutes: 170, escalation_minutes: 34, business_hours: false },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const before = await counter();
    const res = await create(customer, { priority: "low" });
    expect(res.status).toBe(201);
    expect(res.body.sla.first_response_due_at).toBe(new Date(Date.parse(res.body.created_at) + 17 * 60_000).toISOString());
    // Metered (a failed call is not): the policies read again, carrying the caller's row (the failed
    // batch's read of them was lost with it: db/caller-gate.ts), then the write.
    expect(calls(res)).toBe(2);
    expect(seqOf(res.body.number)).toBe(before + 1);
    // The copy is fresh again: one call.
    const next = await create(customer, { priority: "low" });
    expect(calls(next)).toBe(1);
    expect(seqOf(next.body.number)).toBe(before + 2);
    expect(next.body.sla.first_response_due_at).toBe(new Date(Date.parse(next.body.created_at) + 17 * 60_000).toISOString());
  });

  it("names the caller as the row holds them when their name changed since the isolate knew it; the failed batch took no number", async () => {
    const u = await makeUser("customer", { name: "Old Name" });
    expect((await create(u)).body.requester.name).toBe("Old Name");
    await db().update(users).set({ name: "New Name" }).where(eq(users.id, u.id));
    const before = await counter();
    const res = await create(u);
    expect(res.status).toBe(201);
    expect(res.body.requester.name).toBe("New Name");
    // Metered (a failed call is not): the caller read on their own after the batch that found the copy stale, the write.
    expect(calls(res)).toBe(2);
    expect(seqOf(res.body.number)).toBe(before + 1);
    const next = await create(u);
    expect(calls(next)).toBe(1);
    expect(seqOf(next.body.number)).toBe(before + 2);
  });

  it("plans again for a caller who verified their address since the isolate knew them (no token bump): the next reply sees what verified customers see", async () => {
    const u = await makeUser("customer", { verified: false });
    expect((await create(u)).status).toBe(201);
    const agent = await makeUser("agent");
    // Opened for them by an agent: not what an unverified account sees (only its own self-service tickets).
    const forThem = (await api("POST", "/api/v1/tickets", { token: agent.token, body: { subject: "For you", description: "d", requester_email: u.email } })).body;
    expect(forThem.requester.id).toBe(u.id);
    // As POST /auth/verify-email stores it (accounts.service.ts verifyEmail): the token version stays.
    await db().update(users).set({ emailVerifiedAt: new Date().toISOString() }).where(eq(users.id, u.id));
    const res = await create(u);
    expect(res.status).toBe(201);
    // The batch that found the copy (unverified) stale failed and is not metered: the caller read on their own, the write.
    expect(calls(res)).toBe(2);
    // The isolate now holds them verified: their reply to the ticket opened for them plans from its kept row, one call.
    const reply = await meteredApi("POST", `/api/v1/tickets/${forThem.id}/comments`, { token: u.token, body: { body: "thanks" } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(calls(reply)).toBe(1);
    expect(calls(await create(u))).toBe(1);
  });

  it("names the caller with the address the row holds when an admin changed it since the isolate knew them", async () => {
    const u = await makeUser("customer");
    expect((await create(u)).body.requester.email).toBe(u.email);
    const moved = `moved-${u.id}@example.test`.toLowerCase();
    const patch = await api("PATCH", `/api/v1/users/${u.id}`, { token: admin.token, body: { email: moved } });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    const res = await create(u);
    expect(res.status).toBe(201);
    expect(res.body.requester).toMatchObject({ id: u.id, email: moved });
    expect(calls(res)).toBe(2);
    // The stored response a replay answers with names the new address too.
    const key = { "idempotency-key": `moved-${u.id}` };
    const keyed = await create(u, {}, key);
    expect(keyed.body.requester.email).toBe(moved);
    const replay = await create(u, {}, key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.requester.email).toBe(moved);
    expect((await api("GET", `/api/v1/tickets/${res.body.id}`, { token: u.token })).body.requester.email).toBe(moved);
  });

  it("refuses a caller deactivated after the isolate knew them, in its one call, writing nothing and taking no number", async () => {
    const u = await makeUser("customer");
    expect((await create(u)).status).toBe(201);
    await db().update(users).set({ active: false }).where(eq(users.id, u.id));
    const count = async () => (await env.DB.prepare("select count(*) as n from tickets where requester_id = ?").bind(u.id).first<{ n: number }>())!.n;
    const [tickets1, before] = [await count(), await counter()];
    const res = await create(u);
    expect(res.status).toBe(401);
    expect(await count()).toBe(tickets1);
    expect(await counter()).toBe(before);
    // The next create is consecutive.
    expect(seqOf((await create(customer)).body.number)).toBe(before + 1);
  });
});
