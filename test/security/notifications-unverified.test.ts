/**
 * An account that registered an address it has not proven sees only the tickets it opened itself
 * (issue 9). Notifications must not tell it about the others filed under that address: the staff
 * reply to a ticket the address's real owner opened by mail or that staff opened for them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, makeStaff } from "../helpers";
import { accountEnv, address, registerWith } from "../accounts/support";
import { canary } from "./leak-support";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const notificationsOf = async (token: string) => {
  const res = await api("GET", "/api/v1/notifications", { token });
  expect(res.status).toBe(200);
  return res.body.data as { ticket_id: string; title: string; body: string }[];
};
const unreadOf = async (token: string) => (await api("GET", "/api/v1/notifications/unread-count", { token })).body.count as number;

describe("notifications of an unverified account", () => {
  it("a staff reply and a resolution on a ticket filed under the address reach neither its list nor its counter; its own ticket's do", async () => {
    const a = accountEnv();
    const victim = address("owner");
    const registrant = await registerWith(a, victim);
    expect(registrant.user.email_verified).toBe(false);

    // The address's real owner's ticket, opened by staff for them (the same user row: addresses are unique).
    const theirs = await api("POST", "/api/v1/tickets", { token: s.agent.token, body: { subject: "Contract renewal", description: "Call logged", requester_email: victim, channel: "phone" } });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
    expect(theirs.body.requester.id).toBe(registrant.user.id);
    const secret = canary("reply");
    expect((await api("POST", `/api/v1/tickets/${theirs.body.id}/comments`, { token: s.agent.token, body: { body: `Your new price is ${secret}`, internal: false } })).status).toBe(201);
    expect((await api("PATCH", `/api/v1/tickets/${theirs.body.id}`, { token: s.agent.token, body: { status: "resolved" } })).status).toBe(200);

    // Its own ticket: notified as any customer is (the probe sees).
    const own = await api("POST", "/api/v1/tickets", { token: registrant.access_token, body: { subject: "Mine", description: "Opened myself" } });
    expect(own.status).toBe(201);
    const said = canary("own");
    expect((await api("POST", `/api/v1/tickets/${own.body.id}/comments`, { token: s.agent.token, body: { body: `Answer ${said}`, internal: false } })).status).toBe(201);

    const list = await notificationsOf(registrant.access_token);
    expect(list.filter((n) => n.ticket_id === theirs.body.id)).toEqual([]);
    expect(JSON.stringify(list)).not.toContain(secret);
    expect(JSON.stringify(list)).not.toContain("Contract renewal");
    expect(list.filter((n) => n.ticket_id === own.body.id).map((n) => n.body)).toEqual([`Answer ${said}`]);
    expect(await unreadOf(registrant.access_token)).toBe(1);
  });
});
