import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff, type ApiResponse, type TestUser } from "../helpers";
import { openTicket, rowOf, type TicketBody } from "./fixtures";

let s: Awaited<ReturnType<typeof makeStaff>>;
let ticketA: TicketBody;
const SECRET = `internal-secret-${crypto.randomUUID()}`;

beforeAll(async () => {
  s = await makeStaff();
  ticketA = await openTicket(s.customer, { subject: "A's private problem" });
  // Give the ticket comments, an internal note and internal history.
  expect((await api("POST", `/api/v1/tickets/${ticketA.id}/comments`, { token: s.agent.token, body: { body: "public answer" } })).status).toBe(201);
  expect((await api("POST", `/api/v1/tickets/${ticketA.id}/comments`, { token: s.agent.token, body: { body: SECRET, internal: true } })).status).toBe(201);
  expect((await api("POST", `/api/v1/tickets/${ticketA.id}/escalate`, { token: s.manager.token, body: { reason: SECRET } })).status).toBe(200);
});

/** Every way to reach a ticket, as `who`. */
function allPaths(who: TestUser, ref: string) {
  return {
    "GET ticket": api("GET", `/api/v1/tickets/${ref}`, { token: who.token }),
    "GET comments": api("GET", `/api/v1/tickets/${ref}/comments`, { token: who.token }),
    "GET history": api("GET", `/api/v1/tickets/${ref}/history`, { token: who.token }),
    "PATCH status": api("PATCH", `/api/v1/tickets/${ref}`, { token: who.token, body: { status: "cancelled" } }),
    "PATCH subject": api("PATCH", `/api/v1/tickets/${ref}`, { token: who.token, body: { subject: "pwned" } }),
    "PATCH empty": api("PATCH", `/api/v1/tickets/${ref}`, { token: who.token, body: {} }),
    "POST comment": api("POST", `/api/v1/tickets/${ref}/comments`, { token: who.token, body: { body: "me too" } }),
    "POST internal note": api("POST", `/api/v1/tickets/${ref}/comments`, { token: who.token, body: { body: "x", internal: true } }),
    "POST assign agent": api("POST", `/api/v1/tickets/${ref}/assign`, { token: who.token, body: { assignee_id: s.agent.id } }),
    "POST assign self": api("POST", `/api/v1/tickets/${ref}/assign`, { token: who.token, body: { assignee_id: who.id } }),
    "POST assign garbage": api("POST", `/api/v1/tickets/${ref}/assign`, { token: who.token, body: { assignee_id: "nope" } }),
    "POST assign auto": api("POST", `/api/v1/tickets/${ref}/assign`, { token: who.token, body: { strategy: "auto" } }),
    "POST escalate": api("POST", `/api/v1/tickets/${ref}/escalate`, { token: who.token, body: { reason: "x" } }),
    DELETE: api("DELETE", `/api/v1/tickets/${ref}`, { token: who.token }),
  };
}

describe("customer B and customer A's ticket", () => {
  it.each(["id", "number"] as const)("every path by %s answers 404, the same as for a ticket that does not exist", async (by) => {
    const before = await rowOf(ticketA.id);
    const ref = by === "id" ? ticketA.id : ticketA.number;
    const missing = by === "id" ? "01jz0000000000000000000000" : "TICK-19990101-0001";
    const theirs = allPaths(s.customer2, ref);
    const none = allPaths(s.customer2, missing);
    for (const [name, p] of Object.entries(theirs)) {
      const res = await p;
      expectProblem(res, 404, "NOT_FOUND");
      const ghost = await none[name as keyof typeof none];
      expectProblem(ghost, 404, "NOT_FOUND");
      // Same body: nothing tells "exists but not yours" from "does not exist".
      expect({ ...res.body, detail: res.body.detail.replace(ref, "") }, name).toEqual({ ...ghost.body, detail: ghost.body.detail.replace(missing, "") });
      expect(JSON.stringify(res.body)).not.toContain(ticketA.subject);
    }
    expect(await rowOf(ticketA.id)).toEqual(before);
  });

  it("B's list, filters and sorts never include A's ticket", async () => {
    for (const q of ["", `?requester_id=${s.customer.id}`, "?assignee_id=none", "?sort=priority", "?sort=sla_due", "?status=open,in_progress,pending"]) {
      const res = await api("GET", `/api/v1/tickets${q}`, { token: s.customer2.token });
      expect(res.status).toBe(200);
      expect(res.body.data.map((t: TicketBody) => t.id)).not.toContain(ticketA.id);
    }
  });

  it("an unknown or garbage reference is a plain 404 for staff too", async () => {
    for (const ref of ["nope", "TICK-20991231-9999", "%27%20OR%201%3D1%20--", "x".repeat(64)]) {
      expectProblem(await api("GET", `/api/v1/tickets/${ref}`, { token: s.admin.token }), 404, "NOT_FOUND");
    }
    // Longer than any id or number: refused as invalid before any lookup.
    expectProblem(await api("GET", `/api/v1/tickets/${"x".repeat(65)}`, { token: s.admin.token }), 400, "VALIDATION_ERROR");
  });
});

describe("internal notes never reach a customer", () => {
  it("the requester's comment list holds only public comments, on every page", async () => {
    let cursor: string | null = null;
    const bodies: string[] = [];
    do {
      const res: ApiResponse = await api("GET", `/api/v1/tickets/${ticketA.id}/comments?limit=1${cursor ? `&cursor=${cursor}` : ""}`, {
        token: s.customer.token,
      });
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain(SECRET);
      bodies.push(...res.body.data.map((c: { body: string; internal: boolean }) => (expect(c.internal).toBe(false), c.body)));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(bodies).toEqual(["public answer"]);
  });

  it("staff see the note", async () => {
    const res = await api("GET", `/api/v1/tickets/${ticketA.id}/comments`, { token: s.agent.token });
    expect(res.body.data.map((c: { body: string }) => c.body)).toEqual(["public answer", SECRET]);
  });

  it("the requester's history shows no internal event (note, escalation)", async () => {
    const customer = await api("GET", `/api/v1/tickets/${ticketA.id}/history`, { token: s.customer.token });
    const staff = await api("GET", `/api/v1/tickets/${ticketA.id}/history`, { token: s.agent.token });
    expect(JSON.stringify(customer.body)).not.toContain(SECRET);
    const types = (r: typeof customer) => r.body.data.map((h: { type: string }) => h.type);
    expect(types(customer)).toEqual(["created", "commented"]);
    expect(types(staff)).toEqual(expect.arrayContaining(["created", "commented", "note_added", "escalated"]));
    expect(JSON.stringify(staff.body)).toContain(SECRET);
  });

  it("the ticket itself carries no note, for the requester by id or number", async () => {
    for (const ref of [ticketA.id, ticketA.number]) {
      const res = await api("GET", `/api/v1/tickets/${ref}`, { token: s.customer.token });
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain(SECRET);
    }
    const list = await api("GET", "/api/v1/tickets?limit=100", { token: s.customer.token });
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
  });

  it("the requester's own responses to writes carry no note either", async () => {
    const reply = await api("POST", `/api/v1/tickets/${ticketA.id}/comments`, { token: s.customer.token, body: { body: "thanks" } });
    expect(reply.status).toBe(201);
    expect(JSON.stringify(reply.body)).not.toContain(SECRET);
    const patch = await api("PATCH", `/api/v1/tickets/${ticketA.id}`, { token: s.customer.token, body: {} });
    expect(patch.status).toBe(200);
    expect(JSON.stringify(patch.body)).not.toContain(SECRET);
  });
});
