import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { api, makeStaff, makeUser, type TestUser } from "../helpers";
import { closeAll, FEED_PATH, open } from "../helpers/sockets";
import { before, bindings, clearRules, makeRule, ok, rowOf, runsOf, settled, word } from "./support";

/**
 * Triggers, macros and bulk changes plan their write on the ticket as read (run-actions.ts
 * applyActions) and render it with the people of that read: the requester, the assignee, the team's
 * manager. Their write lands a while later (a bulk writes ticket after ticket), and a batch that finds
 * the ticket or its requester changed meanwhile is planned again on a fresh read: the mail goes to
 * the people as they are at the write, never as they were at the read.
 */

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
afterEach(clearRules);
afterEach(closeAll);

/** The rule, macro or bulk mails of a ticket (kind `action`), as stored for the outbox. */
const actionMails = async (ticketId: string) =>
  (await env.DB.prepare(`SELECT to_address, to_name, data FROM outbound_messages WHERE ticket_id = ? AND kind = 'action' ORDER BY id`).bind(ticketId).all<{ to_address: string; to_name: string; data: string }>()).results;
const mailed = async (ticketId: string) => (await actionMails(ticketId)).map((m) => [m.to_address, m.to_name, JSON.parse(m.data).mail.body]);

const newTicket = (who: TestUser, subject = "Printer jam") => ok(settled("POST", "/api/v1/tickets", { token: who.token, body: { subject, description: "It jams" } }), 201);
const macro = (actions: object[]) => ok(settled("POST", "/api/v1/macros", { token: s.agent.token, body: { name: `Macro ${word()}`, actions } }), 201);
const mailRequester = { type: "send_email", value: { to: "requester", subject: "About your ticket", body: "Hi {{requester.name}}" } };

/** The customer's name and address changed straight in D1 (an admin's edit, a script): the ticket's row does not move. */
const moveCustomer = (who: TestUser, email: string) => env.DB.prepare("UPDATE users SET name = 'New Name', email = ? WHERE id = ?").bind(email, who.id).run();

/** Held just before the batch that writes the action's mail. */
const beforeMail = (meanwhile: () => Promise<unknown>) => before(/insert into "outbound_messages"/, meanwhile);

describe("the requester changed between the read and the write", () => {
  it.each([
    { what: "a macro that only mails", actions: [mailRequester] },
    { what: "a macro that sets the priority and mails", actions: [{ type: "set_priority", value: "high" }, mailRequester] },
  ])("bulk, $what: the mail goes to the requester's new name and address", async ({ actions }) => {
    const customer = await makeUser("customer", { name: "Old Name" });
    const ticket = await newTicket(customer);
    const m = await macro(actions);
    const moved = `moved-${word()}@example.test`;
    const held = beforeMail(() => moveCustomer(customer, moved));
    const res = await settled("POST", "/api/v1/tickets/bulk", { token: s.agent.token, body: { ids: [ticket.id], macro_id: m.id } }, { ...bindings, DB: held.db });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([200]);
    expect(held.wasHeld()).toBe(true);
    expect(await mailed(ticket.id)).toEqual([[moved, "New Name", "Hi New Name"]]);
  });

  it("macro apply, the requester erased (GDPR) just before its write: no mail to the old address, their name nowhere in the mail rows", async () => {
    const customer = await makeUser("customer", { name: "Jane Realname" });
    const ticket = await newTicket(customer);
    const m = await macro([mailRequester]);
    const held = beforeMail(async () => {
      const res = await api("POST", `/api/v1/users/${customer.id}/erase`, { token: s.admin.token, body: { confirm: customer.email } });
      expect(res.status).toBe(200);
    });
    const res = await settled("POST", `/api/v1/tickets/${ticket.id}/macros/${m.id}/apply`, { token: s.agent.token }, { ...bindings, DB: held.db });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(held.wasHeld()).toBe(true);
    // Planned again with the requester as erased: an erased address is nobody's, so no mail at all.
    const rows = await actionMails(ticket.id);
    expect(rows).toEqual([]);
    const all = await env.DB.prepare(`SELECT to_address, to_name, data FROM outbound_messages WHERE ticket_id = ?`).bind(ticket.id).all();
    expect(JSON.stringify(all.results)).not.toContain(customer.email);
    expect(JSON.stringify(all.results)).not.toContain("Realname");
  });

  it("a trigger that mails the requester of a new ticket, the requester moved between its read and its write: the mail goes to them as they are now", async () => {
    const w = word();
    await makeRule(s.admin.token, {
      name: "We got it",
      conditions: { all: [{ field: "event", operator: "is", value: "ticket.created" }, { field: "subject", operator: "contains", value: w }] },
      actions: [mailRequester],
    });
    const customer = await makeUser("customer", { name: "Old Name" });
    const moved = `moved-${word()}@example.test`;
    const held = before(/insert into "rule_runs"/, () => moveCustomer(customer, moved));
    const created = await settled("POST", "/api/v1/tickets", { token: customer.token, body: { subject: `Help ${w}`, description: "d" } }, { ...bindings, DB: held.db });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(held.wasHeld()).toBe(true);
    expect(await mailed(created.body.id)).toEqual([[moved, "New Name", "Hi New Name"]]);
  });
});

describe("a refusal decided on the ticket as the write finds it", () => {
  it("macro apply with a public reply, the ticket cancelled just before its write: refused (reopen it first), no comment, no mail", async () => {
    const ticket = await newTicket(s.customer);
    const m = await macro([{ type: "add_comment", value: { body: "We are on it", internal: false } }, mailRequester]);
    const held = before(/insert into "comments"/, () => ok(api("PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.agent.token, body: { status: "cancelled" } })));
    const res = await settled("POST", `/api/v1/tickets/${ticket.id}/macros/${m.id}/apply`, { token: s.agent.token }, { ...bindings, DB: held.db });
    expect(held.wasHeld()).toBe(true);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.detail).toMatch(/reopen it before replying/);
    const comments = await env.DB.prepare(`SELECT body FROM comments WHERE ticket_id = ?`).bind(ticket.id).all<{ body: string }>();
    expect(comments.results.map((c) => c.body)).not.toContain("We are on it");
    expect(await actionMails(ticket.id)).toEqual([]);
  });
});

describe("after the write", () => {
  it("the mail queue refusing the send: the macro's change stands and answers 200, its mail left pending for the cron", async () => {
    const ticket = await newTicket(s.customer);
    const m = await macro([{ type: "set_priority", value: "high" }, mailRequester]);
    const OUTBOX = { send: async () => Promise.reject(new Error("queue down")), sendBatch: async () => Promise.reject(new Error("queue down")) } as unknown as Queue;
    const res = await settled("POST", `/api/v1/tickets/${ticket.id}/macros/${m.id}/apply`, { token: s.agent.token }, { ...bindings, OUTBOX });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ priority: "high" });
    const rows = await env.DB.prepare(`SELECT status FROM outbound_messages WHERE ticket_id = ? AND kind = 'action'`).bind(ticket.id).all<{ status: string }>();
    expect(rows.results.map((r) => r.status)).toEqual(["pending"]);
  });
});

describe("other people named by the actions: those of the row the write is planned on", () => {
  it("macro apply mailing the assignee, the ticket reassigned just before its write: the mail goes to the new assignee, not the old", async () => {
    const ticket = await newTicket(s.customer);
    await ok(api("POST", `/api/v1/tickets/${ticket.id}/assign`, { token: s.manager.token, body: { assignee_id: s.agent.id } }));
    const m = await macro([{ type: "set_priority", value: "high" }, { type: "send_email", value: { to: "assignee", subject: "Yours", body: "Hi {{assignee.name}}" } }]);
    const held = beforeMail(() => ok(api("POST", `/api/v1/tickets/${ticket.id}/assign`, { token: s.manager.token, body: { assignee_id: s.agent2.id } })));
    const res = await settled("POST", `/api/v1/tickets/${ticket.id}/macros/${m.id}/apply`, { token: s.agent.token }, { ...bindings, DB: held.db });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(held.wasHeld()).toBe(true);
    expect(res.body).toMatchObject({ assignee_id: s.agent2.id, priority: "high" });
    expect(await mailed(ticket.id)).toEqual([[s.agent2.email, s.agent2.name, `Hi ${s.agent2.name}`]]);
  });

  it("bulk mailing the team's manager, the ticket moved to another team just before its write: the mail goes to that team's manager", async () => {
    const otherManager = await makeUser("manager", { name: "Other Manager" });
    const first = await ok(api("POST", "/api/v1/teams", { token: s.admin.token, body: { name: `First ${word()}`, manager_id: s.manager.id } }), 201);
    const second = await ok(api("POST", "/api/v1/teams", { token: s.admin.token, body: { name: `Second ${word()}`, manager_id: otherManager.id } }), 201);
    const ticket = await newTicket(s.customer);
    await ok(api("PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.manager.token, body: { team_id: first.id } }));
    const m = await macro([{ type: "set_priority", value: "high" }, { type: "send_email", value: { to: "team_manager", subject: "Look", body: "{{ticket.number}} needs a look" } }]);
    const held = beforeMail(() => ok(api("PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.manager.token, body: { team_id: second.id } })));
    const res = await settled("POST", "/api/v1/tickets/bulk", { token: s.agent.token, body: { ids: [ticket.id], macro_id: m.id } }, { ...bindings, DB: held.db });
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([200]);
    expect(held.wasHeld()).toBe(true);
    expect((await mailed(ticket.id)).map(([to, name]) => [to, name])).toEqual([[otherManager.email, "Other Manager"]]);
  });

  it("macro apply assigning `auto`, the ticket moved to another team just before its write: routed in the team it is in now", async () => {
    // One online agent in each team (routing picks online members only: their agents' feed is open).
    const [inFirst, inSecond] = [await makeUser("agent"), await makeUser("agent")];
    for (const agent of [inFirst, inSecond]) await (await open(FEED_PATH, agent.token)).next("presence");
    const team = (members: string[]) => ok(api("POST", "/api/v1/teams", { token: s.admin.token, body: { name: `Team ${word()}`, strategy: "round_robin", members } }), 201);
    const first = await team([inFirst.id]);
    const second = await team([inSecond.id]);
    const ticket = await newTicket(s.customer);
    await ok(api("PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.manager.token, body: { team_id: first.id } }));
    const m = await ok(settled("POST", "/api/v1/macros", { token: s.manager.token, body: { name: `Route ${word()}`, actions: [{ type: "assign", value: "auto" }] } }), 201);
    const held = before(/insert into "ticket_history"/, () => ok(api("PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.manager.token, body: { team_id: second.id } })));
    const res = await settled("POST", `/api/v1/tickets/${ticket.id}/macros/${m.id}/apply`, { token: s.manager.token }, { ...bindings, DB: held.db });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(held.wasHeld()).toBe(true);
    expect(res.body).toMatchObject({ team_id: second.id, assignee_id: inSecond.id });
    // The routing decision (the strategy, the agents weighed and their loads) is staff's to read.
    const entryOf = async (token: string) => ((await ok(api("GET", `/api/v1/tickets/${ticket.id}/history?limit=100`, { token }))).data as { changes: Record<string, unknown> }[]).find((e) => "assignee_id" in e.changes)!;
    expect((await entryOf(s.manager.token)).changes.reason).toMatchObject({ strategy: "round_robin", chosen: { user_id: inSecond.id } });
    const theirs = await entryOf(s.customer.token);
    expect(theirs.changes).not.toHaveProperty("reason");
    expect(JSON.stringify(theirs)).not.toContain("round_robin");
  });
});

describe("a trigger judged again on the ticket its write reads", () => {
  it("a new critical ticket, its priority lowered by an agent just before the trigger's write: skipped (no tag, no mail, no run), not applied", async () => {
    const w = word();
    const rule = await makeRule(s.admin.token, {
      name: "Page on critical",
      conditions: { all: [{ field: "event", operator: "is", value: "ticket.created" }, { field: "priority", operator: "is", value: "critical" }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "add_tags", value: ["paged"] }, mailRequester],
    });
    const subject = `Down ${w}`;
    // Another writer lowers the priority between the trigger's read and its write: its batch finds the ticket changed.
    const held = before(/insert into "rule_runs"/, async () => {
      const made = await env.DB.prepare("SELECT id FROM tickets WHERE subject = ?").bind(subject).first<{ id: string }>();
      await ok(api("PATCH", `/api/v1/tickets/${made!.id}`, { token: s.manager.token, body: { priority: "low" } }));
    });
    const logged = vi.spyOn(console, "log");
    let lines: string[] = [];
    const created = await settled("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject, description: "d", priority: "critical" } }, { ...bindings, DB: held.db }).finally(() => {
      lines = logged.mock.calls.map((c) => String(c[0]));
      logged.mockRestore();
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(held.wasHeld()).toBe(true);
    expect(await rowOf(created.body.id)).toMatchObject({ priority: "low", tags: [] });
    expect(await actionMails(created.body.id)).toEqual([]);
    // No run on record (neither a firing nor a failure): the log says it was skipped.
    expect(await runsOf(rule.id)).toEqual([]);
    expect(lines.filter((l) => l.includes('"rule_skipped"') && l.includes(rule.id))).toHaveLength(1);
  });
});

describe("a trigger on a change, judged again after another writer's change", () => {
  it("priority changed to high, then set to critical by another agent just before the first trigger's write: the raise to high still fires the next one (what changed is the change's and the chain's)", async () => {
    const w = word();
    // Fires first, on the re-read ticket: the chain goes on from what it wrote, not from critical.
    const first = await makeRule(s.admin.token, {
      name: "Any priority change",
      conditions: { all: [{ field: "event", operator: "is", value: "ticket.updated" }, { field: "priority", operator: "changed" }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "add_tags", value: ["seen"] }],
    });
    const rule = await makeRule(s.admin.token, {
      name: "Raised to high",
      conditions: { all: [{ field: "event", operator: "is", value: "ticket.updated" }, { field: "priority", operator: "changed_to", value: "high" }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "add_tags", value: ["raised"] }],
    });
    const made = await ok(api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: `Slow ${w}`, description: "d", priority: "low" } }), 201);
    const held = before(/insert into "rule_runs"/, async () => {
      await ok(api("PATCH", `/api/v1/tickets/${made.id}`, { token: s.manager.token, body: { priority: "critical" } }));
    });
    // Through bulk (its writes and their triggers run in the Worker, on the held database).
    const raised = await settled("POST", "/api/v1/tickets/bulk", { token: s.agent.token, body: { ids: [made.id], changes: { priority: "high" } } }, { ...bindings, DB: held.db });
    expect(raised.status, JSON.stringify(raised.body)).toBe(200);
    expect(raised.body.results[0].status).toBe(200);
    expect(held.wasHeld()).toBe(true);
    expect(await rowOf(made.id)).toMatchObject({ priority: "critical", tags: ["seen", "raised"] });
    // Once for the raise, once for the manager's change to critical (its own chain).
    expect((await runsOf(first.id)).map((r) => r.error)).toEqual([null, null]);
    expect((await runsOf(rule.id)).map((r) => r.error)).toEqual([null]);
  });
});

describe("`assign auto`, the ticket's team removed between its read and its write: routed as a ticket without a team", () => {
  it.each([
    { what: "macro apply", via: "macro" },
    { what: "bulk with a macro", via: "bulk" },
    { what: "POST /assign {strategy: auto}", via: "assign" },
  ])("$what: refused as for a ticket without a team (422), nobody assigned", async ({ via }) => {
    const inTeam = await makeUser("agent");
    await (await open(FEED_PATH, inTeam.token)).next("presence");
    const team = await ok(api("POST", "/api/v1/teams", { token: s.admin.token, body: { name: `Team ${word()}`, strategy: "round_robin", members: [inTeam.id] } }), 201);
    const ticket = await newTicket(s.customer);
    await ok(api("PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.manager.token, body: { team_id: team.id } }));
    const m = await ok(settled("POST", "/api/v1/macros", { token: s.manager.token, body: { name: `Route ${word()}`, actions: [{ type: "assign", value: "auto" }] } }), 201);
    // The team taken off the ticket, then deleted.
    const held = before(/insert into "ticket_history"/, async () => {
      await ok(api("PATCH", `/api/v1/tickets/${ticket.id}`, { token: s.manager.token, body: { team_id: null } }));
      expect((await api("DELETE", `/api/v1/teams/${team.id}`, { token: s.admin.token })).status).toBe(204);
    });
    const on = { ...bindings, DB: held.db };
    const res =
      via === "macro"
        ? await settled("POST", `/api/v1/tickets/${ticket.id}/macros/${m.id}/apply`, { token: s.manager.token }, on)
        : via === "bulk"
          ? await settled("POST", "/api/v1/tickets/bulk", { token: s.manager.token, body: { ids: [ticket.id], macro_id: m.id } }, on)
          : await settled("POST", `/api/v1/tickets/${ticket.id}/assign`, { token: s.manager.token, body: { strategy: "auto" } }, on);
    expect(held.wasHeld()).toBe(true);
    const outcome = via === "bulk" ? res.body.results[0] : { status: res.status, error: res.body };
    expect(outcome.status, JSON.stringify(res.body)).toBe(422);
    // One refusal whichever path routes (rules/run-actions.ts and tickets.service.ts autoAssignTicket share routing.service.ts routeInTeam).
    expect(outcome.error.detail).toBe("The ticket has no team to route in; set its team_id first");
    expect(await rowOf(ticket.id)).toMatchObject({ teamId: null, assigneeId: null });
  });
});

describe("a trigger quoting the comment it answered", () => {
  it("the requester who wrote it erased (GDPR) just before the trigger's write: its note quotes nothing of theirs", async () => {
    const w = word();
    await makeRule(s.admin.token, {
      name: "Quote replies",
      conditions: { all: [{ field: "event", operator: "is", value: "comment.created" }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "add_comment", value: { body: "Customer wrote: {{comment.body}}", internal: true } }],
    });
    const customer = await makeUser("customer", { name: "Jane Realname" });
    const ticket = await newTicket(customer, `Help ${w}`);
    const held = before(/insert into "rule_runs"/, async () => {
      const res = await api("POST", `/api/v1/users/${customer.id}/erase`, { token: s.admin.token, body: { confirm: customer.email } });
      expect(res.status).toBe(200);
    });
    const res = await settled("POST", `/api/v1/tickets/${ticket.id}/comments`, { token: customer.token, body: { body: "My card is 4111 1111" } }, { ...bindings, DB: held.db });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(held.wasHeld()).toBe(true);
    const all = await env.DB.prepare(`SELECT body FROM comments WHERE ticket_id = ?`).bind(ticket.id).all<{ body: string }>();
    expect(all.results.map((c) => c.body)).toContain("Customer wrote: [erased]");
    expect(JSON.stringify(all.results)).not.toContain("4111");
  });
});
