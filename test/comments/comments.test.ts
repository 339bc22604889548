import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, makeStaff, type ApiResponse, type TestUser } from "../helpers";
import { auditRows, commentRows, countRows, getTicket, historyRows, HOUR, openTicket, patchTicket, rowOf, setTicketColumns } from "../tickets/fixtures";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const comment = (who: TestUser, ref: string, body: unknown, headers: Record<string, string> = {}) =>
  api("POST", `/api/v1/tickets/${ref}/comments`, { token: who.token, body, headers });
const listComments = (who: TestUser, ref: string, q = "") => api("GET", `/api/v1/tickets/${ref}/comments${q}`, { token: who.token });

describe("POST /tickets/{id}/comments", () => {
  it("a requester's reply: 201, the documented shape, Location, history and audit; no version bump", async () => {
    const t = await openTicket(s.customer);
    const res = await comment(s.customer, t.number, { body: "More detail" });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      ticket_id: t.id,
      author: { id: s.customer.id, name: s.customer.name, role: "customer" },
      body: "More detail",
      internal: false,
      channel: "web",
      created_at: expect.any(String),
    });
    expect(res.headers.get("location")).toBe(`/api/v1/tickets/${t.id}/comments/${res.body.id}`);
    const after = await getTicket(s.customer, t.id);
    expect(after.body.version).toBe(1);
    expect(after.body.first_response_at).toBeNull();
    expect(after.body.updated_at >= t.updated_at).toBe(true);
    expect((await historyRows(t.id)).map((h) => [h.type, h.version, h.changes])).toEqual([
      ["created", 1, expect.any(Object)],
      ["commented", 1, { comment_id: res.body.id }],
    ]);
    expect((await auditRows(res.body.id)).map((a) => [a.action, a.actorId])).toEqual([["comment.created", s.customer.id]]);
  });

  it("the first public staff reply sets first_response_at once; later replies keep it", async () => {
    const t = await openTicket(s.customer);
    await comment(s.customer, t.id, { body: "customer again" });
    await comment(s.agent, t.id, { body: "note", internal: true });
    expect((await getTicket(s.agent, t.id)).body.first_response_at).toBeNull();
    const first = await comment(s.agent2, t.id, { body: "We are on it" });
    const stamped = (await getTicket(s.agent, t.id)).body;
    expect(stamped.first_response_at).toBe(first.body.created_at);
    expect(stamped.version).toBe(1);
    expect(stamped.sla.breached).toBe(false);
    // The clock now runs against the resolution target.
    expect((await rowOf(t.id))!.slaNextDueAt).toBe(stamped.sla.resolution_due_at);
    await comment(s.manager, t.id, { body: "Second answer" });
    expect((await getTicket(s.agent, t.id)).body.first_response_at).toBe(first.body.created_at);
  });

  it("a first response after the due date marks the ticket breached, for good", async () => {
    const t = await openTicket(s.customer, { priority: "critical" });
    const past = new Date(Date.now() - 2 * HOUR).toISOString();
    await setTicketColumns(t.id, { createdAt: past, firstResponseDueAt: new Date(Date.now() - HOUR).toISOString(), slaNextDueAt: new Date(Date.now() - HOUR).toISOString() });
    expect((await getTicket(s.agent, t.id)).body.sla.breached).toBe(true);
    await comment(s.agent, t.id, { body: "Sorry for the wait" });
    const after = (await getTicket(s.agent, t.id)).body;
    expect(after.first_response_at).not.toBeNull();
    expect(after.sla.breached).toBe(true);
    expect((await rowOf(t.id))!.slaBreached).toBe(true);
  });

  it("a customer reply on a pending ticket sets it back to open: version bump, history shows the status change", async () => {
    const t = await openTicket(s.customer);
    await patchTicket(s.agent, t.id, { status: "pending" });
    expect((await getTicket(s.agent, t.id)).body.sla.paused).toBe(true);
    const reply = await comment(s.customer, t.id, { body: "Here is the log" });
    expect(reply.status).toBe(201);
    const after = (await getTicket(s.customer, t.id)).body;
    expect(after).toMatchObject({ status: "open", version: 3, sla: { paused: false } });
    const history = (await api("GET", `/api/v1/tickets/${t.id}/history`, { token: s.customer.token })).body.data;
    // The reply and the status change it caused happen at the same instant, in the same version.
    const types = history.map((h: { type: string; version: number }) => `${h.version}:${h.type}`);
    expect(types.slice(0, 2)).toEqual(["1:created", "2:updated"]);
    expect(types.slice(2).sort()).toEqual(["3:commented", "3:updated"]);
    const reopen = history.find((h: { type: string; version: number }) => h.type === "updated" && h.version === 3);
    expect(reopen).toMatchObject({ actor: { id: s.customer.id }, changes: { status: ["pending", "open"] } });
  });

  it("a staff reply or note on a pending ticket leaves it pending", async () => {
    const t = await openTicket(s.customer);
    await patchTicket(s.agent, t.id, { status: "pending" });
    await comment(s.agent, t.id, { body: "Waiting for you" });
    await comment(s.agent, t.id, { body: "note", internal: true });
    expect((await getTicket(s.agent, t.id)).body).toMatchObject({ status: "pending", version: 2, sla: { paused: true } });
  });

  it("a customer reply on a resolved ticket reopens it", async () => {
    const t = await openTicket(s.customer);
    await patchTicket(s.agent, t.id, { status: "resolved" });
    await comment(s.customer, t.id, { body: "Still broken" });
    expect((await getTicket(s.customer, t.id)).body).toMatchObject({ status: "open", resolved_at: null, version: 3 });
  });

  it("closed or cancelled tickets take no public reply (422) but staff may still add notes", async () => {
    const t = await openTicket(s.customer);
    await patchTicket(s.customer, t.id, { status: "cancelled" });
    const before = await commentRows(t.id);
    expectProblem(await comment(s.customer, t.id, { body: "wait" }), 422, "INVALID_TRANSITION");
    expectProblem(await comment(s.agent, t.id, { body: "wait" }), 422, "INVALID_TRANSITION");
    expect(await commentRows(t.id)).toEqual(before);
    expect((await comment(s.agent, t.id, { body: "for the record", internal: true })).status).toBe(201);
  });

  it("a customer cannot write an internal note (403, nothing created)", async () => {
    const t = await openTicket(s.customer);
    expectProblem(await comment(s.customer, t.id, { body: "sneaky", internal: true }), 403, "FORBIDDEN");
    expect(await commentRows(t.id)).toEqual([]);
    expect(await historyRows(t.id)).toHaveLength(1);
  });

  it.each([
    ["no body", {}],
    ["empty body", { body: "" }],
    ["blank body", { body: "  \n\t " }],
    ["body of 50,001 chars", { body: "x".repeat(50_001) }],
    ["numeric body", { body: 5 }],
    ["internal as a string", { body: "x", internal: "yes" }],
    ["an array", [{ body: "x" }]],
  ])("%s → 400, nothing created", async (_l, body) => {
    const t = await openTicket(s.customer);
    const before = await countRows("comments");
    const res = await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, raw: JSON.stringify(body), headers: { "content-type": "application/json" } });
    expectProblem(res, 400, "VALIDATION_ERROR");
    expect(await countRows("comments")).toBe(before);
  });

  it("malformed JSON → 400; unknown fields are ignored", async () => {
    const t = await openTicket(s.customer);
    expectProblem(await api("POST", `/api/v1/tickets/${t.id}/comments`, { token: s.agent.token, raw: '{"body":', headers: { "content-type": "application/json" } }), 400, "VALIDATION_ERROR");
    const res = await comment(s.customer, t.id, { body: "x", author_id: s.agent.id, channel: "email", created_at: "2000-01-01T00:00:00Z", id: "mine" });
    expect(res.body).toMatchObject({ author: { id: s.customer.id }, channel: "web" });
    expect(res.body.id).not.toBe("mine");
    expect(res.body.created_at.startsWith("2000")).toBe(false);
  });
});

describe("GET /tickets/{id}/comments", () => {
  it("oldest first, paginated without gaps or duplicates; customers' pages skip notes", async () => {
    const t = await openTicket(s.customer);
    const written: { body: string; internal: boolean }[] = [];
    for (let i = 0; i < 7; i++) {
      const internal = i % 3 === 1;
      const who = internal || i % 2 ? s.agent : s.customer;
      expect((await comment(who, t.id, { body: `c${i}`, internal })).status).toBe(201);
      written.push({ body: `c${i}`, internal });
    }
    const walk = async (who: TestUser, limit: number) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: ApiResponse = await listComments(who, t.id, `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.data.map((c: { body: string }) => c.body));
        cursor = res.body.next_cursor;
      } while (cursor);
      return seen;
    };
    for (const limit of [1, 2, 3, 100]) {
      expect(await walk(s.agent, limit)).toEqual(written.map((c) => c.body));
      expect(await walk(s.customer, limit)).toEqual(written.filter((c) => !c.internal).map((c) => c.body));
    }
  });

  it("a cursor of another ticket, a tampered cursor or a bad limit → 400", async () => {
    const a = await openTicket(s.customer);
    const b = await openTicket(s.customer);
    for (const t of [a, b]) for (let i = 0; i < 2; i++) await comment(s.customer, t.id, { body: `x${i}` });
    const page = await listComments(s.customer, a.id, "?limit=1");
    const cursor: string = page.body.next_cursor;
    expectProblem(await listComments(s.customer, b.id, `?limit=1&cursor=${encodeURIComponent(cursor)}`), 400, "VALIDATION_ERROR");
    expectProblem(await listComments(s.customer, a.id, `?limit=1&cursor=${encodeURIComponent(cursor.slice(0, -2) + (cursor.endsWith("AA") ? "QA" : "AA"))}`), 400, "VALIDATION_ERROR");
    const ticketsCursor = (await api("GET", "/api/v1/tickets?limit=1", { token: s.customer.token })).body.next_cursor;
    expectProblem(await listComments(s.customer, a.id, `?cursor=${encodeURIComponent(ticketsCursor)}`), 400, "VALIDATION_ERROR");
    for (const q of ["?limit=0", "?limit=101", "?limit=x"]) expectProblem(await listComments(s.customer, a.id, q), 400, "VALIDATION_ERROR");
  });
});

describe("Idempotency-Key on comments", () => {
  it("the same key twice makes one comment; the retry gets the same status and body, flagged as a replay", async () => {
    const t = await openTicket(s.customer);
    const key = `c-${crypto.randomUUID()}`;
    const first = await comment(s.agent, t.id, { body: "Once" }, { "idempotency-key": key });
    const second = await comment(s.agent, t.id, { body: "Once" }, { "idempotency-key": key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await commentRows(t.id)).toHaveLength(1);
    expect((await historyRows(t.id)).filter((h) => h.type === "commented")).toHaveLength(1);
  });

  it("concurrent duplicates make one comment", async () => {
    const t = await openTicket(s.customer);
    const key = `c-${crypto.randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 5 }, () => comment(s.customer, t.id, { body: "Race" }, { "idempotency-key": key })));
    for (const r of results) expect([201, 409], JSON.stringify(r.body)).toContain(r.status);
    const ok = results.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThan(0);
    for (const r of ok) expect(r.body).toEqual(ok[0]!.body);
    expect(await commentRows(t.id)).toHaveLength(1);
  });

  it("the same key with another body, or on another ticket → 409 and nothing new", async () => {
    const a = await openTicket(s.customer);
    const b = await openTicket(s.customer);
    const key = `c-${crypto.randomUUID()}`;
    await comment(s.customer, a.id, { body: "One" }, { "idempotency-key": key });
    expectProblem(await comment(s.customer, a.id, { body: "Two" }, { "idempotency-key": key }), 409, "CONFLICT");
    expectProblem(await comment(s.customer, b.id, { body: "One" }, { "idempotency-key": key }), 409, "CONFLICT");
    expect(await commentRows(a.id)).toHaveLength(1);
    expect(await commentRows(b.id)).toHaveLength(0);
  });

  it("keys are per user: another user with the same key writes their own comment", async () => {
    const t = await openTicket(s.customer);
    const key = `c-${crypto.randomUUID()}`;
    const mine = await comment(s.customer, t.id, { body: "Same" }, { "idempotency-key": key });
    const theirs = await comment(s.agent, t.id, { body: "Same" }, { "idempotency-key": key });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(await commentRows(t.id)).toHaveLength(2);
  });

  it("a key of over 255 characters → 400", async () => {
    const t = await openTicket(s.customer);
    expectProblem(await comment(s.customer, t.id, { body: "x" }, { "idempotency-key": "k".repeat(256) }), 400, "VALIDATION_ERROR");
  });
});
