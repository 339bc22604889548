import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assumed, DOUBT_MS, type Assumption } from "../../src/db/batch-assumptions";
import { makeStaff, type TestUser } from "../helpers";
import { timePasses } from "../helpers/clock";
import { drainJobs, expectRollupsMatchRows, journalCount, jobsEnv } from "../reports/support";
import { call, drain, hookEnv, receiverEndpoint } from "../webhooks/support";

/**
 * Ticket writes whose batch assumptions (db/batch-assumptions.ts) fail in turn: a report rebuild
 * running (the rollups' journal row fails the batch) and a webhook subscribed (the outbox's read
 * fails it), alone and both at once, on a create and on the writes of two tickets in one batch
 * (merge, split). Each write lands exactly once: one number, one history entry and audit row per
 * change, one version, rollups equal to a recomputation from the rows, one delivery per event.
 */

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
// A test that failed half-way leaves no rebuild running nor webhook receiving for the next one.
const started: ReturnType<typeof jobsEnv>[] = [];
afterEach(async () => {
  await env.DB.prepare("UPDATE webhooks SET active = 0").run();
  for (const jobs of started.splice(0)) await drainJobs(jobs);
});

type TestEnv = ReturnType<typeof hookEnv>["env"];
let n = 0;
const unique = (p: string) => `${p} ${++n}-${Math.random().toString(36).slice(2, 8)}`;
const seq = (number: string) => Number(number.split("-").pop());

/** The env of these tests: webhook deliveries and report jobs captured, each drained by the test. */
function testEnv() {
  const jobs = jobsEnv();
  started.push(jobs);
  return { ...hookEnv({ JOBS: jobs.env.JOBS }), jobs };
}

async function openTicket(t: TestEnv, subject: string) {
  const res = await call(t, "POST", "/api/v1/tickets", { token: s.customer.token, body: { subject, description: `about ${subject}`, priority: "high", category: "billing" } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; number: string; version: number };
}

async function comment(t: TestEnv, who: TestUser, ticketId: string, body: string) {
  const res = await call(t, "POST", `/api/v1/tickets/${ticketId}/comments`, { token: who.token, body: { body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

/** What a change of the ticket leaves behind: its version, history entries and audit rows. */
async function stateOf(ticketId: string) {
  const one = (q: string) => env.DB.prepare(q).bind(ticketId).first("n");
  return {
    version: Number(await one("SELECT version AS n FROM tickets WHERE id = ?")),
    history: Number(await one("SELECT count(*) AS n FROM ticket_history WHERE ticket_id = ?")),
    audit: Number(await one("SELECT count(*) AS n FROM audit_logs WHERE entity_id = ?")),
  };
}

/** The history entry types and audit actions of the ticket's latest version. */
async function latestChange(ticketId: string) {
  const { version } = await stateOf(ticketId);
  const history = await env.DB.prepare("SELECT type FROM ticket_history WHERE ticket_id = ? AND version = ? ORDER BY type").bind(ticketId, version).all<{ type: string }>();
  return history.results.map((r) => r.type);
}

const auditActions = async (ticketId: string) =>
  (await env.DB.prepare("SELECT action FROM audit_logs WHERE entity_id = ? ORDER BY action").bind(ticketId).all<{ action: string }>()).results.map((r) => r.action);

/** Every delivery made to the webhook, as (ticket, type), sorted. */
async function deliveriesTo(webhookId: string) {
  const rows = await env.DB.prepare("SELECT d.id, e.ticket_id, d.type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE d.webhook_id = ? ORDER BY e.ticket_id, d.type")
    .bind(webhookId)
    .all<{ id: string; ticket_id: string; type: string }>();
  return rows.results;
}

/**
 * Makes the named assumptions false (a webhook subscribes to `events`; an admin starts a rebuild,
 * its steps waiting in the captured queue) while the isolate, a minute later, takes them all again.
 */
async function breakAssumptions(t: ReturnType<typeof testEnv>, which: Assumption[], events: string[]) {
  let hook: { id: string; endpoint: ReturnType<typeof receiverEndpoint> } | undefined;
  if (which.includes("webhooks")) {
    const endpoint = receiverEndpoint();
    const res = await call(t.env, "POST", "/api/v1/webhooks", { token: s.admin.token, body: { url: endpoint.url, events } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    hook = { id: res.body.id, endpoint };
  }
  if (which.includes("rollups")) {
    const started = await call(t.env, "POST", "/api/v1/reports/rebuild", { token: s.admin.token });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body.phase).not.toBe("live");
  }
  timePasses(DOUBT_MS);
  expect(assumed("rollups") && assumed("webhooks")).toBe(true);
  return hook;
}

/**
 * After the write: exactly the broken assumptions failed it (the isolate doubts those, and only
 * those); a rebuild runs to its end and the rollups equal a recomputation from the rows; the
 * webhook's deliveries reach it, once each. Returns what the webhook received, as (ticket, type).
 */
async function settle(t: ReturnType<typeof testEnv>, which: Assumption[], hook: Awaited<ReturnType<typeof breakAssumptions>>) {
  for (const a of ["rollups", "webhooks"] as const) expect(assumed(a), a).toBe(!which.includes(a));
  if (which.includes("rollups")) {
    // The writes during the rebuild went through the phase's statements, not the journal (emptied when it started).
    expect(await journalCount()).toBe(0);
    await drainJobs(t.jobs);
    const state = await call(t.env, "GET", "/api/v1/reports/rebuild", { token: s.admin.token });
    expect(state.body.phase).toBe("live");
  }
  await expectRollupsMatchRows();
  if (!hook) return [];
  const made = await deliveriesTo(hook.id);
  expect([...t.enqueued].sort()).toEqual(made.map((d) => d.id).sort());
  await drain(t.enqueued, t.env);
  const got = (await hook.endpoint.received()).map((r) => JSON.parse(r.body) as { type: string; data: { ticket: { id: string } } });
  return got.map((b) => [b.data.ticket.id, b.type]).sort();
}

const CASES = ([["webhooks"], ["rollups"], ["rollups", "webhooks"]] as Assumption[][]).map((which) => ({ which, names: which.join(" and ") }));

describe("a create whose assumptions fail in turn", () => {
  it("a rebuild running and a webhook just subscribed: written once, numbered next, its figures and its delivery once", async () => {
    const t = testEnv();
    const before = await openTicket(t.env, unique("before"));
    const hook = await breakAssumptions(t, ["rollups", "webhooks"], ["ticket.created"]);
    const subject = unique("both assumptions fail");
    const opened = await openTicket(t.env, subject);
    expect(seq(opened.number)).toBe(seq(before.number) + 1);
    expect(Number(await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE subject = ?").bind(subject).first("n"))).toBe(1);
    expect(await stateOf(opened.id)).toEqual({ version: 1, history: 1, audit: 1 });
    expect(await latestChange(opened.id)).toEqual(["created"]);
    expect((await deliveriesTo(hook!.id)).map((d) => [d.ticket_id, d.type])).toEqual([[opened.id, "ticket.created"]]);
    expect(await settle(t, ["rollups", "webhooks"], hook)).toEqual([[opened.id, "ticket.created"]]);
  });
});

describe.each(CASES)("merge and split when $names fail", ({ which }) => {
  it("a merge changes both tickets once (version, history, audit) and delivers each ticket's event once", async () => {
    const t = testEnv();
    const target = await openTicket(t.env, unique("merge target"));
    const source = await openTicket(t.env, unique("merge source"));
    await comment(t.env, s.customer, source.id, "and the invoice address is wrong too");
    const [sBefore, tBefore] = [await stateOf(source.id), await stateOf(target.id)];
    const hook = await breakAssumptions(t, which, ["ticket.updated"]);

    const merged = await call(t.env, "POST", `/api/v1/tickets/${source.id}/merge`, { token: s.agent.token, body: { into: target.id } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    expect(merged.body).toMatchObject({ id: target.id, version: tBefore.version + 1 });
    expect(await stateOf(source.id)).toEqual({ version: sBefore.version + 1, history: sBefore.history + 1, audit: sBefore.audit + 1 });
    expect(await stateOf(target.id)).toEqual({ version: tBefore.version + 1, history: tBefore.history + 1, audit: tBefore.audit + 1 });
    expect(await latestChange(source.id)).toEqual(["merged"]);
    expect(await latestChange(target.id)).toEqual(["merged"]);
    expect(await auditActions(target.id)).toEqual(["ticket.created", "ticket.merged_into"]);
    // The source's description and comment moved once.
    expect(Number(await env.DB.prepare("SELECT count(*) AS n FROM comments WHERE ticket_id = ?").bind(target.id).first("n"))).toBe(2);
    const closed = await env.DB.prepare("SELECT status, merged_into_id FROM tickets WHERE id = ?").bind(source.id).first();
    expect(closed).toEqual({ status: "closed", merged_into_id: target.id });

    if (hook) expect((await deliveriesTo(hook.id)).map((d) => [d.ticket_id, d.type])).toEqual([[source.id, "ticket.updated"], [target.id, "ticket.updated"]].sort());
    const received = await settle(t, which, hook);
    expect(received).toEqual(hook ? [[source.id, "ticket.updated"], [target.id, "ticket.updated"]].sort() : []);
  });

  it("a split creates the new ticket once (next number) and changes the source once, each ticket's event delivered once", async () => {
    const t = testEnv();
    const source = await openTicket(t.env, unique("split source"));
    const question = await comment(t.env, s.customer, source.id, "Also: how do I reset my password?");
    const answer = await comment(t.env, s.agent, source.id, "Printer: unplug it");
    const sBefore = await stateOf(source.id);
    const hook = await breakAssumptions(t, which, ["ticket.created", "ticket.updated"]);

    const subject = unique("split out");
    const split = await call(t.env, "POST", `/api/v1/tickets/${source.id}/split`, { token: s.agent.token, body: { comment_ids: [question.id], subject } });
    expect(split.status, JSON.stringify(split.body)).toBe(201);
    const fresh = split.body as { id: string; number: string };
    expect(seq(fresh.number)).toBe(seq(source.number) + 1);
    expect(Number(await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE subject = ?").bind(subject).first("n"))).toBe(1);
    expect(await stateOf(source.id)).toEqual({ version: sBefore.version + 1, history: sBefore.history + 1, audit: sBefore.audit + 1 });
    expect(await latestChange(source.id)).toEqual(["split"]);
    expect(await latestChange(fresh.id)).toEqual(["created", "split"]);
    expect(await auditActions(fresh.id)).toEqual(["ticket.created"]);
    const where = async (commentId: string) => env.DB.prepare("SELECT ticket_id AS n FROM comments WHERE id = ?").bind(commentId).first("n");
    expect([await where(question.id), await where(answer.id)]).toEqual([fresh.id, source.id]);

    const expected = [[fresh.id, "ticket.created"], [source.id, "ticket.updated"]].sort();
    if (hook) expect((await deliveriesTo(hook.id)).map((d) => [d.ticket_id, d.type])).toEqual(expected);
    expect(await settle(t, which, hook)).toEqual(hook ? expected : []);
  });
});
