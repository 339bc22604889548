import { beforeAll, describe, expect, it } from "vitest";
import { exports } from "../../src/db/schema";
import { api, BASE, db, expectProblem, makeStaff, makeUser, type TestUser } from "../helpers";
import { canaryWord } from "./support";

/**
 * A person's data (API.md "Privacy": GET /users/{id}/export): an export job built by the real
 * Queue consumer into R2; the file holds what is held about them, and nobody else's tickets.
 */
let s: Awaited<ReturnType<typeof makeStaff>>;
let person: TestUser;
const word = canaryWord("x");
let ticketId: string;
let othersTicket: string;

async function waitDone(id: string) {
  for (let i = 0; i < 100; i++) {
    const res = await api("GET", `/api/v1/exports/${id}`, { token: s.admin.token });
    if (res.body.status === "done" || res.body.status === "failed") return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the export did not finish");
}

beforeAll(async () => {
  s = await makeStaff();
  person = await makeUser("customer", { name: "Export Person" });
  const t = await api("POST", "/api/v1/tickets", { token: person.token, body: { subject: "Lost parcel", description: `Parcel ${word} is lost.` } });
  ticketId = t.body.id;
  await api("POST", `/api/v1/tickets/${ticketId}/comments`, { token: s.agent.token, body: { body: "Checking with the carrier." } });
  await api("POST", `/api/v1/tickets/${ticketId}/comments`, { token: s.agent.token, body: { body: "Note: carrier says delivered.", internal: true } });
  await api("POST", `/api/v1/tickets/${ticketId}/comments`, { token: person.token, body: { body: `Still nothing for ${word}.` } });
  await api("POST", "/api/v1/saved-searches", { token: person.token, body: { name: "parcels", query: "parcel" } });
  othersTicket = (await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Someone else's", description: "Not theirs at all" } })).body.id;
});

describe("exporting a person's data", () => {
  it("queues a job, the consumer builds it, the admin downloads everything held about them and nothing of others", async () => {
    const res = await api("GET", `/api/v1/users/${person.id}/export`, { token: s.admin.token });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ kind: "user", format: "json", subject_id: person.id, status: "queued", download_url: null, created_by_id: s.admin.id });
    const done = await waitDone(res.body.id);
    expect(done).toMatchObject({ status: "done", download_url: `${BASE}/api/v1/exports/${res.body.id}/download` });
    const file = await api("GET", `/api/v1/exports/${res.body.id}/download`, { token: s.admin.token });
    expect(file.status).toBe(200);
    expect(file.headers.get("content-disposition")).toContain("attachment");
    const doc = file.body;
    expect(doc.user).toMatchObject({ id: person.id, name: "Export Person", email: person.email });
    expect(doc.tickets.map((t: { id: string }) => t.id)).toEqual([ticketId]);
    expect(doc.tickets[0].description).toBe(`Parcel ${word} is lost.`);
    expect(doc.tickets[0].comments.map((c: { body: string; internal: boolean }) => [c.body, c.internal])).toEqual([
      ["Checking with the carrier.", false],
      ["Note: carrier says delivered.", true],
      [`Still nothing for ${word}.`, false],
    ]);
    expect(doc.saved_searches).toMatchObject([{ name: "parcels", query: "parcel" }]);
    expect(doc.audit.some((a: { action: string }) => a.action === "ticket.created")).toBe(true);
    expect(JSON.stringify(doc)).not.toContain(othersTicket);
    expect(JSON.stringify(doc)).not.toContain("Not theirs at all");
  });

  it("admins only; an unknown person 404; a download before it is done 409", async () => {
    expectProblem(await api("GET", `/api/v1/users/${person.id}/export`, { token: s.manager.token }), 403, "FORBIDDEN");
    expectProblem(await api("GET", `/api/v1/users/${person.id}/export`, { token: person.token }), 403, "FORBIDDEN");
    expectProblem(await api("GET", "/api/v1/users/nobody/export", { token: s.admin.token }), 404, "NOT_FOUND");
    expectProblem(await api("GET", "/api/v1/exports/nothing", { token: s.admin.token }), 404, "NOT_FOUND");
    // A job the consumer has not reached yet (written straight to D1, so no queue message races the check).
    const now = new Date();
    await db()
      .insert(exports)
      .values({ id: `pending-${word}`, kind: "user", format: "json", subjectId: person.id, status: "queued", createdById: s.admin.id, createdAt: now.toISOString(), updatedAt: now.toISOString(), expiresAt: new Date(now.getTime() + 86_400_000).toISOString() });
    expectProblem(await api("GET", `/api/v1/exports/pending-${word}/download`, { token: s.admin.token }), 409, "CONFLICT");
    expectProblem(await api("GET", `/api/v1/exports/pending-${word}`, { token: s.agent.token }), 403, "FORBIDDEN");
  });
});
