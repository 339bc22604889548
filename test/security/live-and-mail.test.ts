import { eq, inArray } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { outboundMessages } from "../../src/db/schema";
import { outboundRawKey } from "../../src/email/outbound";
import { parseInbound } from "../../src/email/parse";
import { api, db, makeStaff } from "../helpers";
import { closeAll, FEED_PATH, open, roomPath, sleep } from "../helpers/sockets";
import { deliver, mailEnv, r2Text, rawMail, runOutbox, uniqueId } from "../email/mail-helpers";
import { canaryWord, leaked } from "./support";

/**
 * The paths by which ticket data leaves without a request for it: the live sockets of a ticket
 * room and the mail to requesters. A busy stretch of a helpdesk's life happens on two tickets
 * (internal notes, internal typing, an escalation, an auto-assignment, public replies, a status
 * change, a Cc'd address); then every socket message and every mail is searched for what its
 * receiver may not know.
 */
afterAll(closeAll);

const s = await makeStaff();
const { customer: a, customer2: b, agent, agent2, manager } = s;
const secret = { note: canaryWord("ln"), escalation: canaryWord("le"), bText: canaryWord("lb"), bNote: canaryWord("lm") };
const ok = async (res: Promise<{ status: number; body: any }>, status = 201) => {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
};

// A's ticket arrives by mail with a colleague in Cc (a participant); B's by the web.
const { env: mailTestEnv } = mailEnv();
const firstId = uniqueId("first");
const cc = `colleague-${canaryWord("c")}@customer.example.net`;
await deliver(rawMail({ from: a.email, cc: [cc], messageId: firstId, subject: "Printer on fire", body: "It smokes." }), { from: a.email }, mailTestEnv);
const [mine] = (await api("GET", "/api/v1/tickets", { token: a.token })).body.data;
const ta = mine as { id: string; number: string };
const tb = await ok(api("POST", "/api/v1/tickets", { token: b.token, body: { subject: `B ${secret.bText}`, description: secret.bText } }));
const team = await ok(api("POST", "/api/v1/teams", { token: manager.token, body: { name: canaryWord("team"), members: [agent.id, agent2.id], strategy: "least_loaded" } }));

describe("live sockets and mail after a busy stretch", () => {
  it("a customer's socket gets the public life of their ticket only; staff get everything; every mail goes to the requester alone and carries nothing internal", async () => {
    const feed = await open(FEED_PATH, agent.token); // routing sees the agent online
    const feed2 = await open(FEED_PATH, agent2.token);
    const roomA = await open(roomPath(ta.id), a.token);
    const roomB = await open(roomPath(tb.id), b.token);
    const staffRoom = await open(roomPath(ta.id), agent.token);
    await roomA.presence([a.id, agent.id]);

    // Internal life of A's ticket.
    staffRoom.send({ type: "typing", is_typing: true, internal: true });
    await staffRoom.none("error");
    const note = await ok(api("POST", `/api/v1/tickets/${ta.id}/comments`, { token: agent.token, body: { body: `Note: ${secret.note}`, internal: true } }));
    staffRoom.send({ type: "typing", is_typing: false });
    await ok(api("POST", `/api/v1/tickets/${ta.id}/escalate`, { token: manager.token, body: { reason: secret.escalation, to_user_id: agent2.id } }), 200);
    await ok(api("PATCH", `/api/v1/tickets/${ta.id}`, { token: manager.token, body: { team_id: team.id } }), 200);
    const routed = await ok(api("POST", `/api/v1/tickets/${ta.id}/assign`, { token: manager.token, body: { strategy: "auto" } }), 200);
    // B's ticket: B's words, a note, a reply.
    await ok(api("POST", `/api/v1/tickets/${tb.id}/comments`, { token: b.token, body: { body: `B again ${secret.bText}` } }));
    await ok(api("POST", `/api/v1/tickets/${tb.id}/comments`, { token: agent.token, body: { body: `B note ${secret.bNote}`, internal: true } }));
    const replyB = await ok(api("POST", `/api/v1/tickets/${tb.id}/comments`, { token: agent.token, body: { body: "Reply to B" } }));
    // The public life of A's ticket, which A must see.
    const replyA = await ok(api("POST", `/api/v1/tickets/${ta.id}/comments`, { token: agent.token, body: { body: "Please unplug it" } }));
    const resolved = await ok(api("PATCH", `/api/v1/tickets/${ta.id}`, { token: agent2.token, body: { status: "resolved" } }), 200);

    // Controls: the public events reached A, the internal ones reached staff.
    await roomA.next("comment.created", (m) => m.comment.id === replyA.id);
    await roomA.next("ticket.updated", (m) => m.version === resolved.version);
    await roomB.next("comment.created", (m) => m.comment.id === replyB.id);
    await staffRoom.next("comment.created", (m) => m.comment.id === note.id);
    await staffRoom.next("ticket.updated", (m) => m.version === routed.version);
    await sleep(300);

    const forA = [secret.note, secret.escalation, secret.bText, secret.bNote, tb.id, b.email];
    expect(leaked(roomA.log, forA)).toEqual([]);
    expect(roomA.log.filter((m) => m.internal === true || m.comment?.internal === true || m.type === "collision")).toEqual([]);
    // The escalation and the auto-assignment are internal changes: A sees neither their versions nor their assignees.
    const seenVersions = roomA.log.filter((m) => m.type === "ticket.updated").map((m) => m.version);
    expect(seenVersions).not.toContain(routed.version);
    expect(roomA.log.filter((m) => m.type === "ticket.assigned")).toEqual([]);
    // Internal typing shows to A as viewing, never as typing.
    expect(roomA.log.filter((m) => m.type === "presence").flatMap((m) => m.users).filter((u: { state: string }) => u.state === "typing")).toEqual([]);
    expect(leaked(roomB.log, [secret.note, secret.escalation, secret.bNote, ta.id, a.email, cc])).toEqual([]);
    expect(leaked(staffRoom.log, [secret.note])).toEqual([secret.note]);
    feed.close();
    feed2.close();

    // Mail: the rows of both tickets, then the messages as sent.
    const rows = await db().select().from(outboundMessages).where(inArray(outboundMessages.ticketId, [ta.id, tb.id]));
    expect(rows.map((r) => r.kind).sort()).toEqual(["reply", "reply", "ticket_created", "ticket_resolved"]);
    for (const row of rows) {
      expect(row.toAddress, row.id).toBe(row.ticketId === ta.id ? a.email : b.email);
      expect(leaked(row.data, [secret.note, secret.escalation, secret.bNote])).toEqual([]);
    }
    await runOutbox(rows.map((r) => r.id), mailTestEnv);
    for (const row of rows) {
      const raw = await r2Text(outboundRawKey(row.id));
      expect(raw, row.id).toBeTruthy();
      const parsed = await parseInbound(raw!);
      expect(parsed.to.map((t) => t.address)).toEqual([row.toAddress]);
      expect(parsed.cc).toEqual([]);
      expect(raw!.toLowerCase()).not.toMatch(/^bcc:/m);
      const other = row.ticketId === ta.id ? [secret.bText, b.email, tb.number] : [ta.number, a.email, cc];
      expect(leaked(`${parsed.subject}\n${parsed.text}\n${parsed.html}`, [secret.note, secret.escalation, secret.bNote, cc, ...other])).toEqual([]);
    }
    // The Cc'd colleague is a participant who may answer by mail, but is sent nothing.
    expect((await db().select().from(outboundMessages).where(eq(outboundMessages.toAddress, cc))).length).toBe(0);
  }, 120_000);
});
