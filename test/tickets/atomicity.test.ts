import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { addComment } from "../../src/features/comments/comments.service";
import { changeTicket, createTicket } from "../../src/features/tickets/tickets.service";
import { onTicketEvent } from "../../src/events/ticket-events";
import { api, makeStaff } from "../helpers";
import { auditRows, commentRows, countRows, ctxAt, historyRows, openTicket, patchTicket, rowOf } from "./fixtures";

/**
 * One write = one batch: a statement that fails at the end of the batch must take the ticket, its
 * history, audit, tags, comment and idempotency key down with it. The failure is injected the way a
 * real consumer would add writes: an in-batch event consumer, here one that fails at run time for
 * tickets or comments marked FAIL.
 */
const MARK = "ATOMIC-FAIL";
onTicketEvent({
  inBatch: (ctx, event) => {
    const marked =
      (event.type === "comment.created" && event.comment.body.startsWith(MARK)) ||
      ("ticket" in event && event.type !== "comment.created" && event.ticket.subject.startsWith(MARK));
    // json() of malformed text fails while the batch runs, after the earlier statements executed.
    return marked ? [ctx.db.run(sql`INSERT INTO ticket_counters (day, seq) VALUES ('atomic', json('{not json'))`)] : [];
  },
});

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

async function orphans() {
  const q = async (text: string) => (await env.DB.prepare(text).first<{ n: number }>())!.n;
  return {
    history: await q("SELECT count(*) AS n FROM ticket_history WHERE ticket_id NOT IN (SELECT id FROM tickets)"),
    audit: await q("SELECT count(*) AS n FROM audit_logs WHERE entity_type = 'ticket' AND entity_id NOT IN (SELECT id FROM tickets)"),
    commentAudit: await q("SELECT count(*) AS n FROM audit_logs WHERE entity_type = 'comment' AND entity_id NOT IN (SELECT id FROM comments)"),
    tags: await q("SELECT count(*) AS n FROM ticket_tags WHERE ticket_id NOT IN (SELECT id FROM tickets)"),
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
});
const input = (subject: string, extra: Record<string, unknown> = {}) => ({
  subject,
  description: "d",
  priority: "medium" as const,
  channel: "web" as const,
  tags: ["atomic"],
  ...extra,
});

describe("a failing batch leaves nothing behind", () => {
  it("create: no ticket, history, audit, tags, key or new requester", async () => {
    const before = await totals();
    await expect(
      createTicket(ctxAt(s.agent, Date.now()), input(`${MARK} create`, { requester_email: `atomic-${crypto.randomUUID()}@example.test` }), `key-${crypto.randomUUID()}`),
    ).rejects.toBeTruthy();
    expect(await totals()).toEqual(before);
    expect(await orphans()).toEqual(NONE);
  });

  it("the same create through HTTP answers a 500 problem without internals, and leaves nothing", async () => {
    const before = await totals();
    const res = await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: `${MARK} http`, description: "d", tags: ["x"] }, headers: { "idempotency-key": "k1" } });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(JSON.stringify(res.body)).not.toMatch(/json\(|ticket_counters|at .*\.ts/);
    expect(await totals()).toEqual(before);
  });

  it("change of a marked ticket: nothing of it is written", async () => {
    const created = await createTicket(ctxAt(s.agent, Date.now()), input("plain, to be renamed"));
    const id = created.body.id;
    // Renaming it to a marked subject fails inside the batch that would rename it.
    const before = { row: await rowOf(id), history: await historyRows(id), audit: await auditRows(id), totals: await totals() };
    await expect(changeTicket(ctxAt(s.agent, Date.now()), id, { subject: `${MARK} renamed`, tags: ["changed"], priority: "high" }, { type: "updated" })).rejects.toBeTruthy();
    expect(await rowOf(id)).toEqual(before.row);
    expect(await historyRows(id)).toEqual(before.history);
    expect(await auditRows(id)).toEqual(before.audit);
    expect(await totals()).toEqual(before.totals);
    const tags = await env.DB.prepare("SELECT tag FROM ticket_tags WHERE ticket_id = ?").bind(id).all<{ tag: string }>();
    expect(tags.results.map((r) => r.tag)).toEqual(["atomic"]);
  });

  it("comment: no comment, history or audit, and the ticket's first response is not stamped", async () => {
    const { body: t } = await createTicket(ctxAt(s.customer, Date.now()), input("comment target"));
    const before = { row: await rowOf(t.id), totals: await totals() };
    await expect(addComment(ctxAt(s.agent, Date.now()), t.id, { body: `${MARK} reply`, internal: false }, `key-${crypto.randomUUID()}`)).rejects.toBeTruthy();
    expect(await rowOf(t.id)).toEqual(before.row);
    expect(await totals()).toEqual(before.totals);
    expect(await commentRows(t.id)).toEqual([]);
    expect(await orphans()).toEqual(NONE);
  });

  it("a customer reply that would reopen a pending ticket: still pending, no comment, no version bump", async () => {
    const { body: t } = await createTicket(ctxAt(s.customer, Date.now()), input("pending target"));
    await patchTicket(s.agent, t.id, { status: "pending" });
    const before = { row: await rowOf(t.id), totals: await totals() };
    await expect(addComment(ctxAt(s.customer, Date.now()), t.id, { body: `${MARK} customer`, internal: false })).rejects.toBeTruthy();
    expect(await rowOf(t.id)).toEqual(before.row);
    expect((await rowOf(t.id))!.status).toBe("pending");
    expect(await totals()).toEqual(before.totals);
  });
});
