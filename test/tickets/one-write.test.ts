import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { deliver, mailEnv, rawMail, uniqueId } from "../email/mail-helpers";
import { tickReports } from "../sla/helpers";
import { api, makeStaff } from "../helpers";
import { HOUR, historyRows, patchTicket, rowOf } from "./fixtures";

/**
 * The one ticket write from three entry points at once: a mail reply (email), a PATCH (REST,
 * through the ticket's room) and an SLA breach (cron) race on the same ticket. Each lands exactly
 * once: nothing is lost, and each records one history entry.
 */
let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const count = (types: string[], type: string) => types.filter((t) => t === type).length;

describe("concurrent writers on one ticket", () => {
  it("mail reply + PATCH + SLA breach: all three land, one history entry each", async () => {
    const { env: testEnv } = mailEnv();
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      const from = `race-${round}-${crypto.randomUUID().slice(0, 8)}@customer.example`;
      const first = uniqueId("first");
      await deliver(rawMail({ from, messageId: first, subject: `Race ${round}` }), { from }, testEnv);
      const { id } = (await env.DB.prepare("SELECT ticket_id AS id FROM inbound_messages WHERE message_id = ?").bind(first).first<{ id: string }>())!;
      const created = Date.parse((await rowOf(id))!.createdAt);
      const reply = uniqueId("reply");
      // Medium priority: the first response is due 8 hours in; the sweep runs as if 9 hours later.
      const [patched] = await Promise.all([
        patchTicket(s.agent, id, { tags: ["raced"], category: "billing" }),
        deliver(rawMail({ from, messageId: reply, inReplyTo: first, subject: `Re: Race ${round}`, body: `reply ${round}` }), { from }, testEnv),
        tickReports(created + 9 * HOUR),
      ]);
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);

      const row = (await rowOf(id))!;
      expect(row.tags).toEqual(["raced"]);
      expect(row.category).toBe("billing");
      expect(row.firstResponseBreached).toBe(true);
      const comments = await api("GET", `/api/v1/tickets/${id}/comments`, { token: s.agent.token });
      expect(comments.body.data.map((c: { body: string }) => c.body)).toEqual([`reply ${round}`]);
      const types = (await historyRows(id)).map((h) => h.type);
      expect(count(types, "commented"), types.join(",")).toBe(1);
      expect(count(types, "updated"), types.join(",")).toBe(1);
      expect(count(types, "sla.breached"), types.join(",")).toBe(1);
      // Versions: created (1) and the PATCH (2); the comment and the breach bump none.
      expect(row.version).toBe(2);
      const bumps = (await historyRows(id)).filter((h) => h.bumpsVersion).map((h) => h.version);
      expect(bumps).toEqual([1, 2]);
    }
  });
});

describe("an internal note", () => {
  it("leaves what the customer sees as it was: updated_at, version, the ticket body (issue 9, item 10)", async () => {
    const opened = await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Quiet note", description: "d" } });
    const before = await api("GET", `/api/v1/tickets/${opened.body.id}`, { token: s.customer.token });
    await new Promise((r) => setTimeout(r, 5));
    const note = await api("POST", `/api/v1/tickets/${opened.body.id}/comments`, { token: s.agent.token, body: { body: "internal: customer is difficult", internal: true } });
    expect(note.status).toBe(201);
    const after = await api("GET", `/api/v1/tickets/${opened.body.id}`, { token: s.customer.token });
    expect(after.body).toEqual(before.body);
    expect(after.headers.get("etag")).toBe(before.headers.get("etag"));
    // A public reply does move it.
    await new Promise((r) => setTimeout(r, 5));
    await api("POST", `/api/v1/tickets/${opened.body.id}/comments`, { token: s.agent.token, body: { body: "We are on it", internal: false } });
    const replied = await api("GET", `/api/v1/tickets/${opened.body.id}`, { token: s.customer.token });
    expect(replied.body.updated_at > before.body.updated_at).toBe(true);
  });
});
