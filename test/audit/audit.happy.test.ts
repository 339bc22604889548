import { describe, expect, it } from "vitest";
import { api, makeUser, type TestUser } from "../helpers";
import { register, uniqueEmail, uniqueIp } from "../auth/support";

const UA = "AuditTest/1.0 (+https://edgedesk.test)";

/** The audit entries of one entity, as an admin sees them through the API, oldest first. */
async function trail(admin: TestUser, entityType: string, entityId: string) {
  const res = await api("GET", `/api/v1/audit-logs?entity_type=${entityType}&entity_id=${entityId}&limit=100`, { token: admin.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return [...res.body.data].reverse();
}

const from = (ip: string) => ({ "cf-connecting-ip": ip, "user-agent": UA });

describe("GET /api/v1/audit-logs: every write leaves an entry", () => {
  it("has the documented shape", async () => {
    const admin = await makeUser("admin");
    const ip = uniqueIp();
    const created = await api("POST", "/api/v1/users", {
      token: admin.token,
      body: { name: "Shape", email: uniqueEmail(), password: "longpassword", role: "agent" },
      headers: from(ip),
    });
    const [entry] = await trail(admin, "user", created.body.id);
    expect(Object.keys(entry).sort()).toEqual(["action", "actor_id", "at", "changes", "entity_id", "entity_type", "id", "ip", "user_agent"]);
    expect(entry).toMatchObject({
      id: expect.any(String),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      actor_id: admin.id,
      action: "user.created",
      entity_type: "user",
      entity_id: created.body.id,
      ip,
      user_agent: UA,
    });
    expect(entry.changes).toMatchObject({ name: [null, "Shape"], role: [null, "agent"] });
  });

  it("records a registration, with the new customer as actor", async () => {
    const admin = await makeUser("admin");
    const ip = uniqueIp();
    const email = uniqueEmail();
    const reg = await register({ name: "Newbie", email, password: "longpassword" }, from(ip));
    const entries = await trail(admin, "user", reg.body.user.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: "user.registered", actor_id: reg.body.user.id, ip, user_agent: UA });
    expect(entries[0].changes).toMatchObject({ email: [null, email], role: [null, "customer"] });
  });

  it("records user create, edit and deactivation with old and new values", async () => {
    const admin = await makeUser("admin");
    const ip = uniqueIp();
    const created = await api("POST", "/api/v1/users", {
      token: admin.token,
      body: { name: "Lifecycle", email: uniqueEmail(), password: "longpassword", role: "agent" },
      headers: from(ip),
    });
    const id = created.body.id;
    await api("PATCH", `/api/v1/users/${id}`, { token: admin.token, body: { name: "Lifecycle Two", role: "manager" }, headers: from(ip) });
    await api("DELETE", `/api/v1/users/${id}`, { token: admin.token, headers: from(ip) });
    const entries = await trail(admin, "user", id);
    expect(entries.map((e) => e.action)).toEqual(["user.created", "user.updated", expect.stringMatching(/^user\.(updated|deactivated)$/)]);
    expect(entries[1].changes).toEqual({ name: ["Lifecycle", "Lifecycle Two"], role: ["agent", "manager"] });
    expect(entries[2].changes).toMatchObject({ active: [true, false] });
    for (const e of entries) expect(e).toMatchObject({ actor_id: admin.id, ip, user_agent: UA });
  });

  it("records ticket create, update and delete, and comments", async () => {
    const admin = await makeUser("admin");
    const customer = await makeUser("customer");
    const agent = await makeUser("agent");
    const ip = uniqueIp();
    const ticket = await api("POST", "/api/v1/tickets", {
      token: customer.token,
      body: { subject: "Audit me", description: "Please" },
      headers: from(ip),
    });
    expect(ticket.status, JSON.stringify(ticket.body)).toBe(201);
    const id = ticket.body.id;
    const patched = await api("PATCH", `/api/v1/tickets/${id}`, { token: agent.token, body: { priority: "high" }, headers: from(ip) });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const comment = await api("POST", `/api/v1/tickets/${id}/comments`, { token: agent.token, body: { body: "Looking" }, headers: from(ip) });
    const note = await api("POST", `/api/v1/tickets/${id}/comments`, { token: agent.token, body: { body: "Internal", internal: true }, headers: from(ip) });
    expect((await api("DELETE", `/api/v1/tickets/${id}`, { token: admin.token, headers: from(ip) })).status).toBe(204);

    const ticketEntries = await trail(admin, "ticket", id);
    const actions = ticketEntries.map((e) => e.action);
    expect(actions[0]).toBe("ticket.created");
    expect(actions).toContain("ticket.deleted");
    const created = ticketEntries[0];
    expect(created).toMatchObject({ actor_id: customer.id, ip, user_agent: UA });
    expect(created.changes).toMatchObject({ subject: [null, "Audit me"] });
    const update = ticketEntries.find((e) => e.actor_id === agent.id && e.changes.priority);
    expect(update?.changes.priority).toEqual(["medium", "high"]);
    expect(ticketEntries.find((e) => e.action === "ticket.deleted")).toMatchObject({ actor_id: admin.id, ip });

    for (const c of [comment, note]) {
      expect(c.status).toBe(201);
      const [entry] = await trail(admin, "comment", c.body.id);
      expect(entry).toMatchObject({ actor_id: agent.id, entity_type: "comment", ip, user_agent: UA });
      expect(entry.changes).toMatchObject({ ticket_id: id });
    }
    // The trail survives the ticket's deletion.
    expect((await trail(admin, "ticket", id)).length).toBe(ticketEntries.length);
  });

  it("records a null ip and user agent when the request had none", async () => {
    const admin = await makeUser("admin");
    const created = await api("POST", "/api/v1/users", { token: admin.token, body: { name: "Bare", email: uniqueEmail(), password: "longpassword", role: "agent" } });
    const [entry] = await trail(admin, "user", created.body.id);
    expect(entry.ip).toBeNull();
    expect(entry.user_agent).toBeNull();
  });

  it("keeps only the first 512 characters of a user agent", async () => {
    const admin = await makeUser("admin");
    const created = await api("POST", "/api/v1/users", {
      token: admin.token,
      body: { name: "LongUA", email: uniqueEmail(), password: "longpassword", role: "agent" },
      headers: { "user-agent": `UA${"x".repeat(5000)}` },
    });
    const [entry] = await trail(admin, "user", created.body.id);
    expect(entry.user_agent).toHaveLength(512);
    expect(entry.user_agent.startsWith("UAxxx")).toBe(true);
  });

  it("writes nothing for a write that failed", async () => {
    const admin = await makeUser("admin");
    const existing = await makeUser("agent");
    const before = await api("GET", `/api/v1/audit-logs?actor_id=${admin.id}`, { token: admin.token });
    await api("POST", "/api/v1/users", { token: admin.token, body: { name: "Dup", email: existing.email, password: "longpassword", role: "agent" } });
    await api("POST", "/api/v1/users", { token: admin.token, body: { name: "Bad", email: "nope", password: "longpassword", role: "agent" } });
    await api("PATCH", `/api/v1/users/${admin.id}`, { token: admin.token, body: { role: "agent" } });
    const after = await api("GET", `/api/v1/audit-logs?actor_id=${admin.id}`, { token: admin.token });
    expect(after.body.data).toEqual(before.body.data);
  });
});

describe("GET /api/v1/audit-logs: filters and pages", () => {
  it("filters by entity_type, entity_id and actor_id, alone and together", async () => {
    const admin = await makeUser("admin");
    const otherAdmin = await makeUser("admin");
    const a = await api("POST", "/api/v1/users", { token: admin.token, body: { name: "FA", email: uniqueEmail(), password: "longpassword", role: "agent" } });
    const b = await api("POST", "/api/v1/users", { token: otherAdmin.token, body: { name: "FB", email: uniqueEmail(), password: "longpassword", role: "agent" } });
    await api("PATCH", `/api/v1/users/${a.body.id}`, { token: otherAdmin.token, body: { name: "FA2" } });
    const ticket = await api("POST", "/api/v1/tickets", { token: admin.token, body: { subject: "Filter", description: "x" } });

    const byActor = await api("GET", `/api/v1/audit-logs?actor_id=${admin.id}`, { token: admin.token });
    expect(byActor.body.data.map((e: any) => e.entity_id).sort()).toEqual([a.body.id, ticket.body.id].sort());
    expect(byActor.body.data.every((e: any) => e.actor_id === admin.id)).toBe(true);

    const byEntity = await api("GET", `/api/v1/audit-logs?entity_id=${a.body.id}`, { token: admin.token });
    expect(byEntity.body.data.map((e: any) => e.actor_id)).toEqual([otherAdmin.id, admin.id]);

    const byBoth = await api("GET", `/api/v1/audit-logs?entity_type=user&actor_id=${otherAdmin.id}`, { token: admin.token });
    expect(byBoth.body.data.map((e: any) => e.entity_id).sort()).toEqual([a.body.id, b.body.id].sort());

    const byType = await api("GET", "/api/v1/audit-logs?entity_type=ticket&limit=100", { token: admin.token });
    expect(byType.body.data.length).toBeGreaterThan(0);
    expect(byType.body.data.every((e: any) => e.entity_type === "ticket")).toBe(true);

    const nothing = await api("GET", `/api/v1/audit-logs?entity_type=ticket&entity_id=${a.body.id}`, { token: admin.token });
    expect(nothing.body).toEqual({ data: [], next_cursor: null });
  });

  it("pages newest first with cursors that neither overlap nor skip", async () => {
    const admin = await makeUser("admin");
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await api("POST", "/api/v1/users", { token: admin.token, body: { name: `P${i}`, email: uniqueEmail(), password: "longpassword", role: "agent" } });
      made.push(res.body.id);
    }
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await api("GET", `/api/v1/audit-logs?actor_id=${admin.id}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
        token: admin.token,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.body.data);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.map((e) => e.entity_id)).toEqual([...made].reverse());
    const ats = seen.map((e) => e.at);
    expect([...ats].sort().reverse()).toEqual(ats);
  });
});
