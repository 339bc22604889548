import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { addComment } from "../../src/features/comments/comments.service";
import { changeTicket, createTicket } from "../../src/features/tickets/tickets.service";
import { deliver, mailEnv, rawMail, uniqueId } from "../email/mail-helpers";
import { tickReports } from "../sla/helpers";
import { api, makeStaff } from "../helpers";
import { auditRows, commentRows, countRows, ctxAt, DAY, historyRows, openTicket, patchTicket, rowOf, setTicketColumns } from "./fixtures";

/**
 * One write = one batch: a statement that fails inside the batch must take the ticket, its history,
 * audit, tags, comment, mail rows and idempotency key down with it, whichever entry point made the
 * change. The fault is injected into the database itself, so every entry point meets it without a
 * hook in the code: a trigger fails the audit insert (the batch's last statement) of any write about
 * a ticket whose subject, or a comment whose body, carries the mark.
 */
const MARK = "ATOMIC-FAIL";
const INJECTED = /injected fault/;

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
  await env.DB.prepare(
    `CREATE TRIGGER IF NOT EXISTS test_injected_fault BEFORE INSERT ON audit_logs
     WHEN EXISTS (SELECT 1 FROM tickets WHERE id = NEW.entity_id AND subject LIKE '${MARK}%')
       OR EXISTS (SELECT 1 FROM comments WHERE id = NEW.entity_id AND body LIKE '${MARK}%')
       OR EXISTS (SELECT 1 FROM tickets WHERE id = json_extract(NEW.changes, '$.ticket_id') AND subject LIKE '${MARK}%')
     BEGIN SELECT RAISE(ABORT, 'injected fault'); END`,
  ).run();
});

// A marked ticket left live would fail every later cron tick of this file.
afterEach(async () => {
  await env.DB.prepare(`UPDATE tickets SET deleted_at = ? WHERE subject LIKE '${MARK}%' AND deleted_at IS NULL`).bind(new Date().toISOString()).run();
});

async function orphans() {
  const q = async (text: string) => (await env.DB.prepare(text).first<{ n: number }>())!.n;
  return {
    history: await q("SELECT count(*) AS n FROM ticket_history WHERE ticket_id NOT IN (SELECT id FROM tickets)"),
    audit: await q("SELECT count(*) AS n FROM audit_logs WHERE entity_type = 'ticket' AND entity_id NOT IN (SELECT id FROM tickets)"),
    commentAudit: await q("SELECT count(*) AS n FROM audit_logs WHERE entity_type = 'comment' AND entity_id NOT IN (SELECT id FROM comments)"),
    tags: await q("SELECT count(*) AS n FROM ticket_tag_index WHERE ticket_rowid NOT IN (SELECT rowid FROM tickets)"),
  };
}
const NONE = { history: 0, audit: 0, commentAudit: 0, tags: 0 };
const totals = async () => ({
  tickets: await countRows("tickets"),
  history: await countRows("ticket_history"),
  audit: await countRows("audit_logs"),
  comments: await countRows("comments"),
  users: await countRows("users"),
  keys: await countRows("idempotency_keys"),
  outbox: (await env.DB.prepare("SELECT count(*) AS n FROM outbound_messages").first<{ n: number }>())!.n,
  inbound: (await env.DB.prepare("SELECT count(*) AS n FROM inbound_messages").first<{ n: number }>())!.n,
});
const input = (subject: string, extra: Record<string, unknown> = {}) => ({
  subject,
  description: "d",
  priority: "medium" as const,
  channel: "web" as const,
  tags: ["atomic"],
  ...extra,
});
/** Marks a ticket for the fault without any write of ours (straight into D1). */
const mark = (id: string, subject = `${MARK} ${id}`) => setTicketColumns(id, { subject });
/** Everything a write could leave about one ticket. */
const ofTicket = async (id: string) => ({
  row: await rowOf(id),
  history: await historyRows(id),
  audit: await auditRows(id),
  comments: await commentRows(id),
  outbox: (await env.DB.prepare("SELECT id FROM outbound_messages WHERE ticket_id = ?").bind(id).all()).results,
});
/** …and every table's size, where nothing else writes meanwhile (not across a cron tick, which sweeps the other tickets too). */
const snapshot = async (id: string) => ({ ...(await ofTicket(id)), totals: await totals() });

describe("a failing batch leaves nothing behind, by every entry point", () => {
  it("create: no ticket, history, audit, tags, key or new requester", async () => {
    const before = await totals();
    await expect(
      createTicket(ctxAt(s.agent, Date.now()), input(`${MARK} create`, { requester_email: `atomic-${crypto.randomUUID()}@example.test` }), `key-${crypto.randomUUID()}`),
    ).rejects.toThrow(INJECTED);
    expect(await totals()).toEqual(before);
    expect(await orphans()).toEqual(NONE);
  });

  it("REST create answers a 500 problem without internals, and leaves nothing", async () => {
    const before = await totals();
    const res = await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: `${MARK} http`, description: "d", tags: ["x"] }, headers: { "idempotency-key": "k1" } });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body.code).toBe("INTERNAL_ERROR");
    expect(JSON.stringify(res.body)).not.toMatch(/injected|audit_logs|at .*\.ts/);
    expect(await totals()).toEqual(before);
  });

  it("REST PATCH (through the ticket's room): subject, tags and priority stay, no history, audit or event rows", async () => {
    const t = await openTicket(s.customer, { tags: ["atomic"] });
    const before = await snapshot(t.id);
    const res = await patchTicket(s.agent, t.id, { subject: `${MARK} renamed`, tags: ["changed"], priority: "high" });
    expect(res.status).toBe(500);
    expect(res.body.code).toBe("INTERNAL_ERROR");
    expect(await snapshot(t.id)).toEqual(before);
    const tags = await env.DB.prepare("SELECT tag FROM ticket_tag_index WHERE ticket_rowid = (SELECT rowid FROM tickets WHERE id = ?)").bind(t.id).all<{ tag: string }>();
    expect(tags.results.map((r) => r.tag)).toEqual(["atomic"]);
  });

  it("a staff reply: no comment, history, audit or mail, and the first response is not stamped", async () => {
    const { body: t } = await createTicket(ctxAt(s.customer, Date.now()), input("comment target"));
    const before = await snapshot(t.id);
    await expect(addComment(ctxAt(s.agent, Date.now()), t.id, { body: `${MARK} reply`, internal: false }, `key-${crypto.randomUUID()}`)).rejects.toThrow(INJECTED);
    expect(await snapshot(t.id)).toEqual(before);
    expect(before.row!.firstResponseAt).toBeNull();
    expect(await orphans()).toEqual(NONE);
  });

  it("an internal note by REST: 500, no note, no history", async () => {
    const t = await openTicket(s.customer);
    const before = await snapshot(t.id);
    const res = await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, body: { body: `${MARK} note`, internal: true } });
    expect(res.status).toBe(500);
    expect(res.body.code).toBe("INTERNAL_ERROR");
    expect(await snapshot(t.id)).toEqual(before);
  });

  it("a customer reply that would reopen a pending ticket: still pending, no comment, no version bump", async () => {
    const { body: t } = await createTicket(ctxAt(s.customer, Date.now()), input("pending target"));
    await patchTicket(s.agent, t.id, { status: "pending" });
    const before = await snapshot(t.id);
    await expect(addComment(ctxAt(s.customer, Date.now()), t.id, { body: `${MARK} customer`, internal: false })).rejects.toThrow(INJECTED);
    expect(await snapshot(t.id)).toEqual(before);
    expect(before.row!.status).toBe("pending");
  });

  it("a mail reply through the email entry point: no comment, the ticket unchanged, the mail kept as failed for admins", async () => {
    const from = `atomic-${crypto.randomUUID().slice(0, 8)}@customer.example`;
    const first = uniqueId("first");
    const { env: testEnv } = mailEnv();
    await deliver(rawMail({ from, messageId: first, subject: "Printer" }), { from }, testEnv);
    const { id } = (await env.DB.prepare("SELECT ticket_id AS id FROM inbound_messages WHERE message_id = ?").bind(first).first<{ id: string }>())!;
    const before = await ofTicket(id);
    const reply = uniqueId("reply");
    const message = await deliver(rawMail({ from, messageId: reply, inReplyTo: first, subject: "Re: Printer", body: `${MARK} still broken` }), { from }, testEnv);
    expect(await ofTicket(id)).toEqual(before);
    // The write failed as a whole; what is left is the mail itself, held for a person (never retried forever).
    const held = await env.DB.prepare("SELECT status, ticket_id, comment_id FROM inbound_messages WHERE message_id = ?").bind(reply).first();
    expect(held).toEqual({ status: "failed", ticket_id: null, comment_id: null });
    expect(message.rejected).toEqual([]);
  });

  it("an SLA breach claimed by the cron: no breach flag, no sla.breached history, no audit, no feed or mail rows", async () => {
    const created = Date.now();
    const { body: t } = await createTicket(ctxAt(s.customer, created), input("breach target", { priority: "critical" }));
    await mark(t.id);
    const before = await ofTicket(t.id);
    const failed = await tickReports(created + 2 * 3_600_000).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(AggregateError);
    expect((failed as AggregateError).errors.map(String).join(" ")).toMatch(INJECTED);
    expect(await ofTicket(t.id)).toEqual(before);
    expect(before.row!.firstResponseBreached).toBe(false);
  });

  it("auto-close by the cron: the resolved ticket stays resolved, no history or audit", async () => {
    const resolvedAt = Date.now();
    const { body: t } = await createTicket(ctxAt(s.customer, resolvedAt), input("close target"));
    await changeTicket(ctxAt(s.agent, resolvedAt), t.id, { status: "resolved" }, { type: "updated" });
    await mark(t.id);
    const before = await ofTicket(t.id);
    const failed = await tickReports(resolvedAt + 4 * DAY).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(AggregateError);
    expect((failed as AggregateError).errors.map(String).join(" ")).toMatch(INJECTED);
    expect(await ofTicket(t.id)).toEqual(before);
    expect(before.row!.status).toBe("resolved");
  });
});
