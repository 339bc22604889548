import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { tickets, users } from "../../src/db/schema";
import { createTicket } from "../../src/features/tickets/tickets.service";
import { api, db, expectProblem, makeStaff, type TestUser } from "../helpers";
import { countRows, ctxAt, DAY, openTicket, patchTicket } from "./fixtures";

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

const create = (who: TestUser, body: unknown, key?: string) =>
  api("POST", "/api/v1/tickets", { token: who.token, body, headers: key ? { "idempotency-key": key } : {} });
const withSubject = async (subject: string) => db().select().from(tickets).where(eq(tickets.subject, subject));
const fresh = () => `idem-${crypto.randomUUID()}`;

describe("Idempotency-Key on ticket creation", () => {
  it("a retried create makes one ticket: same status, body, Location and ETag; the retry is flagged", async () => {
    const key = fresh();
    const body = { subject: key, description: "once", priority: "high", tags: ["a"] };
    const first = await create(s.customer, body, key);
    const second = await create(s.customer, body, key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    for (const h of ["location", "etag"]) expect(second.headers.get(h)).toBe(first.headers.get(h));
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await withSubject(key)).toHaveLength(1);
  });

  it("the replay is the first response even after the ticket changed", async () => {
    const key = fresh();
    const first = await create(s.customer, { subject: key, description: "d" }, key);
    await patchTicket(s.agent, first.body.id, { priority: "critical" });
    const again = await create(s.customer, { subject: key, description: "d" }, key);
    expect(again.body).toEqual(first.body);
    expect(again.body.priority).toBe("medium");
  });

  it("concurrent duplicates make one ticket; every answer is that ticket or a clean 409", async () => {
    const key = fresh();
    const body = { subject: key, description: "race" };
    const results = await Promise.all(Array.from({ length: 6 }, () => create(s.agent, body, key)));
    const created = results.filter((r) => r.status === 201);
    for (const r of results) expect([201, 409], JSON.stringify(r.body)).toContain(r.status);
    expect(created.length).toBeGreaterThan(0);
    for (const r of created) expect(r.body).toEqual(created[0]!.body);
    expect(await withSubject(key)).toHaveLength(1);
  });

  it("the same key with another body → 409, nothing new", async () => {
    const key = fresh();
    await create(s.customer, { subject: key, description: "one" }, key);
    const before = await countRows("tickets");
    const res = await create(s.customer, { subject: key, description: "two" }, key);
    expectProblem(res, 409, "CONFLICT");
    expect(await countRows("tickets")).toBe(before);
  });

  it("keys are per user: another user with the same key opens their own ticket", async () => {
    const key = fresh();
    const body = { subject: key, description: "same" };
    const a = await create(s.customer, body, key);
    const b = await create(s.customer2, body, key);
    expect(b.status).toBe(201);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.requester.id).toBe(s.customer2.id);
    expect(await withSubject(key)).toHaveLength(2);
  });

  it("a refused request records nothing: the same key then works for a valid one", async () => {
    const key = fresh();
    expectProblem(await create(s.customer, { subject: key, description: "d", requester_email: "other@example.test" }, key), 403, "FORBIDDEN");
    expectProblem(await create(s.customer, { subject: "", description: "d" }, key), 400, "VALIDATION_ERROR");
    const ok = await create(s.customer, { subject: key, description: "d" }, key);
    expect(ok.status).toBe(201);
    expect(ok.headers.get("idempotent-replayed")).toBeNull();
  });

  it("after 24 hours the key is forgotten and creates again", async () => {
    const key = fresh();
    const input = { subject: key, description: "d", priority: "medium" as const, channel: "web" as const, tags: [] };
    const t0 = Date.parse("2030-07-01T10:00:00.000Z");
    const first = await createTicket(ctxAt(s.agent, t0), input, key);
    const replay = await createTicket(ctxAt(s.agent, t0 + DAY - 1), input, key);
    expect(replay.replayed).toBe(true);
    expect(replay.body).toEqual(first.body);
    const later = await createTicket(ctxAt(s.agent, t0 + DAY + 1), input, key);
    expect(later.replayed).toBeUndefined();
    expect(later.body.id).not.toBe(first.body.id);
  });

  it("a key longer than 255 characters → 400", async () => {
    expectProblem(await create(s.customer, { subject: "s", description: "d" }, "k".repeat(256)), 400, "VALIDATION_ERROR");
  });
});

describe("creating for a new requester, concurrently", () => {
  it("two creates for the same unknown email make one customer and two tickets, never a 500", async () => {
    const email = `${fresh()}@example.test`;
    const results = await Promise.all([1, 2, 3].map((i) => create(s.agent, { subject: `${email} ${i}`, description: "d", requester_email: email })));
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(201);
    const ids = new Set(results.map((r) => r.body.requester.id));
    expect(ids.size).toBe(1);
    expect(await db().select().from(users).where(eq(users.email, email))).toHaveLength(1);
  });

  it("the same Idempotency-Key on concurrent creates for an unknown email: one ticket, one customer", async () => {
    const email = `${fresh()}@example.test`;
    const key = fresh();
    const body = { subject: key, description: "d", requester_email: email };
    const results = await Promise.all([1, 2, 3].map(() => create(s.manager, body, key)));
    for (const r of results) expect([201, 409], JSON.stringify(r.body)).toContain(r.status);
    expect(await withSubject(key)).toHaveLength(1);
    expect(await db().select().from(users).where(eq(users.email, email))).toHaveLength(1);
  });
});

describe("numbers", () => {
  it("a replay does not consume a number", async () => {
    const key = fresh();
    const a = await openTicket(s.agent, { subject: key }, { "idempotency-key": key });
    await create(s.agent, { subject: key, description: "Something is broken" }, key);
    const b = await openTicket(s.agent);
    const seq = (n: string) => Number(n.split("-")[2]);
    if (a.number.slice(5, 13) === b.number.slice(5, 13)) expect(seq(b.number)).toBe(seq(a.number) + 1);
  });
});
