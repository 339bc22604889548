/**
 * Merge and split move conversations between tickets and customers: what only staff may know stays
 * with staff by every way out (the customers' REST reads and search, their mail, webhooks without
 * include_internal), while the public words do travel (the probe sees).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { makeStaff, makeUser, type TestUser } from "../helpers";
import { canary, leakEnv, mailsTo, webhookTo, type LeakEnv } from "./leak-support";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

async function ok(res: Promise<{ status: number; body: any }>, status = 201) {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

/** Everything a customer can read through the API about these tickets, as one text. */
async function customerReads(t: LeakEnv, user: TestUser, ids: string[], words: string[]) {
  const parts: unknown[] = [(await t.call("GET", "/api/v1/tickets?limit=100", { token: user.token })).body];
  for (const id of ids) {
    for (const path of [`/api/v1/tickets/${id}`, `/api/v1/tickets/${id}/comments?limit=100`, `/api/v1/tickets/${id}/history?limit=100`, `/api/v1/tickets/${id}/attachments`]) {
      parts.push((await t.call("GET", path, { token: user.token })).body);
    }
  }
  for (const w of words) parts.push((await t.call("GET", `/api/v1/search?q=${encodeURIComponent(w)}`, { token: user.token })).body);
  return JSON.stringify(parts);
}

describe("merge and split keep internal words with staff", () => {
  it("notes of both tickets and the merge's internal comment: in no customer's reads, mail or public webhook; public words travel", async () => {
    const t = leakEnv();
    const [x, y] = await Promise.all([makeUser("customer"), makeUser("customer")]);
    const open = await webhookTo(t, s.admin, false);
    const internal = await webhookTo(t, s.admin, true);
    const w = { sourceNote: canary("sn"), targetNote: canary("tn"), mergeNote: canary("mn"), splitNote: canary("spn"), xSays: canary("xs"), staffSays: canary("ss") };

    const source = await ok(t.call("POST", "/api/v1/tickets", { token: x.token, body: { subject: "Printer smoking", description: `X writes ${w.xSays}` } }));
    const target = await ok(t.call("POST", "/api/v1/tickets", { token: y.token, body: { subject: "Printer on fire", description: "Y writes" } }));
    await ok(t.call("POST", `/api/v1/tickets/${source.id}/comments`, { token: s.agent.token, body: { body: `Known fraudster ${w.sourceNote}`, internal: true } }));
    await ok(t.call("POST", `/api/v1/tickets/${target.id}/comments`, { token: s.agent.token, body: { body: `VIP, handle gently ${w.targetNote}`, internal: true } }));
    await ok(t.call("POST", `/api/v1/tickets/${source.id}/merge`, { token: s.agent.token, body: { into: target.id, confirm_requesters: true, comment: { body: `Merged, see ${w.mergeNote}`, internal: true } } }), 200);
    await ok(t.call("POST", `/api/v1/tickets/${target.id}/comments`, { token: s.agent.token, body: { body: `Both of you: ${w.staffSays}`, internal: false } }));

    // Split the note and a public reply out of the target: a new ticket of Y.
    const comments = (await ok(t.call("GET", `/api/v1/tickets/${target.id}/comments?limit=100`, { token: s.agent.token }), 200)).data as { id: string; body: string }[];
    const noteOf = (word: string) => comments.find((c) => c.body.includes(word))!.id;
    const split = await ok(t.call("POST", `/api/v1/tickets/${target.id}/split`, { token: s.agent.token, body: { comment_ids: [noteOf(w.targetNote), noteOf(w.staffSays)] } }));
    await ok(t.call("POST", `/api/v1/tickets/${split.id}/comments`, { token: s.agent.token, body: { body: `After the split ${w.splitNote}`, internal: true } }));
    await t.drain();

    const notes = [w.sourceNote, w.targetNote, w.mergeNote, w.splitNote];
    const ids = [source.id, target.id, split.id];
    const xReads = await customerReads(t, x, ids, notes);
    const yReads = await customerReads(t, y, ids, notes);
    expect(xReads).toContain(w.xSays);
    expect(yReads).toContain(w.staffSays);
    const mail = [...(await mailsTo(t, x.email)), ...(await mailsTo(t, y.email))].map((m) => m.content).join("\n");
    expect(mail).toContain(w.staffSays);
    const openBodies = (await open.bodies()).join("\n");
    expect(openBodies).toContain(w.staffSays);
    const internalBodies = (await internal.bodies()).join("\n");
    expect(internalBodies).toContain(w.mergeNote);
    for (const note of notes) {
      expect(xReads, note).not.toContain(note);
      expect(yReads, note).not.toContain(note);
      expect(mail, note).not.toContain(note);
      expect(openBodies, note).not.toContain(note);
    }
  });
});
