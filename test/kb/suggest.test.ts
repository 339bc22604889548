import { describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff } from "../helpers";
import { article, ticket, word } from "../search/support";

const { customer, customer2, agent } = await makeStaff();

describe("GET /kb/suggest", () => {
  it("suggests articles for a ticket being written, best first, from any of its words", async () => {
    const [vpn, printer] = [word("vpn"), word("prn")];
    const vpnGuide = await article(agent.token, { title: `Connecting to ${vpn}`, body: "Install the client, then sign in." });
    const vpnErrors = await article(agent.token, { title: "Error codes", body: `When ${vpn} shows error 809, restart it.` });
    await article(agent.token, { title: `Refilling the ${printer}`, body: "Open the tray." });
    const qs = new URLSearchParams({ subject: `Cannot connect to ${vpn}`, description: `Hello, I get error 809 from ${vpn} every morning. Please help!` });
    const res = await api("GET", `/api/v1/kb/suggest?${qs}`);
    expect(res.status).toBe(200);
    // Both VPN articles, the one matching more of the ticket's words (vpn, error, 809) first; not the printer one.
    expect(res.body.data.map((a: { id: string }) => a.id)).toEqual([vpnErrors.id, vpnGuide.id]);
    expect(res.body.data[1]).toMatchObject({ id: vpnGuide.id, title: `Connecting to ${vpn}` });
    expect(res.body.data[0].snippet).toContain(`<mark>${vpn}</mark>`);
    expect(res.body.data[0].snippet).toContain("<mark>809</mark>");
    const one = await api("GET", `/api/v1/kb/suggest?${qs}&limit=1`, { token: customer.token });
    expect(one.body.data).toHaveLength(1);
  });

  it("answers an empty list for text with no usable words, and refuses oversized input", async () => {
    expect((await api("GET", "/api/v1/kb/suggest")).body).toEqual({ data: [] });
    expect((await api("GET", `/api/v1/kb/suggest?subject=${encodeURIComponent("the and of ?!")}`)).body).toEqual({ data: [] });
    expectProblem(await api("GET", `/api/v1/kb/suggest?subject=${"x".repeat(201)}`), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", "/api/v1/kb/suggest?limit=11"), 400, "VALIDATION_ERROR");
  });
});

describe("GET /tickets/{id}/suggested-articles", () => {
  it("gives agents published articles, internal ones included, that match the ticket", async () => {
    const w = word();
    const pub = await article(agent.token, { title: `Fixing ${w}`, body: "Steps." });
    const internal = await article(agent.token, { title: `Escalating ${w}`, body: "Call tier 2.", visibility: "internal" });
    await article(agent.token, { title: `Draft about ${w}`, body: "Soon.", status: "draft" });
    const t = await ticket(customer.token, `My ${w} is broken`, "It stopped working yesterday.");
    const res = await api("GET", `/api/v1/tickets/${t.id}/suggested-articles`, { token: agent.token });
    expect(res.status).toBe(200);
    expect(res.body.data.map((a: { id: string }) => a.id).sort()).toEqual([pub.id, internal.id].sort());
    const byNumber = await api("GET", `/api/v1/tickets/${t.number}/suggested-articles?limit=1`, { token: agent.token });
    expect(byNumber.body.data).toHaveLength(1);
  });

  it("is for staff: the requester gets 403, anyone else 404, anonymous 401", async () => {
    const t = await ticket(customer.token, "Private", "x");
    expectProblem(await api("GET", `/api/v1/tickets/${t.id}/suggested-articles`, { token: customer.token }), 403, "FORBIDDEN");
    expectProblem(await api("GET", `/api/v1/tickets/${t.id}/suggested-articles`, { token: customer2.token }), 404, "NOT_FOUND");
    expectProblem(await api("GET", `/api/v1/tickets/${t.id}/suggested-articles`), 401, "UNAUTHORIZED");
    expectProblem(await api("GET", "/api/v1/tickets/missing/suggested-articles", { token: agent.token }), 404, "NOT_FOUND");
  });
});
