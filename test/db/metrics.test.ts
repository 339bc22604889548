import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { createDb } from "../../src/db/client";
import { metered, meterHeaders, newMeter } from "../../src/db/metrics";
import { ticketCounters, users } from "../../src/db/schema";
import { api, makeStaff, makeUser } from "../helpers";

// The benchmark's D1 row accounting (D1_METRICS=1): it must count what drizzle runs, return exactly
// what the unwrapped database returns, and never run a write twice.
describe("D1 metrics (bench only)", () => {
  it("counts the rows of drizzle selects (raw) and returns the same rows", async () => {
    const agent = await makeUser("agent");
    const meter = newMeter();
    const plain = await createDb(env.DB).select().from(users).where(eq(users.id, agent.id));
    const counted = await createDb(metered(env.DB, meter)).select().from(users).where(eq(users.id, agent.id));
    expect(counted).toEqual(plain);
    expect(counted).toHaveLength(1);
    expect(meter.rowsRead).toBeGreaterThanOrEqual(1);
    expect(meter.statements).toHaveLength(1);
    expect(meter.statements[0]!.sql).toMatch(/^select .* from "users"/);
    expect(meter.statements[0]!.params).toEqual([agent.id]);
  });

  it("runs a write with RETURNING once", async () => {
    const day = `bench-${crypto.randomUUID()}`;
    const meter = newMeter();
    const db = createDb(metered(env.DB, meter));
    const bump = () =>
      db
        .insert(ticketCounters)
        .values({ day, seq: 1 })
        .onConflictDoUpdate({ target: ticketCounters.day, set: { seq: sql`${ticketCounters.seq} + 1` } })
        .returning({ seq: ticketCounters.seq });
    expect(await bump()).toEqual([{ seq: 1 }]);
    expect(await bump()).toEqual([{ seq: 2 }]);
    const [row] = await createDb(env.DB).select().from(ticketCounters).where(eq(ticketCounters.day, day));
    expect(row?.seq).toBe(2);
    expect(meter.rowsWritten).toBeGreaterThanOrEqual(2);
  });

  it("counts a batch as one call and sums its statements", async () => {
    const meter = newMeter();
    const db = createDb(metered(env.DB, meter));
    const a = `bench-${crypto.randomUUID()}`;
    const b = `bench-${crypto.randomUUID()}`;
    await db.batch([db.insert(ticketCounters).values({ day: a, seq: 1 }), db.insert(ticketCounters).values({ day: b, seq: 1 })]);
    expect(meter.statements.map((s) => s.call)).toEqual([1, 1]);
    expect(meter.rowsWritten).toBeGreaterThanOrEqual(2);
    const headers = meterHeaders(meter);
    expect(headers["X-D1-Rows-Written"]).toBe(String(meter.rowsWritten));
    const decoded = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(headers["X-D1-Statements"]!.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0))));
    expect(decoded.map((s: { params: unknown[] }) => s.params[0])).toEqual([a, b]);
  });

  it("reports a request's rows in headers only when D1_METRICS is 1", async () => {
    const { agent } = await makeStaff();
    await api("POST", "/api/v1/tickets", { token: agent.token, body: { subject: "Metrics", description: "counted" } });
    const app = createApp();
    const init = { headers: { authorization: `Bearer ${agent.token}` } };
    const counted = await app.request("/api/v1/tickets?limit=5", init, { ...env, D1_METRICS: "1" });
    expect(counted.status).toBe(200);
    // Auth's user lookup (through env.DB) and the list query are both counted.
    expect(Number(counted.headers.get("x-d1-rows-read"))).toBeGreaterThanOrEqual(2);
    expect(Number(counted.headers.get("x-d1-statement-count"))).toBeGreaterThanOrEqual(2);
    const plain = await app.request("/api/v1/tickets?limit=5", init, env);
    expect(plain.status).toBe(200);
    expect(plain.headers.get("x-d1-rows-read")).toBeNull();
    expect(plain.headers.get("x-d1-statements")).toBeNull();
    expect((await counted.json()) as unknown).toEqual(await plain.json());
  });

  it("bounds the statements header by UTF-8 bytes, not characters: multi-byte text stays under the bench's header limit", async () => {
    // Selects keep their parameters whole: 40 reads of 3,000 "€" (3 bytes each) are 9 KB of JSON apiece.
    const meter = newMeter();
    const word = "€".repeat(3_000);
    for (let i = 0; i < 40; i++) meter.statements.push({ call: i + 1, sql: "select id from tickets where subject = ?", params: [word], rowsRead: 1, rowsWritten: 0 });
    const headers = meterHeaders(meter);
    const b64 = headers["X-D1-Statements"]!;
    const bytes = Uint8Array.from(atob(b64.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
    // 36,000 bytes of JSON at most (48,000 characters of base64): the bench's client takes 64 KiB of headers.
    expect(bytes.length).toBeLessThanOrEqual(36_000);
    expect(b64.length).toBeLessThanOrEqual(48_000);
    const decoded = JSON.parse(new TextDecoder().decode(bytes)) as { call: number; params: string[] }[];
    // As many whole statements as fit (3 of about 9 KB each, not 0), in order, their text intact; the count is the whole request's.
    expect(decoded.map((st) => st.call)).toEqual([1, 2, 3]);
    expect(decoded.every((st) => st.params[0] === word)).toBe(true);
    expect(headers["X-D1-Statement-Count"]).toBe("40");
  });
});
