import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeStaff, meteredApi, meteredStatements } from "../helpers";
import { call, hookEnv, receiverEndpoint } from "./support";

/**
 * With no webhook subscribed (most tenants), a ticket write sends one read that fails its batch if a
 * webhook subscribes to the event (db/batch-assumptions.ts), instead of the outbox's two inserts that
 * would write nothing; a write that finds one subscribed is planned again with them, so the delivery
 * is written with the change, as before.
 */
const eventsOf = async (ticketId: string) => Number(await env.DB.prepare("SELECT count(*) AS n FROM webhook_events WHERE ticket_id = ?").bind(ticketId).first("n"));
const seq = (number: string) => Number(number.split("-").pop());

describe("the webhook outbox of a tenant without webhooks", () => {
  it("a create sends one webhook read and writes no event; once a webhook subscribes, the next create delivers to it", async () => {
    const s = await makeStaff();
    const body = (subject: string) => ({ subject, description: "d", priority: "low" });
    const quiet = await meteredApi("POST", "/api/v1/tickets", { token: s.customer.token, body: body("no webhooks") });
    expect(quiet.status).toBe(201);
    const webhookStatements = meteredStatements(quiet).filter((st) => /\bwebhook_/.test(st.sql));
    expect(webhookStatements).toHaveLength(1);
    expect(webhookStatements[0]!.sql).toMatch(/^SELECT \(SELECT json_extract/);
    expect(webhookStatements[0]!.rows_written).toBe(0);
    expect(await eventsOf(quiet.body.id)).toBe(0);

    const t = hookEnv();
    const endpoint = receiverEndpoint();
    const hook = await call(t.env, "POST", "/api/v1/webhooks", { token: s.admin.token, body: { url: endpoint.url, events: ["ticket.created"] } });
    expect(hook.status).toBe(201);
    const opened = await call(t.env, "POST", "/api/v1/tickets", { token: s.customer.token, body: body("a webhook subscribed") });
    expect(opened.status).toBe(201);
    // Once, with the number the create's first D1 call took (the batch that failed wrote nothing).
    expect(seq(opened.body.number)).toBe(seq(quiet.body.number) + 1);
    expect(Number(await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE subject = 'a webhook subscribed'").first("n"))).toBe(1);
    expect(await eventsOf(opened.body.id)).toBe(1);
    const deliveries = (await env.DB.prepare("SELECT d.id, d.webhook_id, d.type FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE e.ticket_id = ?").bind(opened.body.id).all()).results;
    expect(deliveries).toEqual([{ id: t.enqueued[0], webhook_id: hook.body.id, type: "ticket.created" }]);

    // The webhook deactivated: writes stop delivering to it, whatever this isolate assumes.
    expect((await call(t.env, "PATCH", `/api/v1/webhooks/${hook.body.id}`, { token: s.admin.token, body: { active: false } })).status).toBe(200);
    const after = await call(t.env, "POST", "/api/v1/tickets", { token: s.customer.token, body: body("webhook off") });
    expect(after.status).toBe(201);
    expect(await eventsOf(after.body.id)).toBe(0);
  });
});
