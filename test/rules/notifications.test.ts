import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { like } from "drizzle-orm";
import { outboundMessages } from "../../src/db/schema";
import { api, db, expectProblem, makeStaff, makeUser, type TestUser } from "../helpers";
import { closeAll, FEED_PATH, open } from "../helpers/sockets";
import { HOUR, tick } from "../sla/helpers";
import { clearRules, makeRule, ok, settled, word } from "./support";

let s: Awaited<ReturnType<typeof makeStaff>>;
let anna: TestUser;
beforeAll(async () => {
  s = await makeStaff();
  anna = await makeUser("agent", { name: "Anna Smith" });
});
afterEach(async () => {
  closeAll();
  await clearRules();
});

const newTicket = (token = s.customer.token, body: Record<string, unknown> = {}) => ok(settled("POST", "/api/v1/tickets", { token, body: { subject: "Printer", description: "Jammed", ...body } }), 201);
const comment = (token: string, ticketId: string, body: string, internal = false) => ok(settled("POST", `/api/v1/tickets/${ticketId}/comments`, { token, body: { body, internal } }), 201);
const assign = (token: string, ticketId: string, assignee: string) => ok(settled("POST", `/api/v1/tickets/${ticketId}/assign`, { token, body: { assignee_id: assignee } }));
const notificationsOf = async (user: TestUser, query = "") => (await ok(api("GET", `/api/v1/notifications${query}`, { token: user.token }))).data as any[];
const unread = async (user: TestUser) => (await ok(api("GET", "/api/v1/notifications/unread-count", { token: user.token }))).count as number;
const about = (list: any[], ticketId: string) => list.filter((n) => n.ticket_id === ticketId);

describe("who is notified of what", () => {
  it("assigned: the assignee, unless they took it themselves", async () => {
    const agent = await makeUser("agent");
    const t = await newTicket();
    await assign(s.manager.token, t.id, agent.id);
    expect(about(await notificationsOf(agent), t.id)).toEqual([
      { id: expect.any(String), type: "assigned", ticket_id: t.id, title: `${t.number} was assigned to you`, body: "Printer", read_at: null, created_at: expect.any(String) },
    ]);
    const t2 = await newTicket();
    await assign(agent.token, t2.id, agent.id);
    expect(about(await notificationsOf(agent), t2.id)).toEqual([]);
  });

  it("requester_replied: the assignee, when the requester of their ticket writes", async () => {
    const agent = await makeUser("agent");
    const t = await newTicket();
    await assign(s.manager.token, t.id, agent.id);
    await comment(s.customer.token, t.id, "Still broken, see attached");
    await comment(s.agent2.token, t.id, "A colleague's reply is no requester's");
    const list = about(await notificationsOf(agent), t.id).filter((n) => n.type === "requester_replied");
    expect(list.map((n) => [n.title, n.body])).toEqual([[`${s.customer.name} replied on ${t.number}`, "Still broken, see attached"]]);
  });

  it("mentioned: staff named in an internal note by @name or @email; never the author, never a customer", async () => {
    const t = await newTicket();
    const note = `@annasmith and @${s.agent2.email} please look; also @${s.customer.email} and @${s.agent.email}`;
    await comment(s.agent.token, t.id, note, true);
    for (const who of [anna, s.agent2]) {
      expect(about(await notificationsOf(who), t.id).map((n) => [n.type, n.title])).toEqual([["mentioned", `${s.agent.name} mentioned you on ${t.number}`]]);
    }
    expect(about(await notificationsOf(s.agent), t.id)).toEqual([]);
    expect(about(await notificationsOf(s.customer), t.id)).toEqual([]);
    // The same words in a public reply mention nobody.
    const t2 = await newTicket();
    await comment(s.agent.token, t2.id, "@anna.smith fyi", false);
    expect(about(await notificationsOf(anna), t2.id)).toEqual([]);
  });

  it("agent_replied and ticket_resolved: the customer, for public replies and the resolution only", async () => {
    const t = await newTicket();
    await comment(s.agent.token, t.id, "An internal thought", true);
    await comment(s.agent.token, t.id, "Please restart it");
    await ok(settled("POST", `/api/v1/tickets/${t.id}/escalate`, { token: s.manager.token, body: { reason: "VIP" } }));
    await ok(settled("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, body: { status: "resolved" } }));
    const list = about(await notificationsOf(s.customer), t.id);
    expect(list.map((n) => [n.type, n.body])).toEqual([
      ["ticket_resolved", "Printer"],
      ["agent_replied", "Please restart it"],
    ]);
    expect(JSON.stringify(list)).not.toContain("internal thought");
    expect(JSON.stringify(list)).not.toContain("VIP");
  });

  it("sla_at_risk and sla_breached: the assignee, from the sweep", async () => {
    const agent = await makeUser("agent");
    const t = await newTicket(s.customer.token, { priority: "critical" });
    await assign(s.manager.token, t.id, agent.id);
    // Critical: first response due after 1 hour; at risk at 80 %.
    await tick(Date.parse(t.created_at) + 50 * 60_000);
    await tick(Date.parse(t.created_at) + 2 * HOUR);
    const types = about(await notificationsOf(agent), t.id).map((n) => [n.type, n.title]);
    expect(types).toEqual(expect.arrayContaining([
      ["sla_at_risk", `${t.number} is at risk of missing its first response target`],
      ["sla_breached", `${t.number} breached its first response target`],
    ]));
  });

  it("a rule's notify: the named staff and roles, texts filled in; customers never", async () => {
    const w = word();
    const manager2 = await makeUser("manager");
    await makeRule(s.admin.token, {
      name: "Tell the managers",
      conditions: { all: [{ field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "notify", value: { user_ids: [s.agent2.id], roles: ["manager"], title: "New: {{ticket.number}}", body: "From {{requester.email}}" } }],
    });
    const t = await newTicket(s.customer.token, { subject: `Outage ${w}` });
    for (const who of [s.agent2, s.manager, manager2]) {
      expect(about(await notificationsOf(who), t.id).map((n) => [n.type, n.title, n.body])).toEqual([["rule", `New: ${t.number}`, `From ${s.customer.email}`]]);
    }
    expect(about(await notificationsOf(s.agent), t.id)).toEqual([]);
    expect(about(await notificationsOf(s.customer), t.id)).toEqual([]);
  });
});

describe("the unread counter, reading, preferences", () => {
  it("counts in the batch of each change; reading some, then all, moves it; others' ids change nothing", async () => {
    const agent = await makeUser("agent");
    expect(await unread(agent)).toBe(0);
    const tickets = await Promise.all([newTicket(), newTicket(), newTicket()]);
    for (const t of tickets) await assign(s.manager.token, t.id, agent.id);
    expect(await unread(agent)).toBe(3);
    const list = await notificationsOf(agent);
    const others = await notificationsOf(s.customer);
    expect((await api("POST", "/api/v1/notifications/read", { token: agent.token, body: { ids: [list[0].id, list[0].id, others[0].id, "nope"] } })).status).toBe(204);
    expect(await unread(agent)).toBe(2);
    // Again the same: nothing moves twice.
    await api("POST", "/api/v1/notifications/read", { token: agent.token, body: { ids: [list[0].id] } });
    expect(await unread(agent)).toBe(2);
    expect((await notificationsOf(s.customer)).find((n) => n.id === others[0].id).read_at).toBeNull();
    expect((await notificationsOf(agent, "?unread=true")).map((n) => n.id)).toEqual([list[1].id, list[2].id]);
    expect((await api("POST", "/api/v1/notifications/read", { token: agent.token, body: { all: true } })).status).toBe(204);
    expect(await unread(agent)).toBe(0);
    expect(await notificationsOf(agent, "?unread=true")).toEqual([]);
    expect((await notificationsOf(agent)).every((n) => n.read_at !== null)).toBe(true);
    expectProblem(await api("POST", "/api/v1/notifications/read", { token: agent.token, body: { ids: [] } }), 400, "VALIDATION_ERROR");
  });

  it("pages newest first with a cursor", async () => {
    const agent = await makeUser("agent");
    for (let i = 0; i < 5; i++) await assign(s.manager.token, (await newTicket()).id, agent.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await ok(api("GET", `/api/v1/notifications?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: agent.token }));
      seen.push(...page.data.map((n: any) => n.created_at + n.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(seen).toEqual([...seen].sort().reverse());
  });

  it("preferences per type: in-app off writes nothing; mail on queues a mail to the recipient alone", async () => {
    const agent = await makeUser("agent");
    const prefs = await ok(api("GET", "/api/v1/me/notification-preferences", { token: agent.token }));
    expect(Object.keys(prefs).sort()).toEqual(["assigned", "mentioned", "requester_replied", "rule", "sla_at_risk", "sla_breached"]);
    expect(prefs.assigned).toEqual({ in_app: true, email: false });
    expect(Object.keys(await ok(api("GET", "/api/v1/me/notification-preferences", { token: s.customer.token }))).sort()).toEqual(["agent_replied", "ticket_resolved"]);
    expectProblem(await api("PUT", "/api/v1/me/notification-preferences", { token: agent.token, body: { agent_replied: { in_app: false, email: false } } }), 400, "VALIDATION_ERROR");
    expectProblem(await api("PUT", "/api/v1/me/notification-preferences", { token: agent.token, body: { assigned: { in_app: false } } }), 400, "VALIDATION_ERROR");

    const put = await ok(api("PUT", "/api/v1/me/notification-preferences", { token: agent.token, body: { assigned: { in_app: false, email: true } } }));
    expect(put.assigned).toEqual({ in_app: false, email: true });
    expect(put.mentioned).toEqual({ in_app: true, email: false });
    const t = await newTicket();
    await assign(s.manager.token, t.id, agent.id);
    expect(await notificationsOf(agent)).toEqual([]);
    expect(await unread(agent)).toBe(0);
    const mails = await db().select().from(outboundMessages).where(like(outboundMessages.id, "notify-%"));
    const mine = mails.filter((m) => m.toAddress === agent.email);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: "notification", ticketId: t.id, userId: agent.id, automatic: true });
    expect((mine[0]!.data as any).notification.title).toBe(`${t.number} was assigned to you`);
  });
});

describe("a customer is never notified of internal activity", () => {
  it("internal notes, escalations and internal reassignments reach no customer, by any type", async () => {
    const t = await newTicket();
    const secret = word("secret");
    await comment(s.agent.token, t.id, `@${s.customer.email} @${s.customer.name.replace(/\s/g, "")} ${secret}`, true);
    await ok(settled("POST", `/api/v1/tickets/${t.id}/escalate`, { token: s.manager.token, body: { reason: secret, to_user_id: s.agent2.id } }));
    await assign(s.manager.token, t.id, s.customer.id).catch(() => undefined);
    const list = about(await notificationsOf(s.customer), t.id);
    expect(list).toEqual([]);
    expect(JSON.stringify(await notificationsOf(s.customer))).not.toContain(secret);
    // Staff-only types cannot reach a customer even when a rule names one.
    expectProblem(
      await api("POST", "/api/v1/rules", { token: s.admin.token, body: { name: "x", kind: "trigger", actions: [{ type: "notify", value: { user_ids: [s.customer.id], title: "t" } }] } }),
      400,
      "VALIDATION_ERROR",
    );
  });

  it("a deleted ticket takes its notifications and their unread count with it", async () => {
    const agent = await makeUser("agent");
    const gone = word("gone");
    const t = await newTicket(s.customer.token, { subject: `Printer ${gone}` });
    await assign(s.manager.token, t.id, agent.id);
    await comment(s.agent2.token, t.id, "Public reply");
    expect(await unread(agent)).toBe(1);
    expect(about(await notificationsOf(s.customer), t.id)).toHaveLength(1);
    expect((await settled("DELETE", `/api/v1/tickets/${t.id}`, { token: s.admin.token })).status).toBe(204);
    expect(await unread(agent)).toBe(0);
    expect(JSON.stringify(await notificationsOf(agent))).not.toContain(gone);
    expect(about(await notificationsOf(s.customer), t.id)).toEqual([]);
  });
});

describe("the agents' feed", () => {
  it("pushes a staff notification to its recipient's sockets only", async () => {
    const agent = await makeUser("agent");
    const other = await makeUser("agent");
    const mine = await open(FEED_PATH, agent.token);
    const theirs = await open(FEED_PATH, other.token);
    await mine.next("presence");
    const t = await newTicket();
    await assign(s.manager.token, t.id, agent.id);
    const pushed = await mine.next("notification");
    expect(pushed.notification).toMatchObject({ type: "assigned", ticket_id: t.id, title: `${t.number} was assigned to you`, read_at: null });
    const [stored] = about(await notificationsOf(agent), t.id);
    expect(pushed.notification).toEqual(stored);
    await theirs.none("notification");
  });
});


