/**
 * A Zendesk ticket an agent opened with a private first comment: Zendesk's `description` is that
 * comment's text, which its requester never saw. Imported, the requester must not find it in the
 * ticket they can read; staff keep it as an internal note.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { signAccessToken } from "../../src/features/auth/tokens";
import { api, makeStaff } from "../helpers";
import { uploadText } from "../imports/support";

const canary = (tag: string) => `canary${tag}${crypto.randomUUID().replaceAll("-", "")}`;

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

describe("importing a ticket whose first comment is private", () => {
  it("its words are an internal note for staff and nowhere in what the requester reads", async () => {
    const note = canary("private");
    const said = canary("public");
    const base = 7_000_000_000 + Math.floor(Math.random() * 1_000_000);
    const requester = { id: base + 1, name: "Rhea Requester", email: `rhea-${base}@customer.example`, role: "end-user", verified: true, created_at: "2024-01-01T00:00:00Z" };
    const agent = { id: base + 2, name: "Abe Agent", email: `abe-${base}@acme.example`, role: "agent", verified: true, created_at: "2024-01-01T00:00:00Z" };
    const ticket = {
      id: base + 3,
      subject: "Account review",
      description: `Flagged for fraud review ${note}`,
      status: "open",
      priority: "normal",
      requester_id: requester.id,
      submitter_id: agent.id,
      assignee_id: agent.id,
      tags: [],
      is_public: true,
      via: { channel: "web" },
      created_at: "2024-05-01T09:00:00Z",
      updated_at: "2024-05-01T10:00:00Z",
      comments: [
        { id: base + 4, author_id: agent.id, body: `Flagged for fraud review ${note}`, plain_body: `Flagged for fraud review ${note}`, public: false, created_at: "2024-05-01T09:00:00Z" },
        { id: base + 5, author_id: agent.id, body: `Hello Rhea, ${said}`, plain_body: `Hello Rhea, ${said}`, public: true, created_at: "2024-05-01T10:00:00Z" },
      ],
    };
    const created = await api("POST", "/api/v1/imports", { token: s.admin.token, body: { source: "zendesk" } });
    expect(created.status).toBe(201);
    expect((await uploadText(s.admin, created.body.id, JSON.stringify({ users: [requester, agent] }), "application/json")).status).toBe(201);
    expect((await uploadText(s.admin, created.body.id, `${JSON.stringify(ticket)}\n`)).status).toBe(201);
    expect((await api("POST", `/api/v1/imports/${created.body.id}/start`, { token: s.admin.token })).status).toBe(202);
    const until = Date.now() + 60_000;
    let job: any;
    do {
      job = (await api("GET", `/api/v1/imports/${created.body.id}`, { token: s.admin.token })).body;
      if (job.status === "done" || job.status === "failed") break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < until);
    expect(job.status, JSON.stringify(job)).toBe("done");

    const row = await env.DB.prepare("SELECT t.id, t.requester_id FROM tickets t WHERE t.external_id = ?").bind(String(ticket.id)).first<{ id: string; requester_id: string }>();
    expect(row).not.toBeNull();
    const token = await signAccessToken(env, { sub: row!.requester_id, role: "customer", tv: 0 });
    const asRequester = (path: string) => api("GET", path, { token });
    const seen = JSON.stringify([
      (await asRequester(`/api/v1/tickets/${row!.id}`)).body,
      (await asRequester(`/api/v1/tickets/${row!.id}/comments?limit=100`)).body,
      (await asRequester(`/api/v1/tickets/${row!.id}/history?limit=100`)).body,
      (await asRequester(`/api/v1/tickets?limit=100`)).body,
    ]);
    // The probe sees: the requester reads their ticket and its public reply.
    expect(seen).toContain(said);
    expect(seen).not.toContain(note);
    const staff = (await api("GET", `/api/v1/tickets/${row!.id}/comments?limit=100`, { token: s.agent.token })).body.data as { body: string; internal: boolean }[];
    expect(staff.filter((c) => c.body.includes(note)).map((c) => c.internal)).toEqual([true]);
  });
});
