import { env } from "cloudflare:workers";
import { and, eq, like } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb, runBatch } from "../../src/db/client";
import { idempotencyKeys, ticketCounters } from "../../src/db/schema";
import { IDEMPOTENCY_TTL_MS, idempotent, type RecordResponse } from "../../src/lib/idempotency";
import type { ServiceContext } from "../../src/lib/request-context";
import { callerContext } from "../../src/contexts";
import { makeUser, type TestUser } from "../helpers";

/**
 * idempotent() against the real D1: the "resource" each create makes is a row of `ticket_counters`
 * keyed `<name>#<uuid>` (nothing else in this file touches it), written in the same batch as the
 * recorded response.
 */
const db = createDb(env.DB);
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  [alice, bob] = await Promise.all([makeUser("agent"), makeUser("agent")]);
});

const T0 = Date.parse("2030-06-01T12:00:00.000Z");
const ctx = (user: TestUser, at = T0): ServiceContext =>
  callerContext(env as unknown as ServiceContext["env"], { id: user.id, name: user.name, email: user.email, role: user.role }, { ip: null, userAgent: null }, { now: new Date(at), db });

let runs = 0;
/** A create that makes one row named `name` and answers 201 with it. */
const makeThing = (name: string, gate?: Promise<void>) => async (record: RecordResponse) => {
  runs++;
  await gate;
  const id = crypto.randomUUID();
  const response = { status: 201 as const, body: { id, name }, headers: { Location: `/things/${id}` } };
  await runBatch(db, [db.insert(ticketCounters).values({ day: `${name}#${id}`, seq: 1 }), ...record(response)]);
  return response;
};
const request = (body: unknown) => ({ method: "POST", path: "/things", body });
const resourcesNamed = async (name: string) => (await db.select().from(ticketCounters).where(like(ticketCounters.day, `${name}#%`))).length;
const unique = () => `team-${crypto.randomUUID()}`;

describe("idempotent()", () => {
  it("without a key every call creates", async () => {
    const name = unique();
    await idempotent(ctx(alice), undefined, request({ name }), makeThing(name));
    await idempotent(ctx(alice), undefined, request({ name }), makeThing(name));
    expect(await resourcesNamed(name)).toBe(2);
  });

  it("with a key the create runs once; the retry replays status, body and headers, flagged", async () => {
    const name = unique();
    const key = unique();
    const before = runs;
    const first = await idempotent(ctx(alice), key, request({ name }), makeThing(name));
    const second = await idempotent(ctx(alice, T0 + 60_000), key, request({ name }), makeThing(name));
    expect(runs - before).toBe(1);
    expect(first.replayed).toBeUndefined();
    expect(second).toEqual({ ...first, headers: { ...first.headers, "Idempotent-Replayed": "true" }, replayed: true });
    expect(await resourcesNamed(name)).toBe(1);
  });

  it("the same key with another request → 409 CONFLICT, nothing created", async () => {
    const name = unique();
    const key = unique();
    await idempotent(ctx(alice), key, request({ name }), makeThing(name));
    await expect(idempotent(ctx(alice), key, request({ name: `${name}-2` }), makeThing(`${name}-2`))).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(idempotent(ctx(alice), key, { method: "POST", path: "/other", body: { name } }, makeThing(name))).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await resourcesNamed(`${name}-2`)).toBe(0);
    expect(await resourcesNamed(name)).toBe(1);
  });

  it("keys are per user", async () => {
    const name = unique();
    const key = unique();
    const a = await idempotent(ctx(alice), key, request({ name }), makeThing(name));
    const b = await idempotent(ctx(bob), key, request({ name }), makeThing(name));
    expect(b.replayed).toBeUndefined();
    expect(b.body.id).not.toBe(a.body.id);
    expect(await resourcesNamed(name)).toBe(2);
  });

  it("a key is honoured for 24 hours, then forgotten", async () => {
    const name = unique();
    const key = unique();
    const first = await idempotent(ctx(alice), key, request({ name }), makeThing(name));
    const within = await idempotent(ctx(alice, T0 + IDEMPOTENCY_TTL_MS), key, request({ name }), makeThing(name));
    expect(within.replayed).toBe(true);
    expect(await resourcesNamed(name)).toBe(1);
    const after = await idempotent(ctx(alice, T0 + IDEMPOTENCY_TTL_MS + 1), key, request({ name }), makeThing(name));
    expect(after.replayed).toBeUndefined();
    expect(after.body.id).not.toBe(first.body.id);
    expect(await resourcesNamed(name)).toBe(2);
    // The key now replays the new response, and a different body after expiry is a fresh request too.
    expect((await idempotent(ctx(alice, T0 + IDEMPOTENCY_TTL_MS + 2), key, request({ name }), makeThing(name))).body).toEqual(after.body);
    expect(IDEMPOTENCY_TTL_MS).toBe(24 * 3_600_000);
  });

  it("a create that fails records nothing: the retry with the same key runs", async () => {
    const name = unique();
    const key = unique();
    await expect(
      idempotent(ctx(alice), key, request({ name }), async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const rows = await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.userId, alice.id), eq(idempotencyKeys.key, key)));
    expect(rows).toEqual([]);
    const ok = await idempotent(ctx(alice), key, request({ name }), makeThing(name));
    expect(ok.replayed).toBeUndefined();
    expect(await resourcesNamed(name)).toBe(1);
  });

  it("a batch that fails after the record leaves neither resource nor key", async () => {
    const name = unique();
    const key = unique();
    await expect(
      idempotent(ctx(alice), key, request({ name }), async (record) => {
        const response = { status: 201 as const, body: { name }, headers: {} };
        // The second row reuses the first's key: the whole batch rolls back.
        await runBatch(db, [
          db.insert(ticketCounters).values({ day: `${name}#1`, seq: 1 }),
          ...record(response),
          db.insert(ticketCounters).values({ day: `${name}#1`, seq: 2 }),
        ]);
        return response;
      }),
    ).rejects.toThrow(/UNIQUE constraint failed: ticket_counters\.day/);
    expect(await resourcesNamed(name)).toBe(0);
    expect(await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key))).toEqual([]);
  });

  it("two concurrent duplicates that both pass the first look: one create commits, the other gets its response replayed", async () => {
    const name = unique();
    const key = unique();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const before = runs;
    const calls = [1, 2].map(() => idempotent(ctx(alice), key, request({ name }), makeThing(name, gate)));
    // Both are inside create() before either writes.
    while (runs - before < 2) await new Promise((r) => setTimeout(r, 5));
    open();
    const [a, b] = await Promise.all(calls);
    expect(await resourcesNamed(name)).toBe(1);
    expect(a!.body).toEqual(b!.body);
    expect([a!.replayed, b!.replayed].filter(Boolean)).toHaveLength(1);
  });
});
