import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff, makeUser } from "../helpers";
import { closeAll, connect, FEED_PATH, open } from "../helpers/sockets";
import { AGENTS_FEED_NAME } from "../../src/agents-feed/agents-feed";
import { fanOut } from "../../src/features/live/live.service";
import { AWAY_AFTER_MS, type FeedSession } from "../../src/ticket-room/presence";

afterEach(closeAll);

const feed = () => env.AGENTS_FEED.getByName(AGENTS_FEED_NAME);

describe("the agents' feed", () => {
  it("refuses no token (401), a bad token (401), customers (403) and plain GETs (400), before any socket opens", async () => {
    const customer = await makeUser("customer");
    const agent = await makeUser("agent");
    expectProblem(await connect(FEED_PATH), 401, "UNAUTHORIZED");
    expectProblem(await connect(FEED_PATH, "x.y.z"), 401, "UNAUTHORIZED");
    const refused = await connect(FEED_PATH, customer.token);
    expect(refused.socket).toBeNull();
    expectProblem(refused, 403, "FORBIDDEN");
    expectProblem(await connect(FEED_PATH, agent.token, { upgrade: false }), 400, "VALIDATION_ERROR");
    // The object itself refuses a customer even if the Worker's check were skipped.
    const direct = await feed().fetch(
      new Request("https://live.internal/connect", {
        headers: { Upgrade: "websocket", "X-Edgedesk-Live-Identity": encodeURIComponent(JSON.stringify({ id: customer.id, name: "c", role: "customer", token_version: 0 })) },
      }),
    );
    expect(direct.status).toBe(403);
    await direct.text();
    const anonymous = await feed().fetch(new Request("https://live.internal/connect", { headers: { Upgrade: "websocket" } }));
    expect(anonymous.status).toBe(401);
    await anonymous.text();
  });

  it("shows which agents are online, on every join and leave", async () => {
    const agent = await makeUser("agent");
    const manager = await makeUser("manager");
    const a = await open(FEED_PATH, agent.token);
    const joined = await a.next("presence");
    expect(joined.users).toContainEqual({ id: agent.id, name: agent.name, role: "agent", state: "online" });
    const m = await open(FEED_PATH, manager.token);
    const both = await m.next("presence", (p) => p.users.some((u: { id: string }) => u.id === agent.id));
    expect(both.users.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([agent.id, manager.id]));
    await a.next("presence", (p) => p.users.some((u: { id: string }) => u.id === manager.id));
    m.close();
    await a.next("presence", (p) => !p.users.some((u: { id: string }) => u.id === manager.id));
  });

  it("marks an agent away after 5 idle minutes and back online on activity; pings do not count", async () => {
    const agent = await makeUser("agent");
    const watcher = await makeUser("admin");
    const w = await open(FEED_PATH, watcher.token);
    const a = await open(FEED_PATH, agent.token);
    await w.next("presence", (p) => p.users.some((u: { id: string }) => u.id === agent.id));
    // Five minutes pass for the agent's socket (its attachment), then the object wakes for its timer.
    await runInDurableObject(feed(), (_feed, state) => {
      for (const ws of state.getWebSockets()) {
        const s = ws.deserializeAttachment() as FeedSession;
        if (s.id === agent.id) ws.serializeAttachment({ ...s, lastActiveAt: s.lastActiveAt - AWAY_AFTER_MS });
      }
    });
    await evictDurableObject(feed());
    expect(await runDurableObjectAlarm(feed())).toBe(true);
    const away = await w.next("presence", (p) => p.users.find((u: { id: string }) => u.id === agent.id)?.state === "away");
    expect(away.users.find((u: { id: string }) => u.id === watcher.id).state).toBe("online");

    a.send({ type: "ping" });
    await a.next("pong");
    await w.none("presence", (p) => p.users.find((u: { id: string }) => u.id === agent.id)?.state === "online");
    a.send({ type: "activity" });
    await w.next("presence", (p) => p.users.find((u: { id: string }) => u.id === agent.id)?.state === "online");
  });

  it("streams ticket.created and ticket.assigned as they commit, and sla.breached from the SLA engine", async () => {
    const { customer, agent } = await makeStaff();
    const a = await open(FEED_PATH, agent.token);
    await a.next("presence");
    const created = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Queue me", description: "d" } });
    // The feed is staff's: the ticket as staff see it (the customer's answer leaves out staff-only time_spent_minutes).
    const staffView = await api("GET", `/api/v1/tickets/${created.body.id}`, { token: agent.token });
    expect(await a.next("ticket.created", (m) => m.ticket.id === created.body.id)).toEqual({ type: "ticket.created", ticket: staffView.body });

    const assigned = await api("POST", `/api/v1/tickets/${created.body.id}/assign`, { token: agent.token, body: { assignee_id: agent.id } });
    expect(assigned.status).toBe(200);
    expect(await a.next("ticket.assigned")).toEqual({ type: "ticket.assigned", ticket: assigned.body, assignee_id: agent.id });

    // Comments and plain updates are not queue events.
    await api("POST", `/api/v1/tickets/${created.body.id}/comments`, { token: agent.token, body: { body: "hi" } });
    await api("PATCH", `/api/v1/tickets/${created.body.id}`, { token: agent.token, body: { priority: "high" } });
    await a.none("comment.created");
    expect(a.log.some((m) => m.type === "ticket.updated")).toBe(false);

    await fanOut(env, { type: "sla.breached", ticket: assigned.body, target: "first_response", actor: null });
    expect(await a.next("sla.breached")).toEqual({ type: "sla.breached", ticket: assigned.body, target: "first_response" });
  });
});
