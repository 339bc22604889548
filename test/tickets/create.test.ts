import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { createTicket } from "../../src/features/tickets/tickets.service";
import { api, db, expectProblem, makeStaff, type TestUser } from "../helpers";
import { auditRows, countRows, ctxAt, historyRows, HOUR, openTicket, rowOf } from "./fixtures";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const post = (user: TestUser | null, body: unknown, headers: Record<string, string> = {}) =>
  api("POST", "/api/v1/tickets", { token: user?.token, body, headers });

const DUE_HOURS = { critical: [1, 4], high: [4, 24], medium: [8, 72], low: [24, 168] } as const;

describe("POST /tickets: success", () => {
  it("opens a ticket for the caller with the documented shape, Location and ETag", async () => {
    const res = await post(s.customer, { subject: "  Printer on fire ", description: "Help", tags: ["Fire", "printer", "fire"] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const t = res.body;
    expect(res.headers.get("location")).toBe(`/api/v1/tickets/${t.id}`);
    expect(res.headers.get("etag")).toBe('"1"');
    expect(t).toMatchObject({
      subject: "Printer on fire",
      description: "Help",
      status: "open",
      priority: "medium",
      category: null,
      channel: "web",
      tags: ["fire", "printer"],
      requester: { id: s.customer.id, name: s.customer.name, email: s.customer.email },
      assignee_id: null,
      team_id: null,
      version: 1,
      first_response_at: null,
      resolved_at: null,
      closed_at: null,
      merged_into_id: null,
      links: [],
      sla: { policy: "medium", breached: false, paused: false },
      custom_status: "open",
      custom_fields: {},
      satisfaction: null,
    });
    // Logged time is staff bookkeeping: the customer's view has none.
    expect(t).not.toHaveProperty("time_spent_minutes");
    expect(t.number).toMatch(/^TICK-\d{8}-\d{4,}$/);
    expect(t.number.slice(5, 13)).toBe(t.created_at.slice(0, 10).replaceAll("-", ""));
    expect(t.created_at).toBe(t.updated_at);
    expect(Object.keys(t).sort()).toEqual(
      [
        "id", "number", "subject", "description", "status", "priority", "category", "channel", "tags", "requester", "assignee_id",
        "team_id", "version", "created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "merged_into_id", "links", "sla",
        "custom_status", "custom_fields", "external_id", "satisfaction",
      ].sort(),
    );
    // What the API answered is what a later GET reads.
    const again = await api("GET", `/api/v1/tickets/${t.id}`, { token: s.customer.token });
    expect(again.body).toEqual(t);
  });

  it.each(Object.entries(DUE_HOURS))("%s: due dates are created_at plus the table's hours", async (priority, [first, resolution]) => {
    const t = await openTicket(s.agent, { priority });
    const created = Date.parse(t.created_at);
    expect(t.priority).toBe(priority);
    expect(t.sla.policy).toBe(priority);
    expect(t.sla.first_response_due_at).toBe(new Date(created + first * HOUR).toISOString());
    expect(t.sla.resolution_due_at).toBe(new Date(created + resolution * HOUR).toISOString());
  });

  it("takes category, channel and priority from the creator, customers included (on the channels they may use)", async () => {
    const t = await openTicket(s.customer, { priority: "critical", category: "billing", channel: "api", tags: [] });
    expect(t).toMatchObject({ priority: "critical", category: "billing", channel: "api", tags: [] });
    const recorded = await openTicket(s.agent, { priority: "low", category: "billing", channel: "phone", requester_email: s.customer.email });
    expect(recorded).toMatchObject({ priority: "low", channel: "phone", requester: { id: s.customer.id } });
  });

  it("writes the created history entry (version 1) and an audit row", async () => {
    const t = await openTicket(s.customer, { category: "hw" });
    const history = await api("GET", `/api/v1/tickets/${t.id}/history`, { token: s.customer.token });
    expect(history.body.data).toHaveLength(1);
    expect(history.body.data[0]).toMatchObject({
      type: "created",
      version: 1,
      actor: { id: s.customer.id, name: s.customer.name, role: "customer" },
      changes: { subject: [null, t.subject], status: [null, "open"], priority: [null, "medium"], category: [null, "hw"], requester_id: [null, s.customer.id] },
    });
    const audit = await auditRows(t.id);
    expect(audit.map((a) => a.action)).toEqual(["ticket.created"]);
    expect(audit[0]).toMatchObject({ actorId: s.customer.id, entityType: "ticket", ip: null });
  });

  it("ignores unknown and privileged-looking fields", async () => {
    const t = await openTicket(s.customer, {
      status: "closed",
      version: 99,
      id: "chosen-id",
      number: "TICK-20000101-0001",
      assignee_id: s.agent.id,
      requester_id: s.customer2.id,
      created_at: "2000-01-01T00:00:00.000Z",
      sla: { breached: true },
      first_response_at: "2000-01-01T00:00:00.000Z",
    });
    expect(t).toMatchObject({ status: "open", version: 1, assignee_id: null, team_id: null, requester: { id: s.customer.id }, first_response_at: null });
    expect(t.id).not.toBe("chosen-id");
    expect(t.number).not.toBe("TICK-20000101-0001");
    expect(t.created_at.startsWith("2000")).toBe(false);
  });
});

describe("POST /tickets: on behalf of a requester", () => {
  it("a customer naming another requester gets 403 and nothing is created", async () => {
    const before = { tickets: await countRows("tickets"), users: await countRows("users") };
    const res = await post(s.customer, { subject: "x", description: "y", requester_email: "victim@example.test" });
    expectProblem(res, 403, "FORBIDDEN");
    const res2 = await post(s.customer, { subject: "x", description: "y", requester_email: s.customer2.email });
    expectProblem(res2, 403, "FORBIDDEN");
    expect({ tickets: await countRows("tickets"), users: await countRows("users") }).toEqual(before);
  });

  it("a customer naming their own email is simply opening their own ticket", async () => {
    const t = await openTicket(s.customer, { requester_email: s.customer.email.toUpperCase() });
    expect(t.requester.id).toBe(s.customer.id);
  });

  it("an agent opening for a new email creates that customer, who then sees the ticket", async () => {
    const email = `New.Person.${crypto.randomUUID().slice(0, 6)}@Example.test`;
    const t = await openTicket(s.agent, { requester_email: email, requester_name: "New Person", channel: "phone" });
    expect(t.requester).toMatchObject({ email: email.toLowerCase(), name: "New Person" });
    const [created] = await db().select().from(users).where(eq(users.email, email.toLowerCase()));
    expect(created).toMatchObject({ role: "customer", active: true, passwordHash: null });
    const audit = await auditRows(created!.id);
    expect(audit.map((a) => a.action)).toEqual(["user.created"]);
    // A second ticket for the same address reuses the customer.
    const t2 = await openTicket(s.manager, { requester_email: email.toUpperCase() });
    expect(t2.requester.id).toBe(t.requester.id);
    expect((await rowOf(t2.id))!.createdById).toBe(s.manager.id);
  });

  it("an agent opening for an existing customer's email files it under that customer", async () => {
    const t = await openTicket(s.admin, { requester_email: s.customer2.email });
    expect(t.requester.id).toBe(s.customer2.id);
    const list = await api("GET", "/api/v1/tickets?limit=100", { token: s.customer2.token });
    expect(list.body.data.map((x: { id: string }) => x.id)).toContain(t.id);
  });

  it("without a requester_name the new customer is named after the address", async () => {
    const email = `anon-${crypto.randomUUID().slice(0, 6)}@example.test`;
    const t = await openTicket(s.agent, { requester_email: email });
    expect(t.requester.name).toBe(email.split("@")[0]);
  });

  it("a malformed requester_email is a validation error", async () => {
    expectProblem(await post(s.agent, { subject: "x", description: "y", requester_email: "not-an-email" }), 400, "VALIDATION_ERROR");
  });
});

describe("POST /tickets: hostile and invalid input changes nothing", () => {
  const cases: [string, unknown][] = [
    ["missing subject", { description: "d" }],
    ["missing description", { subject: "s" }],
    ["empty subject", { subject: "", description: "d" }],
    ["blank subject", { subject: "   ", description: "d" }],
    ["subject of 201 chars", { subject: "s".repeat(201), description: "d" }],
    ["empty description", { subject: "s", description: "" }],
    ["description of 50,001 chars", { subject: "s", description: "d".repeat(50_001) }],
    ["numeric subject", { subject: 42, description: "d" }],
    ["unknown priority", { subject: "s", description: "d", priority: "urgent" }],
    ["unknown channel", { subject: "s", description: "d", channel: "fax" }],
    ["tags not an array", { subject: "s", description: "d", tags: "a,b" }],
    ["21 tags", { subject: "s", description: "d", tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
    ["a tag with spaces", { subject: "s", description: "d", tags: ["two words"] }],
    ["a tag with SQL", { subject: "s", description: "d", tags: ["' OR 1=1 --"] }],
    ["a non-string tag", { subject: "s", description: "d", tags: [1] }],
    ["an array body", [{ subject: "s", description: "d" }]],
    ["a null body", null],
    ["a string body", "subject"],
  ];
  it.each(cases)("%s → 400", async (_label, body) => {
    const before = await countRows("tickets");
    const res = await api("POST", "/api/v1/tickets", { token: s.customer.token, raw: JSON.stringify(body), headers: { "content-type": "application/json" } });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(await countRows("tickets")).toBe(before);
  });

  it("validation errors name the field", async () => {
    const res = await post(s.customer, { subject: "s".repeat(201), description: "d".repeat(50_001) });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(Object.keys(res.body.errors).sort()).toEqual(["description", "subject"]);
  });

  it.each(['{"subject": "s", "description": ', "{subject: 's'}", "", "\u0000"])("malformed JSON %j → 400", async (raw) => {
    const before = await countRows("tickets");
    const res = await api("POST", "/api/v1/tickets", { token: s.customer.token, raw, headers: { "content-type": "application/json" } });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(await countRows("tickets")).toBe(before);
  });

  it("the limits themselves are accepted: 200-char subject, 50,000-char description", async () => {
    const t = await openTicket(s.customer, { subject: "s".repeat(200), description: "d".repeat(50_000) });
    expect(t.subject).toHaveLength(200);
    expect(t.description).toHaveLength(50_000);
  });

  it("no token → 401, a garbage token → 401, nothing created", async () => {
    const before = await countRows("tickets");
    expectProblem(await post(null, { subject: "s", description: "d" }), 401, "UNAUTHORIZED");
    expectProblem(await post({ ...s.customer, token: "garbage" }, { subject: "s", description: "d" }), 401, "UNAUTHORIZED");
    expect(await countRows("tickets")).toBe(before);
  });
});

describe("ticket numbers: per-UTC-day sequence", () => {
  it("counts up within a day and restarts at 0001 the next day", async () => {
    // Far in the future so no other ticket of this file shares these days.
    const input = { subject: "s", description: "d", priority: "medium" as const, channel: "web" as const, tags: [] };
    const numbers: string[] = [];
    for (const at of ["2031-01-05T00:00:00.000Z", "2031-01-05T12:00:00.000Z", "2031-01-05T23:59:59.999Z", "2031-01-06T00:00:00.000Z"]) {
      numbers.push((await createTicket(ctxAt(s.agent, at), input)).body.number);
    }
    expect(numbers).toEqual(["TICK-20310105-0001", "TICK-20310105-0002", "TICK-20310105-0003", "TICK-20310106-0001"]);
    const byNumber = await api("GET", `/api/v1/tickets/TICK-20310105-0002`, { token: s.agent.token });
    expect(byNumber.status).toBe(200);
    expect(byNumber.body.created_at).toBe("2031-01-05T12:00:00.000Z");
    // History of a ticket made at a chosen instant carries that instant.
    const rows = await historyRows(byNumber.body.id);
    expect(rows[0]!.at).toBe("2031-01-05T12:00:00.000Z");
  });
});
