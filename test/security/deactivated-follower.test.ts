/**
 * A merge keeps the source's requester in the loop: they follow the target's staff replies by mail
 * (API.md "Merge"). Deactivated later (DELETE /users/{id}: "can no longer log in"), that account is
 * done with the helpdesk: the other customer's ticket is not mailed to its address any more.
 */
import { describe, expect, it } from "vitest";
import { makeStaff, makeUser } from "../helpers";
import { canary, leakEnv, mailsTo } from "./leak-support";

const s = await makeStaff();

describe("a merged ticket's requester, deactivated", () => {
  it("no longer receives the target's staff replies; the target's requester still does", async () => {
    const t = leakEnv();
    const a = await makeUser("customer");
    const b = await makeUser("customer");
    const before = canary("before");
    const after = canary("after");
    const source = await t.call("POST", "/api/v1/tickets", { token: a.token, body: { subject: "Same order?", description: "Mine is broken." } });
    const target = await t.call("POST", "/api/v1/tickets", { token: b.token, body: { subject: "Order 77", description: "Broken too." } });
    expect((await t.call("POST", `/api/v1/tickets/${source.body.id}/merge`, { token: s.agent.token, body: { into: target.body.id, confirm_requesters: true } })).status).toBe(200);
    expect((await t.call("POST", `/api/v1/tickets/${target.body.id}/comments`, { token: s.agent.token, body: { body: `Replacement on its way ${before}` } })).status).toBe(201);
    await t.drain();
    // The control: while active, the follower gets the reply.
    expect((await mailsTo(t, a.email)).map((m) => m.content).join("\n")).toContain(before);

    expect((await t.call("DELETE", `/api/v1/users/${a.id}`, { token: s.admin.token })).status).toBe(204);
    expect((await t.call("POST", `/api/v1/tickets/${target.body.id}/comments`, { token: s.agent.token, body: { body: `Tracking for B: ${after}` } })).status).toBe(201);
    await t.drain();
    expect((await mailsTo(t, a.email)).map((m) => m.content).join("\n")).not.toContain(after);
    expect((await mailsTo(t, b.email)).map((m) => m.content).join("\n")).toContain(after);
  });
});
