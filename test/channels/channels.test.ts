import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assumed } from "../../src/db/batch-assumptions";
import { channelIdentities, channels, outboundMessages, tickets, users, webhookDeliveries } from "../../src/db/schema";
import { attachmentKey } from "../../src/features/attachments/attachments.service";
import { db, expectProblem, makeStaff } from "../helpers";
import { call, deliveryRow, drain, hookEnv, makeDue, receiverEndpoint, runQueue, type ReceivedDelivery } from "../webhooks/support";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
afterEach(async () => {
  await db().update(channels).set({ active: false });
});

type TestEnv = ReturnType<typeof hookEnv>["env"];
let seq = 0;
const unique = (p: string) => `${p}-${Date.now()}-${++seq}`;

async function newChannel(t: TestEnv, body: Record<string, unknown> = {}) {
  const res = await call(t, "POST", "/api/v1/channels", { token: s.admin.token, body: { kind: "phone", name: "Phone line", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; secret: string; kind: string; inbound_url: string };
}

/** A channel's call, signed by the official standardwebhooks package (as an integrator would sign it). */
function signed(secret: string, body: unknown, opts: { id?: string; at?: Date } = {}) {
  const raw = JSON.stringify(body);
  const id = opts.id ?? `msg_${unique("in")}`;
  const at = opts.at ?? new Date();
  const signature = new Webhook(secret).sign(id, at, raw);
  return { raw, headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": signature } };
}

async function post(t: TestEnv, channelId: string, call_: { raw: string; headers: Record<string, string> }) {
  return call(t, "POST", `/api/v1/channels/${channelId}/inbound`, { raw: call_.raw, headers: call_.headers });
}

const message = (over: Record<string, unknown> = {}) => ({
  external_id: unique("m"),
  thread_id: unique("thread"),
  from: { external_id: "+4930123456", name: "Casey Caller", phone: "+4930123456" },
  text: "My printer is on fire\nPlease call back.",
  ...over,
});

const headersOf = (r: ReceivedDelivery) => ({ "webhook-id": r.id, "webhook-timestamp": r.timestamp, "webhook-signature": r.signature });

describe("channel administration", () => {
  it("admins create channels and see the secret once; nobody else may", async () => {
    const t = hookEnv().env;
    for (const who of [s.customer, s.agent, s.manager]) {
      expectProblem(await call(t, "POST", "/api/v1/channels", { token: who.token, body: { kind: "phone", name: "x" } }), 403, "FORBIDDEN");
    }
    const ch = await newChannel(t, { kind: "social", name: "Instagram" });
    expect(ch).toMatchObject({ kind: "social", name: "Instagram", outbound_url: null, active: true, inbound_url: `/api/v1/channels/${ch.id}/inbound` });
    expect(ch.secret).toMatch(/^whsec_/);
    const read = await call(t, "GET", `/api/v1/channels/${ch.id}`, { token: s.admin.token });
    expect(read.body).not.toHaveProperty("secret");
    const [row] = await db().select().from(channels).where(eq(channels.id, ch.id));
    expect(row!.secret).not.toContain(ch.secret.slice(6, 30));
    expectProblem(await call(t, "POST", "/api/v1/channels", { token: s.admin.token, body: { kind: "fax", name: "x" } }), 400, "VALIDATION_ERROR");
    expectProblem(await call(t, "POST", "/api/v1/channels", { token: s.admin.token, body: { kind: "api", name: "x", outbound_url: "https://169.254.169.254/" } }), 400, "VALIDATION_ERROR");
    const list = await call(t, "GET", "/api/v1/channels", { token: s.admin.token });
    expect(list.body.data.map((c: any) => c.id)).toContain(ch.id);
  });
});

describe("inbound messages (signed like our webhooks)", () => {
  it("a new thread opens a ticket on the channel for a customer keyed by channel and sender, with its files in R2", async () => {
    const t = hookEnv().env;
    const ch = await newChannel(t);
    const file = "receipt bytes ✓";
    const msg = message({ attachments: [{ filename: "receipt.txt", content_type: "text/plain", content_base64: btoa(String.fromCharCode(...new TextEncoder().encode(file))) }] });
    const res = await post(t, ch.id, signed(ch.secret, msg));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: "ticket_created", comment_id: null });
    const ticket = (await call(t, "GET", `/api/v1/tickets/${res.body.ticket_id}`, { token: s.agent.token })).body;
    expect(ticket).toMatchObject({ subject: "My printer is on fire", description: msg.text, channel: "phone", status: "open", requester: { name: "Casey Caller" } });
    expect(ticket.requester.email).toMatch(/\.channel\.invalid$/);
    const files = (await call(t, "GET", `/api/v1/tickets/${ticket.id}/attachments`, { token: s.agent.token })).body.data;
    expect(files).toEqual([expect.objectContaining({ filename: "receipt.txt", content_type: "text/plain", size: new TextEncoder().encode(file).byteLength, comment_id: null })]);
    expect(await (await env.ATTACHMENTS.get(attachmentKey(files[0].sha256)))!.text()).toBe(file);
    const [identity] = await db().select().from(channelIdentities).where(and(eq(channelIdentities.channelId, ch.id), eq(channelIdentities.externalId, "+4930123456")));
    expect(identity).toMatchObject({ userId: ticket.requester.id, name: "Casey Caller", phone: "+4930123456" });
  });

  it("bad or missing signatures, old or future timestamps, unknown or deleted channels: 401, nothing created", async () => {
    const t = hookEnv().env;
    const ch = await newChannel(t);
    const other = await newChannel(t);
    const before = (await db().select().from(tickets)).length;
    const good = signed(ch.secret, message());
    const cases: [string, { raw: string; headers: Record<string, string> }, string?][] = [
      ["another channel's secret", signed(other.secret, message())],
      ["no signature", { raw: good.raw, headers: { ...good.headers, "webhook-signature": "" } }],
      ["no id", { raw: good.raw, headers: { ...good.headers, "webhook-id": "" } }],
      ["no timestamp", { raw: good.raw, headers: { ...good.headers, "webhook-timestamp": "" } }],
      ["a tampered body", { raw: good.raw.replace("fire", "ice!"), headers: good.headers }],
      ["a changed id", { raw: good.raw, headers: { ...good.headers, "webhook-id": "msg_other" } }],
      ["a signature 6 minutes old", signed(ch.secret, message(), { at: new Date(Date.now() - 6 * 60_000) })],
      ["a signature 6 minutes ahead", signed(ch.secret, message(), { at: new Date(Date.now() + 6 * 60_000) })],
      ["garbage in the header", { raw: good.raw, headers: { ...good.headers, "webhook-signature": "v1,%%%" } }],
      ["an unknown channel", good, "nope"],
    ];
    for (const [label, c, id] of cases) {
      const res = await post(t, id ?? ch.id, c);
      expect(res.status, label).toBe(401);
      expect(res.body.code, label).toBe("UNAUTHORIZED");
    }
    // A bearer token is no substitute for the signature.
    expectProblem(await call(t, "POST", `/api/v1/channels/${ch.id}/inbound`, { token: s.admin.token, body: message() }), 401, "UNAUTHORIZED");
    expect((await call(t, "DELETE", `/api/v1/channels/${other.id}`, { token: s.admin.token })).status).toBe(204);
    expectProblem(await post(t, other.id, signed(other.secret, message())), 401, "UNAUTHORIZED");
    expect((await db().select().from(tickets)).length).toBe(before);
  });

  it("a replayed call and the same external_id again are processed once", async () => {
    const t = hookEnv().env;
    const ch = await newChannel(t);
    const msg = message();
    const first = signed(ch.secret, msg);
    const a = await post(t, ch.id, first);
    expect(a.status).toBe(201);
    const replay = await post(t, ch.id, first);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ status: "duplicate", ticket_id: a.body.ticket_id, comment_id: null });
    // Re-sent by the channel later (a new webhook-id and time), even with other text: still once.
    const resent = await post(t, ch.id, signed(ch.secret, { ...msg, text: "again" }));
    expect(resent.body).toEqual({ status: "duplicate", ticket_id: a.body.ticket_id, comment_id: null });
    // Both at once: one ticket.
    const twin = message({ text: unique("twins") });
    const [x, y] = await Promise.all([post(t, ch.id, signed(ch.secret, twin)), post(t, ch.id, signed(ch.secret, twin))]);
    expect([x.status, y.status].sort()).toEqual([200, 201]);
    expect(x.body.ticket_id).toBe(y.body.ticket_id);
    const ofThread = await db().select().from(tickets).where(eq(tickets.description, twin.text));
    expect(ofThread).toHaveLength(1);
  });

  it("a known thread continues its ticket as public comments (reopening a pending one); another person on the thread too; a closed ticket's thread opens a new one", async () => {
    const t = hookEnv().env;
    const ch = await newChannel(t);
    const thread = unique("thread");
    const opened = await post(t, ch.id, signed(ch.secret, message({ thread_id: thread })));
    const ticketId = opened.body.ticket_id;
    expect((await call(t, "PATCH", `/api/v1/tickets/${ticketId}`, { token: s.agent.token, body: { status: "pending" } })).status).toBe(200);
    const next = await post(t, ch.id, signed(ch.secret, message({ thread_id: thread, text: "Still burning" })));
    expect(next.status).toBe(201);
    expect(next.body).toMatchObject({ status: "commented", ticket_id: ticketId });
    const comments = (await call(t, "GET", `/api/v1/tickets/${ticketId}/comments`, { token: s.agent.token })).body.data;
    expect(comments.at(-1)).toMatchObject({ id: next.body.comment_id, body: "Still burning", internal: false, channel: "phone", author: { role: "customer", name: "Casey Caller" } });
    expect((await call(t, "GET", `/api/v1/tickets/${ticketId}`, { token: s.agent.token })).body.status).toBe("open");

    const colleague = await post(t, ch.id, signed(ch.secret, message({ thread_id: thread, from: { external_id: "colleague-7", name: "Robin Colleague" }, text: "Me too" })));
    expect(colleague.body).toMatchObject({ status: "commented", ticket_id: ticketId });
    const last = (await call(t, "GET", `/api/v1/tickets/${ticketId}/comments`, { token: s.agent.token })).body.data.at(-1);
    expect(last.author.name).toBe("Robin Colleague");

    for (const status of ["resolved", "closed"]) expect((await call(t, "PATCH", `/api/v1/tickets/${ticketId}`, { token: s.agent.token, body: { status } })).status).toBe(200);
    const after = await post(t, ch.id, signed(ch.secret, message({ thread_id: thread, text: "It is back" })));
    expect(after.body.status).toBe("ticket_created");
    expect(after.body.ticket_id).not.toBe(ticketId);
    const again = await post(t, ch.id, signed(ch.secret, message({ thread_id: thread, text: "and again" })));
    expect(again.body).toMatchObject({ status: "commented", ticket_id: after.body.ticket_id });
  });

  it("an email the channel reports never attaches the message to that address's account", async () => {
    const t = hookEnv().env;
    const ch = await newChannel(t, { kind: "social" });
    const res = await post(t, ch.id, signed(ch.secret, message({ from: { external_id: "ig-mallory", name: "Mallory", email: s.customer.email.toUpperCase() } })));
    expect(res.status).toBe(201);
    const ticket = (await call(t, "GET", `/api/v1/tickets/${res.body.ticket_id}`, { token: s.agent.token })).body;
    expect(ticket.requester.id).not.toBe(s.customer.id);
    expect(ticket.requester.email).not.toBe(s.customer.email);
    // The real owner of the address does not see it, and no mail goes to them.
    expectProblem(await call(t, "GET", `/api/v1/tickets/${ticket.id}`, { token: s.customer.token }), 404, "NOT_FOUND");
    expect((await call(t, "GET", "/api/v1/tickets", { token: s.customer.token })).body.data.map((x: any) => x.id)).not.toContain(ticket.id);
    const [identity] = await db().select().from(channelIdentities).where(eq(channelIdentities.userId, ticket.requester.id));
    expect(identity!.email).toBe(s.customer.email);
    const reply = await call(t, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token: s.agent.token, body: { body: "Hello" } });
    expect(reply.status).toBe(201);
    expect(await db().select().from(outboundMessages).where(eq(outboundMessages.ticketId, ticket.id))).toEqual([]);
    const [account] = await db().select().from(users).where(eq(users.id, ticket.requester.id));
    expect(account).toMatchObject({ role: "customer", passwordHash: null });
  });

  it("bad bodies: 400 naming the field; files over the cap or bodies over the limit: 413; nothing created", async () => {
    const t = hookEnv({ MAX_ATTACHMENT_BYTES: "100" }).env;
    const ch = await newChannel(t);
    const before = (await db().select().from(tickets)).length;
    for (const [body, field] of [
      [message({ text: "", attachments: [] }), "text"],
      [message({ external_id: "" }), "external_id"],
      [message({ thread_id: "has space" }), "thread_id"],
      [message({ from: { external_id: "x" } }), "from.name"],
      [message({ from: { external_id: "x", name: "n", email: "not-an-email" } }), "from.email"],
      [message({ attachments: [{ filename: "a", content_base64: "***" }] }), "attachments.0.content_base64"],
      [message({ attachments: Array.from({ length: 11 }, () => ({ filename: "a", content_base64: "YQ==" })) }), "attachments"],
      [message({ role: "admin" }), "_"],
    ] as const) {
      const res = await post(t, ch.id, signed(ch.secret, body));
      expectProblem(res, 400, "VALIDATION_ERROR");
      expect(Object.keys(res.body.errors), JSON.stringify(body).slice(0, 80)).toContain(field);
    }
    expectProblem(await post(t, ch.id, signed(ch.secret, message({ attachments: [{ filename: "big.bin", content_base64: btoa("x".repeat(200)) }] }))), 413, "PAYLOAD_TOO_LARGE");
    const huge = signed(ch.secret, message({ text: "x".repeat(16 * 1024 * 1024) }));
    expectProblem(await post(t, ch.id, huge), 413, "PAYLOAD_TOO_LARGE");
    expectProblem(await call(t, "POST", `/api/v1/channels/${ch.id}/inbound`, { raw: "{", headers: signed(ch.secret, {}).headers }), 401, "UNAUTHORIZED");
    expect((await db().select().from(tickets)).length).toBe(before);
  });
});

describe("staff replies back to the channel", () => {
  it("a staff public reply is delivered to outbound_url signed with the channel's secret, retried with one webhook-id; internal notes and the customer's own words never go", async () => {
    const h = hookEnv();
    const t = h.env;
    const receiver = receiverEndpoint("channel");
    const ch = await newChannel(t, { kind: "social", name: "Social inbox", outbound_url: receiver.url });
    await receiver.control({ secrets: [ch.secret], statuses: [500] });
    const thread = unique("thread");
    const opened = await post(t, ch.id, signed(ch.secret, message({ thread_id: thread, from: { external_id: "ig-42", name: "Casey" } })));
    const ticketId = opened.body.ticket_id;
    await post(t, ch.id, signed(ch.secret, message({ thread_id: thread, from: { external_id: "ig-42", name: "Casey" }, text: "more" })));
    await call(t, "POST", `/api/v1/tickets/${ticketId}/comments`, { token: s.agent.token, body: { body: "Internal: VIP qzxsecret", internal: true } });
    const reply = await call(t, "POST", `/api/v1/tickets/${ticketId}/comments`, { token: s.agent.token, body: { body: "We are sending a technician." } });
    expect(reply.status).toBe(201);
    // The reply's event row was the channel's, not a subscription's: this isolate still writes
    // without the webhook outbox's inserts while no webhook subscribes (db/batch-assumptions.ts).
    expect(assumed("webhooks")).toBe(true);

    const rows = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.channelId, ch.id));
    expect(rows).toHaveLength(1);
    const [id] = rows.map((r) => r.id);
    expect(h.enqueued).toContain(id);
    const first = await runQueue([id!], t);
    expect(first.delays).toEqual([60]);
    await makeDue(id!);
    await runQueue([id!], t);
    expect(await deliveryRow(id!)).toMatchObject({ status: "delivered", attempts: 2 });

    const got = await receiver.received();
    expect(got.map((r) => [r.id, r.status])).toEqual([[id, 500], [id, 200]]);
    const payload = new Webhook(ch.secret).verify(got[1]!.body, headersOf(got[1]!)) as any;
    expect(payload).toMatchObject({
      type: "message.created",
      data: { channel_id: ch.id, thread_id: thread, ticket: { id: ticketId }, to: { external_id: "ig-42", name: "Casey" }, message: { id: reply.body.id, text: "We are sending a technician.", author: { name: s.agent.name, role: "agent" } } },
    });
    expect(got.map((r) => r.body).join()).not.toContain("qzxsecret");
    expect(got.map((r) => r.body).join()).not.toContain("more");

    const log = await call(t, "GET", `/api/v1/channels/${ch.id}/deliveries`, { token: s.admin.token });
    expect(log.body.data).toEqual([expect.objectContaining({ id, type: "comment.created", status: "delivered", attempts: 2 })]);
    const one = await call(t, "GET", `/api/v1/channels/${ch.id}/deliveries/${id}`, { token: s.admin.token });
    expect(one.body.payload).toEqual(payload);
    expect((await call(t, "POST", `/api/v1/channels/${ch.id}/deliveries/${id}/redeliver`, { token: s.admin.token })).status).toBe(202);
    await drain(h.enqueued.slice(-1), t);
    expect((await receiver.received()).map((r) => r.id)).toEqual([id, id, id]);
  });

  it("a merged ticket's thread continues the target: its next message lands there and the target's replies go back to it", async () => {
    const h = hookEnv();
    const t = h.env;
    const receiver = receiverEndpoint("merged");
    const ch = await newChannel(t, { kind: "social", name: "Social inbox", outbound_url: receiver.url });
    await receiver.control({ secrets: [ch.secret] });
    const caller = { external_id: unique("ig"), name: "Casey" };
    const [first, second] = [unique("thread"), unique("thread")];
    const source = (await post(t, ch.id, signed(ch.secret, message({ thread_id: first, from: caller, text: "Order 17 is late" })))).body.ticket_id;
    const target = (await post(t, ch.id, signed(ch.secret, message({ thread_id: second, from: caller, text: "Where is order 17?" })))).body.ticket_id;
    const merged = await call(t, "POST", `/api/v1/tickets/${source}/merge`, { token: s.agent.token, body: { into: target } });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);

    // The first thread speaks again: a comment on the target, not a new ticket.
    const next = await post(t, ch.id, signed(ch.secret, message({ thread_id: first, from: caller, text: "Any news?" })));
    expect(next.body).toMatchObject({ status: "commented", ticket_id: target });
    const last = (await call(t, "GET", `/api/v1/tickets/${target}/comments`, { token: s.agent.token })).body.data.at(-1);
    expect(last).toMatchObject({ id: next.body.comment_id, body: "Any news?", author: { name: "Casey", role: "customer" } });

    // The target's staff reply goes back on both threads, once each.
    const reply = await call(t, "POST", `/api/v1/tickets/${target}/comments`, { token: s.agent.token, body: { body: "It ships today." } });
    expect(reply.status).toBe(201);
    const rows = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.channelId, ch.id));
    expect(rows.map((r) => r.threadId).sort()).toEqual([first, second].sort());
    await drain(h.enqueued, t);
    const got = await receiver.received();
    const payloads = got.map((r) => new Webhook(ch.secret).verify(r.body, headersOf(r)) as any);
    expect(payloads.map((p) => p.data.thread_id).sort()).toEqual([first, second].sort());
    for (const p of payloads) expect(p.data).toMatchObject({ ticket: { id: target }, to: caller, message: { text: "It ships today." } });
  });

  it("merged tickets of two customers: a staff reply reaches each in their own thread, signed, retried, never twice", async () => {
    const h = hookEnv();
    const t = h.env;
    const receiver = receiverEndpoint("merged-two");
    const ch = await newChannel(t, { kind: "social", name: "Two customers", outbound_url: receiver.url });
    await receiver.control({ secrets: [ch.secret] });
    const ann = { external_id: unique("ig"), name: "Ann" };
    const bob = { external_id: unique("ig"), name: "Bob" };
    const [annThread, bobThread, thirdThread] = [unique("thread"), unique("thread"), unique("thread")];
    const duplicate = (await post(t, ch.id, signed(ch.secret, message({ thread_id: annThread, from: ann, text: "The office printer is down" })))).body.ticket_id;
    const surviving = (await post(t, ch.id, signed(ch.secret, message({ thread_id: bobThread, from: bob, text: "Printer on floor 2 broken" })))).body.ticket_id;
    // Different requesters: the agent confirms (API.md "Merge").
    expect((await call(t, "POST", `/api/v1/tickets/${duplicate}/merge`, { token: s.agent.token, body: { into: surviving } })).status).toBe(409);
    expect((await call(t, "POST", `/api/v1/tickets/${duplicate}/merge`, { token: s.agent.token, body: { into: surviving, confirm_requesters: true } })).status).toBe(200);
    // Bob writes last, then a third ticket of his (another thread) is merged too.
    await post(t, ch.id, signed(ch.secret, message({ thread_id: bobThread, from: bob, text: "Still broken" })));
    const third = (await post(t, ch.id, signed(ch.secret, message({ thread_id: thirdThread, from: bob, text: "Printer again" })))).body.ticket_id;
    expect((await call(t, "POST", `/api/v1/tickets/${third}/merge`, { token: s.agent.token, body: { into: surviving } })).status).toBe(200);

    // The first answer fails (500): that delivery is retried with its webhook-id.
    await receiver.control({ secrets: [ch.secret], statuses: [500] });
    const reply = await call(t, "POST", `/api/v1/tickets/${surviving}/comments`, { token: s.agent.token, body: { body: "A technician is on the way." } });
    expect(reply.status).toBe(201);
    const note = await call(t, "POST", `/api/v1/tickets/${surviving}/comments`, { token: s.agent.token, body: { body: "internal: call facilities", internal: true } });
    expect(note.status).toBe(201);
    const rows = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.channelId, ch.id));
    expect(rows.map((r) => r.threadId).sort()).toEqual([annThread, bobThread, thirdThread].sort());
    await drain(h.enqueued, t);
    const retrying = (await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.channelId, ch.id))).filter((r) => r.status === "retrying");
    expect(retrying).toHaveLength(1);
    await makeDue(retrying[0]!.id);
    await runQueue([retrying[0]!.id], t);
    await drain(h.enqueued, t);
    const got = await receiver.received();
    expect(got.map((r) => r.status)).toEqual([500, 200, 200, 200]);
    expect(got[0]!.id).toBe(retrying[0]!.id);
    expect(got.filter((r) => r.id === retrying[0]!.id)).toHaveLength(2);
    const delivered = got.filter((r) => r.status === 200);
    expect(new Set(delivered.map((r) => r.id)).size).toBe(3);
    const byThread = Object.fromEntries(delivered.map((r) => new Webhook(ch.secret).verify(r.body, headersOf(r)) as any).map((p) => [p.data.thread_id, p.data]));
    expect(byThread[annThread]).toMatchObject({ ticket: { id: surviving }, to: ann, message: { text: "A technician is on the way." } });
    expect(byThread[bobThread]).toMatchObject({ ticket: { id: surviving }, to: bob, message: { text: "A technician is on the way." } });
    expect(byThread[thirdThread]).toMatchObject({ ticket: { id: surviving }, to: bob });
    expect(got.map((r) => r.body).join()).not.toContain("facilities");
  });

  it("a channel without outbound_url, or switched off, sends nothing; a rotated secret signs beside the new one", async () => {
    const h = hookEnv();
    const t = h.env;
    const quiet = await newChannel(t);
    const opened = await post(t, quiet.id, signed(quiet.secret, message()));
    await call(t, "POST", `/api/v1/tickets/${opened.body.ticket_id}/comments`, { token: s.agent.token, body: { body: "hello" } });
    expect(await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.channelId, quiet.id))).toEqual([]);

    const receiver = receiverEndpoint("rotated");
    const ch = await newChannel(t, { outbound_url: receiver.url });
    const rotated = await call(t, "POST", `/api/v1/channels/${ch.id}/rotate-secret`, { token: s.admin.token });
    const fresh = rotated.body.secret as string;
    // Within 24 h the channel may still sign with the old secret, or already with the new one.
    const a = await post(t, ch.id, signed(ch.secret, message({ thread_id: "t-rot" })));
    expect(a.status).toBe(201);
    expect((await post(t, ch.id, signed(fresh, message({ thread_id: "t-rot" })))).status).toBe(201);
    await call(t, "POST", `/api/v1/tickets/${a.body.ticket_id}/comments`, { token: s.agent.token, body: { body: "hi" } });
    await drain(h.enqueued, t);
    const [got] = await receiver.received();
    expect(got!.signature.split(" ")).toHaveLength(2);
    expect(new Webhook(fresh).verify(got!.body, headersOf(got!))).toBeTruthy();
    expect(new Webhook(ch.secret).verify(got!.body, headersOf(got!))).toBeTruthy();

    expect((await call(t, "PATCH", `/api/v1/channels/${ch.id}`, { token: s.admin.token, body: { active: false } })).body.active).toBe(false);
    expectProblem(await post(t, ch.id, signed(fresh, message())), 401, "UNAUTHORIZED");
  });
});
