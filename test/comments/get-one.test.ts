import { describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";

describe("GET /tickets/{id}/comments/{comment_id}", () => {
  it("is where a created comment's Location points; internal notes and other people's tickets are 404 for customers", async () => {
    const { customer, customer2, agent } = await makeStaff();
    const t = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Login loop", description: "It keeps asking" } });
    const reply = await api("POST", `/api/v1/tickets/${t.body.id}/comments`, { token: agent.token, body: { body: "Clear cookies" } });
    const note = await api("POST", `/api/v1/tickets/${t.body.id}/comments`, { token: agent.token, body: { body: "VIP customer", internal: true } });

    const viaLocation = await api("GET", reply.headers.get("location")!, { token: customer.token });
    expect(viaLocation.status).toBe(200);
    expect(viaLocation.body).toEqual(reply.body);

    expectProblem(await api("GET", `/api/v1/tickets/${t.body.id}/comments/${note.body.id}`, { token: customer.token }), 404, "NOT_FOUND");
    expect((await api("GET", `/api/v1/tickets/${t.body.id}/comments/${note.body.id}`, { token: agent.token })).body.body).toBe("VIP customer");
    expectProblem(await api("GET", `/api/v1/tickets/${t.body.id}/comments/${reply.body.id}`, { token: customer2.token }), 404, "NOT_FOUND");

    // A comment id under another ticket's path is not found there.
    const other = await api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Other", description: "x" } });
    expectProblem(await api("GET", `/api/v1/tickets/${other.body.id}/comments/${reply.body.id}`, { token: customer.token }), 404, "NOT_FOUND");
  });
});
