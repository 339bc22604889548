import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { inboundMessages, outboundMessages } from "../../src/db/schema";
import { api, db, expectProblem, makeStaff, makeUser, type TestUser } from "../helpers";
import { integrityCheck, search, word } from "../search/support";
import { deliver, mailEnv, rawMail, runOutbox, uniqueId } from "../email/mail-helpers";

let staff: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  staff = await makeStaff();
});

async function ok<T = any>(res: Promise<{ status: number; body: any }>, status = 201): Promise<T> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}
const comment = (user: TestUser, id: string, body: string, internal = false) => ok(api("POST", `/api/v1/tickets/${id}/comments`, { token: user.token, body: { body, internal } }));
const split = (user: TestUser, id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => api("POST", `/api/v1/tickets/${id}/split`, { token: user.token, body, headers });
const commentIds = async (user: TestUser, id: string) => (await ok(api("GET", `/api/v1/tickets/${id}/comments?limit=100`, { token: user.token }), 200)).data.map((c: any) => c.id);

describe("split", () => {
  it("moves the chosen comments into a new ticket of the same requester, linked both ways; notes stay internal", async () => {
    const a = await makeUser("customer");
    const note = word("sn");
    const ticket = await ok(api("POST", "/api/v1/tickets", { token: a.token, body: { subject: "Printer", description: "It smokes", priority: "high", tags: ["hardware"] } }));
    const first = await comment(a, ticket.id, "Also: how do I reset my password?");
    const answer = await comment(staff.agent, ticket.id, "Printer: unplug it");
    const internal = await comment(staff.agent, ticket.id, `internal ${note}`, true);
    const reply = await comment(staff.agent, ticket.id, "About the password: use the reset link");

    const created = await split(staff.agent, ticket.id, { comment_ids: [reply.id, internal.id, first.id], subject: "Password reset" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const fresh = created.body;
    expect(created.headers.get("location")).toBe(`/api/v1/tickets/${fresh.id}`);
    expect(fresh).toMatchObject({
      subject: "Password reset",
      description: "Also: how do I reset my password?",
      requester: { id: a.id },
      priority: "high",
      tags: ["hardware"],
      status: "open",
      links: [{ type: "split_from", ticket_id: ticket.id }],
    });
    const old = await ok(api("GET", `/api/v1/tickets/${ticket.id}`, { token: a.token }), 200);
    expect(old).toMatchObject({ links: [{ type: "split_into", ticket_id: fresh.id }], version: ticket.version + 1, status: "open" });

    expect(await commentIds(staff.agent, fresh.id)).toEqual([first.id, internal.id, reply.id]);
    expect(await commentIds(staff.agent, ticket.id)).toEqual([answer.id]);
    expect(await commentIds(a, fresh.id)).toEqual([first.id, reply.id]);
    await integrityCheck("comments_fts");
    expect((await search(a.token, note)).data).toEqual([]);
    expect((await search(staff.agent.token, note, { type: "comments" })).data.map((d) => d.ticket_id)).toEqual([fresh.id]);

    const history = (await ok(api("GET", `/api/v1/tickets/${ticket.id}/history`, { token: a.token }), 200)).data;
    expect(history.at(-1)).toMatchObject({ type: "split", changes: { split_into: fresh.id } });
  });

  it("refuses comments of another ticket and unknown ids (400), changing nothing", async () => {
    const a = await makeUser("customer");
    const one = await ok(api("POST", "/api/v1/tickets", { token: a.token, body: { subject: "One", description: "1" } }));
    const two = await ok(api("POST", "/api/v1/tickets", { token: a.token, body: { subject: "Two", description: "2" } }));
    const mine = await comment(a, one.id, "mine");
    const theirs = await comment(a, two.id, "theirs");
    for (const ids of [[mine.id, theirs.id], ["no-such-comment"], []]) {
      expectProblem(await split(staff.agent, one.id, { comment_ids: ids }), 400, "VALIDATION_ERROR");
    }
    expectProblem(await split(a, one.id, { comment_ids: [mine.id] }), 403, "FORBIDDEN");
    expect(await commentIds(staff.agent, one.id)).toEqual([mine.id]);
    expect((await ok(api("GET", `/api/v1/tickets/${one.id}`, { token: a.token }), 200)).version).toBe(one.version);
    expect((await ok(api("GET", "/api/v1/tickets", { token: a.token }), 200)).data).toHaveLength(2);
  });

  it("honours Idempotency-Key; only internal notes give a neutral description; a merged ticket cannot be split", async () => {
    const a = await makeUser("customer");
    const ticket = await ok(api("POST", "/api/v1/tickets", { token: a.token, body: { subject: "Mixed", description: "x" } }));
    const secret = word("sx");
    const note = await comment(staff.agent, ticket.id, `internal ${secret}`, true);
    const key = { "idempotency-key": `split-${ticket.id}` };
    const first = await split(staff.agent, ticket.id, { comment_ids: [note.id] }, key);
    const again = await split(staff.agent, ticket.id, { comment_ids: [note.id] }, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(first.body.description).toBe(`Split from ${ticket.number}`);
    expect(JSON.stringify(await ok(api("GET", `/api/v1/tickets/${first.body.id}`, { token: a.token }), 200))).not.toContain(secret);

    const other = await ok(api("POST", "/api/v1/tickets", { token: a.token, body: { subject: "Other", description: "y" } }));
    const c = await comment(a, ticket.id, "hello");
    await ok(api("POST", `/api/v1/tickets/${ticket.id}/merge`, { token: staff.agent.token, body: { into: other.id } }), 200);
    expectProblem(await split(staff.agent, ticket.id, { comment_ids: [c.id] }), 422, "INVALID_TRANSITION");
  });

  it("a mail reply to a split comment's message threads into the new ticket", async () => {
    const { env: testEnv } = mailEnv();
    const from = `splitter-${Date.now()}@customer.example.net`;
    const firstId = uniqueId("first");
    await deliver(rawMail({ from, messageId: firstId, subject: "Two questions" }), { from }, testEnv);
    const [row] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, firstId));
    const ticketId = row!.ticketId!;
    await runOutbox([`ack-${ticketId}`], testEnv);
    const [ack] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, `ack-${ticketId}`));
    const secondId = uniqueId("second");
    await deliver(rawMail({ from, messageId: secondId, inReplyTo: ack!.messageId!, subject: "Re: Two questions", body: "And my invoice is wrong" }), { from }, testEnv);
    const [second] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, secondId));
    expect(second).toMatchObject({ status: "commented", ticketId });

    const fresh = await ok(split(staff.agent, ticketId, { comment_ids: [second!.commentId!], subject: "Invoice" }));
    expect(fresh.description).toBe("And my invoice is wrong");
    const thirdId = uniqueId("third");
    await deliver(rawMail({ from, messageId: thirdId, inReplyTo: secondId, subject: "Re: Two questions", body: "It says 300 instead of 30" }), { from }, testEnv);
    const [third] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, thirdId));
    expect(third).toMatchObject({ status: "commented", ticketId: fresh.id });
    // The first thread still leads to the old ticket.
    const fourthId = uniqueId("fourth");
    await deliver(rawMail({ from, messageId: fourthId, inReplyTo: firstId, subject: "Re: Two questions", body: "Printer?" }), { from }, testEnv);
    const [fourth] = await db().select().from(inboundMessages).where(eq(inboundMessages.messageId, fourthId));
    expect(fourth).toMatchObject({ status: "commented", ticketId });
  });
});
