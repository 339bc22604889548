import { describe, expect, it } from "vitest";
import { api, makeStaff, makeUser, PASSWORD, type TestUser } from "../helpers";
import { canaryWord, leaked } from "./support";

/**
 * An Idempotency-Key replays the first response for 24 hours. The replay must still be the
 * caller's to see: someone whose role was taken away since must not get back, by repeating a
 * request, what their old role made for someone else.
 */
const { customer: b, admin } = await makeStaff();

async function demoteToCustomer(user: TestUser): Promise<string> {
  expect((await api("PATCH", `/api/v1/users/${user.id}`, { token: admin.token, body: { role: "customer" } })).status).toBe(200);
  const login = await api("POST", "/api/v1/auth/login", { body: { email: user.email, password: PASSWORD } });
  expect(login.status).toBe(200);
  return login.body.access_token;
}

describe("Idempotency-Key replays after a demotion", () => {
  it("an agent's ticket for customer B is not replayed to the agent once they are a customer: 403, nothing of B's", async () => {
    const agent = await makeUser("agent");
    const secret = canaryWord("rp");
    const body = { subject: `For B ${secret}`, description: `B's problem ${secret}`, requester_email: b.email };
    const first = await api("POST", "/api/v1/tickets", { token: agent.token, body, headers: { "idempotency-key": "k-1" } });
    expect(first.status).toBe(201);
    expect(first.body.requester.id).toBe(b.id);

    const token = await demoteToCustomer(agent);
    const replay = await api("POST", "/api/v1/tickets", { token, body, headers: { "idempotency-key": "k-1" } });
    expect(replay.status).toBe(403);
    expect(replay.body.code).toBe("FORBIDDEN");
    expect(leaked(replay.body, [secret, b.email, b.id, first.body.id])).toEqual([]);
    expect(replay.headers.get("idempotent-replayed")).toBeNull();
    // And the ticket itself is out of their reach, as for any customer.
    expect((await api("GET", `/api/v1/tickets/${first.body.id}`, { token })).status).toBe(404);
  });

  it("a customer's own ticket is still replayed to them (the key keeps working for what stays theirs)", async () => {
    const customer = await makeUser("customer");
    const body = { subject: "Mine", description: "My problem", requester_email: customer.email };
    const first = await api("POST", "/api/v1/tickets", { token: customer.token, body, headers: { "idempotency-key": "k-2" } });
    expect(first.status).toBe(201);
    const replay = await api("POST", "/api/v1/tickets", { token: customer.token, body, headers: { "idempotency-key": "k-2" } });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
  });

  it("an agent's note is not replayed to them once they are a customer, on any ticket", async () => {
    const agent = await makeUser("agent");
    const own = await api("POST", "/api/v1/tickets", { token: agent.token, body: { subject: "Own", description: "Own" } });
    const secret = canaryWord("rn");
    const note = { body: `Note ${secret}`, internal: true };
    expect((await api("POST", `/api/v1/tickets/${own.body.id}/comments`, { token: agent.token, body: note, headers: { "idempotency-key": "k-3" } })).status).toBe(201);
    const token = await demoteToCustomer(agent);
    const replay = await api("POST", `/api/v1/tickets/${own.body.id}/comments`, { token, body: note, headers: { "idempotency-key": "k-3" } });
    expect(replay.status).toBe(403);
    expect(leaked(replay.body, [secret])).toEqual([]);
    const list = await api("GET", `/api/v1/tickets/${own.body.id}/comments`, { token });
    expect(leaked(list.body, [secret])).toEqual([]);
  });
});
