/**
 * Rule and macro texts (domain/templates.ts) as a way out: a trigger that mails the requester on every
 * comment never carries an internal note's words, and placeholders a customer writes into their own
 * text stay text (a template is filled once, never re-read), so they cannot pull staff data into mail.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeStaff } from "../helpers";
import { accountEnv } from "../accounts/support";
import { parseInbound } from "../../src/email/parse";
import { clearRules, makeRule } from "../rules/support";

import { canary } from "./leak-support";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
afterEach(clearRules);

describe("rule texts", () => {
  it("a trigger mailing the requester on every comment: the internal note's words never reach them; a customer's placeholders stay text", async () => {
    const a = accountEnv();
    const w = canary("subject");
    const note = canary("note");
    const said = canary("public");
    await makeRule(s.admin.token, {
      name: "Tell the requester about every comment",
      conditions: { all: [{ field: "event", operator: "is", value: "comment.created" }, { field: "subject", operator: "contains", value: w }] },
      actions: [{ type: "send_email", value: { to: "requester", subject: "Update on {{ticket.subject}}", body: "New message: {{comment.body}}\nYour agent: {{assignee.name}}" } }],
    });
    const created = await a.call("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: `Printer ${w} {{assignee.email}} {{comment.body}}`, description: "Mail me {{ticket.url}}" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    expect((await a.call("POST", `/api/v1/tickets/${id}/assign`, { token: s.manager.token, body: { assignee_id: s.agent.id } })).status).toBe(200);
    expect((await a.call("POST", `/api/v1/tickets/${id}/comments`, { token: s.agent.token, body: { body: `Blacklisted customer ${note}`, internal: true } })).status).toBe(201);
    expect((await a.call("POST", `/api/v1/tickets/${id}/comments`, { token: s.agent.token, body: { body: `Fixed it ${said}`, internal: false } })).status).toBe(201);
    await a.deliverQueued();
    await a.deliverQueued();

    const toCustomer = await Promise.all(
      a.sent.filter((m) => m.to === s.customer.email).map(async (m) => {
        const parsed = await parseInbound(new TextEncoder().encode(m.raw));
        return { subject: parsed.subject ?? "", content: `${parsed.subject}\n${parsed.fullText}\n${parsed.html ?? ""}\n${m.raw}` };
      }),
    );
    const ruleMails = toCustomer.filter((m) => m.subject.includes("Update on"));
    // One per comment: the rule ran for the internal note too (the probe sees), but said nothing of it.
    expect(ruleMails).toHaveLength(2);
    const all = toCustomer.map((m) => m.content).join("\n");
    expect(all).toContain(said);
    expect(all).not.toContain(note);
    // The customer's own braces came back as they wrote them, not as staff data.
    expect(ruleMails[0]!.subject).toContain(`Printer ${w} {{assignee.email}} {{comment.body}}`);
    expect(all).not.toContain(s.agent.email);
    expect(all).toContain(`Your agent: ${s.agent.name}`);
  });
});
