import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { inboundMessages, outboundMessages, ticketParticipants } from "../../src/db/schema";
import { outboundRawKey } from "../../src/email/outbound";
import { parseInbound } from "../../src/email/parse";
import { replyAddress } from "../../src/email/reply-token";
import { mailSettings } from "../../src/email/settings";
import { api, db, expectProblem, makeStaff, makeUser, type TestUser } from "../helpers";
import { integrityCheck, search, word } from "../search/support";
import { upload } from "../security/support";
import { deliver, mailEnv, r2Text, rawMail, runOutbox, uniqueId } from "../email/mail-helpers";

let staff: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  staff = await makeStaff();
});

async function ok<T = any>(res: Promise<{ status: number; body: any }>, status = 201): Promise<T> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}
const newTicket = (user: TestUser, subject: string, description: string) => ok(api("POST", "/api/v1/tickets", { token: user.token, body: { subject, description } }));
const comment = (user: TestUser, id: string, body: string, internal = false) => ok(api("POST", `/api/v1/tickets/${id}/comments`, { token: user.token, body: { body, internal } }));
const merge = (user: TestUser, id: string, body: Record<string, unknown>) => api("POST", `/api/v1/tickets/${id}/merge`, { token: user.token, body });
const commentsOf = async (user: TestUser, id: string) => (await ok(api("GET", `/api/v1/tickets/${id}/comments?limit=100`, { token: user.token }), 200)).data as any[];
const historyOf = async (user: TestUser, id: string) => (await ok(api("GET", `/api/v1/tickets/${id}/history`, { token: user.token }), 200)).data as any[];

describe("merge across requesters", () => {
  it("needs confirm_requesters (409, nothing changes); then the source closes into the target with its conversation, and each customer sees only what is theirs to see", async () => {
    const a = await makeUser("customer");
    const b = await makeUser("customer");
    const secret = { bDescription: word("bd"), bComment: word("bc"), note: word("nt"), targetNote: word("tn"), aText: word("at") };
    const target = await newTicket(a, "Printer on fire", `A's words ${secret.aText}`);
    const source = await newTicket(b, "Printer smoking", `B's words ${secret.bDescription}`);
    const reply = await comment(staff.agent, source.id, "We are on it");
    const bComment = await comment(b, source.id, `B adds ${secret.bComment}`);
    const note = await comment(staff.agent, source.id, `internal ${secret.note}`, true);
    const targetNote = await comment(staff.agent, target.id, `internal ${secret.targetNote}`, true);
    const bFile = (await upload(source.id, b.token, "smoke.txt")).body.data[0];

    // Without confirmation: 409, and both tickets are as they were.
    const refused = await merge(staff.agent, source.id, { into: target.id });
    expectProblem(refused, 409, "CONFLICT");
    expect(JSON.stringify(refused.body)).not.toContain(secret.bDescription);
    expect((await ok(api("GET", `/api/v1/tickets/${source.id}`, { token: staff.agent.token }), 200)).version).toBe(source.version);
    expect((await commentsOf(staff.agent, target.id)).map((c) => c.id)).toEqual([targetNote.id]);
    expect((await api("GET", `/api/v1/tickets/${source.id}/comments`, { token: a.token })).status).toBe(404);

    const merged = await ok(merge(staff.agent, source.id, { into: target.number, confirm_requesters: true }), 200);
    expect(merged).toMatchObject({ id: target.id, version: target.version + 1, merged_into_id: null, links: [{ type: "merged_from", ticket_id: source.id }] });

    const closed = await ok(api("GET", `/api/v1/tickets/${source.id}`, { token: b.token }), 200);
    expect(closed).toMatchObject({ status: "closed", merged_into_id: target.id, links: [{ type: "merged_into", ticket_id: target.id }], version: source.version + 1 });
    expect(closed.closed_at).not.toBeNull();

    // Staff see the whole conversation on the target, in time order, the note still internal.
    const all = await commentsOf(staff.agent, target.id);
    expect(all.map((c) => c.body)).toEqual([`B's words ${secret.bDescription}`, "We are on it", `B adds ${secret.bComment}`, `internal ${secret.note}`, `internal ${secret.targetNote}`]);
    expect(all[0]).toMatchObject({ author: { id: b.id, role: "customer" }, internal: false, created_at: source.created_at });
    expect(all.filter((c) => c.internal).map((c) => c.id)).toEqual([note.id, targetNote.id]);
    expect(all.map((c) => c.created_at)).toEqual([...all.map((c) => c.created_at)].sort());

    // A (confirmed) sees B's public messages on the target, never an internal note.
    const forA = JSON.stringify(await commentsOf(a, target.id));
    expect(forA).toContain(secret.bComment);
    expect(forA).not.toContain(secret.note);
    expect(forA).not.toContain(secret.targetNote);
    expect((await ok(api("GET", `/api/v1/tickets/${target.id}/attachments`, { token: a.token }), 200)).data.map((f: any) => f.id)).toEqual([bFile.id]);

    // B keeps their own conversation on the merged ticket, and nothing of A's.
    const forB = await commentsOf(b, source.id);
    expect(forB.map((c) => c.id)).toEqual([reply.id, bComment.id]);
    expect(JSON.stringify(forB)).not.toContain(secret.aText);
    expect((await api("GET", `/api/v1/tickets/${target.id}`, { token: b.token })).status).toBe(404);
    expect((await api("GET", `/api/v1/tickets/${source.id}/comments/${note.id}`, { token: b.token })).status).toBe(404);
    expect((await ok(api("GET", `/api/v1/tickets/${source.id}/attachments`, { token: b.token }), 200)).data.map((f: any) => f.id)).toEqual([bFile.id]);
    expect((await api("GET", `/api/v1/attachments/${bFile.id}`, { token: b.token })).status).toBe(200);
    expect((await api("GET", `/api/v1/attachments/${bFile.id}`, { token: a.token })).status).toBe(200);
    expect(JSON.stringify(await historyOf(b, source.id))).not.toContain(secret.aText);

    // Search rows moved with the comments: A finds B's public words on the target, nobody's customer finds a note.
    await integrityCheck("comments_fts");
    const found = await search(a.token, secret.bComment, { type: "comments" });
    expect(found.data.map((d) => [d.id, d.ticket_id])).toEqual([[bComment.id, target.id]]);
    expect((await search(a.token, secret.note)).data).toEqual([]);
    expect((await search(b.token, secret.note)).data).toEqual([]);
    expect((await search(staff.agent.token, secret.note, { type: "comments" })).data.map((d) => d.ticket_id)).toEqual([target.id]);

    // History on both.
    expect((await historyOf(staff.agent, source.id)).at(-1)).toMatchObject({ type: "merged", changes: { status: ["open", "closed"], merged_into_id: [null, target.id] } });
    expect((await historyOf(a, target.id)).at(-1)).toMatchObject({ type: "merged", changes: { merged_from: source.id } });
  });

  it("a merged ticket cannot be merged again, reopened, edited or replied to; nor merged into", async () => {
    const a = await makeUser("customer");
    const target = await newTicket(a, "One", "first");
    const source = await newTicket(a, "Two", "second");
    const other = await newTicket(a, "Three", "third");
    await ok(merge(staff.agent, source.id, { into: target.id }), 200);

    expectProblem(await merge(staff.agent, source.id, { into: other.id }), 422, "INVALID_TRANSITION");
    expectProblem(await merge(staff.agent, other.id, { into: source.id }), 422, "INVALID_TRANSITION");
    expectProblem(await api("PATCH", `/api/v1/tickets/${source.id}`, { token: staff.agent.token, body: { status: "open" } }), 422, "INVALID_TRANSITION");
    expectProblem(await api("PATCH", `/api/v1/tickets/${source.id}`, { token: a.token, body: { status: "open" } }), 422, "INVALID_TRANSITION");
    expectProblem(await api("PATCH", `/api/v1/tickets/${source.id}`, { token: staff.agent.token, body: { tags: ["x"] } }), 422, "INVALID_TRANSITION");
    expectProblem(await api("POST", `/api/v1/tickets/${source.id}/comments`, { token: staff.agent.token, body: { body: "note", internal: true } }), 422, "INVALID_TRANSITION");
    expectProblem(await api("POST", `/api/v1/tickets/${source.id}/comments`, { token: a.token, body: { body: "hello?" } }), 422, "INVALID_TRANSITION");
    expectProblem(await api("POST", `/api/v1/tickets/${source.id}/assign`, { token: staff.agent.token, body: { assignee_id: staff.agent.id } }), 422, "INVALID_TRANSITION");
    expect((await ok(api("GET", `/api/v1/tickets/${source.id}`, { token: a.token }), 200)).version).toBe(source.version + 1);
  });

  it("the source's requester follows the target's staff replies only if their address is proven", async () => {
    const a = await makeUser("customer");
    const proven = await makeUser("customer");
    const unproven = await makeUser("customer", { verified: false });
    const target = await newTicket(a, "T", "t");
    for (const b of [proven, unproven]) {
      const source = await newTicket(b, `S of ${b.name}`, "s");
      await ok(merge(staff.agent, source.id, { into: target.id, confirm_requesters: true }), 200);
    }
    const participants = await db().select().from(ticketParticipants).where(eq(ticketParticipants.ticketId, target.id));
    expect(participants.map((p) => [p.email, p.followUp]).sort()).toEqual([[proven.email, "replies"], [unproven.email, null]].sort());
    const answer = await comment(staff.agent, target.id, "An answer for everyone");
    const rows = await db().select().from(outboundMessages).where(eq(outboundMessages.commentId, answer.id));
    expect(rows.map((r) => r.toAddress).sort()).toEqual([a.email, proven.email].sort());
  });

  it("the same requester needs no confirmation and gains no follower", async () => {
    const a = await makeUser("customer");
    const target = await newTicket(a, "Mine", "one");
    const source = await newTicket(a, "Mine again", "two");
    await ok(merge(staff.agent, source.id, { into: target.id }), 200);
    expect(await db().select().from(ticketParticipants).where(eq(ticketParticipants.ticketId, target.id))).toEqual([]);
  });

  it("only agents and up merge; bad targets are refused and change nothing", async () => {
    const a = await makeUser("customer");
    const b = await makeUser("customer");
    const mine = await newTicket(a, "A1", "x");
    const mine2 = await newTicket(a, "A2", "y");
    const theirs = await newTicket(b, "B1", "z");
    expectProblem(await merge(a, mine2.id, { into: mine.id }), 403, "FORBIDDEN");
    expectProblem(await merge(a, theirs.id, { into: mine.id }), 404, "NOT_FOUND");
    expectProblem(await merge(staff.agent, mine.id, { into: mine.id }), 400, "VALIDATION_ERROR");
    expectProblem(await merge(staff.agent, mine.id, { into: "no-such-ticket" }), 400, "VALIDATION_ERROR");
    expectProblem(await merge(staff.agent, mine.id, {}), 400, "VALIDATION_ERROR");
    expectProblem(await merge(staff.agent, mine.id, { into: mine2.id, confirm_requesters: "yes" }), 400, "VALIDATION_ERROR");
    await ok(api("PATCH", `/api/v1/tickets/${mine2.id}`, { token: staff.agent.token, body: { status: "cancelled" } }), 200);
    expectProblem(await merge(staff.agent, mine.id, { into: mine2.id }), 422, "INVALID_TRANSITION");
    for (const t of [mine, theirs]) expect((await ok(api("GET", `/api/v1/tickets/${t.id}`, { token: staff.agent.token }), 200)).version).toBe(t.version);
  });

  it("two agents merging two tickets into each other at once: exactly one merge happens", async () => {
    const a = await makeUser("customer");
    const one = await newTicket(a, "One", "1");
    const two = await newTicket(a, "Two", "2");
    const [x, y] = await Promise.all([merge(staff.agent, one.id, { into: two.id }), merge(staff.agent2, two.id, { into: one.id })]);
    expect([x.status, y.status].sort()).toEqual([200, 422]);
    const [t1, t2] = await Promise.all([one, two].map(async (t) => ok(api("GET", `/api/v1/tickets/${t.id}`, { token: staff.agent.token }), 200)));
    expect([t1.merged_into_id, t2.merged_into_id].filter(Boolean)).toHaveLength(1);
  });

  it("a merge's comment is written on the target in the same write (public: mailed like any reply)", async () => {
    const a = await makeUser("customer");
    const target = await newTicket(a, "T", "t");
    const source = await newTicket(a, "S", "s");
    const after = await ok(merge(staff.agent, source.id, { into: target.id, comment: { body: "Merged your duplicate request here" } }), 200);
    expect(after.first_response_at).not.toBeNull();
    const last = (await commentsOf(a, target.id)).at(-1);
    expect(last).toMatchObject({ body: "Merged your duplicate request here", internal: false, author: { id: staff.agent.id } });
    const [mail] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, `reply-${last.id}`));
    expect(mail).toMatchObject({ toAddress: a.email, kind: "reply" });
  });
});

describe("mail after a merge", () => {
  const { env: testEnv } = mailEnv();

  /** A customer writes in; returns the ticket and the Message-ID of our acknowledgement. */
  async function writeIn(name: string) {
    const from = `${name.toLowerCase()}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@customer.example.net`;
    const firstId = uniqueId("first");
    await deliver(rawMail({ from, fromName: name, messageId: firstId, subject: `${name}'s printer` }), { from }, testEnv);
    const [row] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, firstId));
    const ticketId = row!.ticketId!;
    await runOutbox([`ack-${ticketId}`], testEnv);
    const [ack] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, `ack-${ticketId}`));
    const ticket = await ok(api("GET", `/api/v1/tickets/${ticketId}`, { token: staff.agent.token }), 200);
    return { from, firstId, ackId: ack!.messageId!, ticket };
  }

  const inboundStatus = async (messageId: string) => (await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, messageId)))[0];

  it("replies to the source's thread (Message-ID, reply address, subject tag) land on the target; staff replies reach both requesters, each under their own name", async () => {
    const alice = await writeIn("Alice");
    const bob = await writeIn("Bob");
    await ok(merge(staff.agent, bob.ticket.id, { into: alice.ticket.id, confirm_requesters: true }), 200);

    // Bob answers our acknowledgement of his (now merged) ticket.
    const byMessageId = uniqueId("bob-reply");
    await deliver(rawMail({ from: bob.from, messageId: byMessageId, inReplyTo: bob.ackId, references: [bob.firstId, bob.ackId], subject: "Re: Bob's printer", body: "Still broken" }), { from: bob.from }, testEnv);
    expect(await inboundStatus(byMessageId)).toMatchObject({ status: "commented", ticketId: alice.ticket.id });

    // To the old reply address only (a client that dropped the headers).
    const byAddress = uniqueId("bob-addr");
    const oldAddress = await replyAddress(env as never, mailSettings(env as never), bob.ticket.id);
    await deliver(rawMail({ from: bob.from, to: oldAddress, messageId: byAddress, subject: "printer", body: "Any news?" }), { from: bob.from, to: oldAddress }, testEnv);
    expect(await inboundStatus(byAddress)).toMatchObject({ status: "commented", ticketId: alice.ticket.id });

    // By the old subject tag only.
    const byTag = uniqueId("bob-tag");
    await deliver(rawMail({ from: bob.from, messageId: byTag, subject: `Re: [${bob.ticket.number}] printer`, body: "Hello?" }), { from: bob.from }, testEnv);
    expect(await inboundStatus(byTag)).toMatchObject({ status: "commented", ticketId: alice.ticket.id });

    // A stranger who copies the old Message-ID starts a ticket of their own.
    const stranger = `stranger-${Date.now()}@elsewhere.example.net`;
    const strangerId = uniqueId("stranger");
    await deliver(rawMail({ from: stranger, messageId: strangerId, inReplyTo: bob.ackId, subject: "Re: Bob's printer" }), { from: stranger }, testEnv);
    const strangers = await inboundStatus(strangerId);
    expect(strangers!.status).toBe("ticket_created");
    expect(strangers!.ticketId).not.toBe(alice.ticket.id);

    // An agent answers on the target: Alice (requester) and Bob (merged requester) each get it.
    const reply = await comment(staff.agent, alice.ticket.id, "A technician comes tomorrow");
    const note = await comment(staff.agent, alice.ticket.id, "internal: bill them", true);
    const rows = await db().select().from(outboundMessages).where(eq(outboundMessages.commentId, reply.id));
    expect(rows.map((r) => [r.toAddress, r.kind]).sort()).toEqual([[alice.from, "reply"], [bob.from, "reply"]].sort());
    expect(await db().select().from(outboundMessages).where(eq(outboundMessages.commentId, note.id))).toEqual([]);
    const result = await runOutbox(rows.map((r) => r.id), testEnv);
    expect(result.explicitAcks).toHaveLength(2);
    const bobsRow = rows.find((r) => r.toAddress === bob.from)!;
    expect(bobsRow.data).toMatchObject({ requester: { name: "Bob" }, comment: { body: "A technician comes tomorrow" } });
    const bobsMail = await parseInbound((await r2Text(outboundRawKey(bobsRow.id)))!);
    expect(bobsMail.text).toContain("A technician comes tomorrow");
    expect(bobsMail.text).not.toContain("bill them");
    expect(bobsMail.to).toEqual([{ address: bob.from, name: "Bob" }]);
  });
});
