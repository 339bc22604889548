import { beforeAll, describe, expect, it } from "vitest";
import { callerContext } from "../../src/contexts";
import type { Actor } from "../../src/domain/permissions";
import { changeTicket, createTicket, deleteTicket } from "../../src/features/tickets/tickets.service";
import { api, expectProblem, makeStaff, type TestUser } from "../helpers";
import { bindings } from "../reports/support";

const actorOf = (u: TestUser): Actor => ({ id: u.id, name: u.name, email: u.email, role: u.role });
const MIN = 60_000;

let s: Awaited<ReturnType<typeof makeStaff>>;
/** A fixed past instant: changes must be a minute old before the export hands them out. */
const T = Date.now() - 30 * MIN;
const at = (u: TestUser, ms: number) => callerContext(bindings, actorOf(u), { ip: null, userAgent: "test" }, { now: new Date(ms) });
const start = new Date(T).toISOString();

async function readAll(token: string, first: string, limit: number) {
  const seen: any[] = [];
  let url = first;
  for (let i = 0; i < 100; i++) {
    const res = await api("GET", url, { token });
    expect(res.status).toBe(200);
    seen.push(...res.body.data);
    if (res.body.end_of_stream) return { seen, cursor: res.body.next_cursor as string };
    url = `/api/v1/incremental/tickets?limit=${limit}&cursor=${encodeURIComponent(res.body.next_cursor)}`;
  }
  throw new Error("no end of stream");
}

beforeAll(async () => {
  s = await makeStaff();
});

describe("incremental ticket export", () => {
  it("hands out every ticket changed in the same millisecond across page boundaries, oldest first, deletions included, and resumes from its cursor", async () => {
    // Five tickets created in the very same millisecond, two more later; one deleted.
    const same: { id: string }[] = [];
    for (let i = 0; i < 5; i++) same.push((await createTicket(at(s.customer, T), { subject: `same ms ${i}`, description: "d", priority: "low", channel: "web", tags: [] })).body);
    const later = (await createTicket(at(s.customer, T + 2 * MIN), { subject: "later", description: "d", priority: "low", channel: "web", tags: [] })).body;
    const gone = (await createTicket(at(s.customer, T + 3 * MIN), { subject: "gone", description: "d", priority: "low", channel: "web", tags: [] })).body;
    await deleteTicket(at(s.admin, T + 4 * MIN), gone.id);

    const { seen, cursor } = await readAll(s.admin.token, `/api/v1/incremental/tickets?limit=2&start_time=${encodeURIComponent(start)}`, 2);
    const mine = seen.filter((t) => [...same.map((x) => x.id), later.id, gone.id].includes(t.id));
    expect(mine.map((t) => t.id)).toEqual([...same.map((x) => x.id).sort(), later.id, gone.id]);
    expect(mine.at(-1)).toEqual({ id: gone.id, deleted: true, deleted_at: new Date(T + 4 * MIN).toISOString() });
    expect(mine[0]).toMatchObject({ subject: "same ms 0".replace("0", mine[0].subject.at(-1)), status: "open", updated_at: new Date(T).toISOString() });
    // No ticket twice.
    expect(new Set(seen.map((t) => t.id)).size).toBe(seen.length);

    // Later changes appear when resuming, at their new time; a change less than a minute old waits.
    await changeTicket(at(s.agent, T + 10 * MIN), same[2]!.id, { priority: "high" }, { type: "updated" });
    const fresh = (await createTicket(at(s.customer, Date.now()), { subject: "fresh", description: "d", priority: "low", channel: "web", tags: [] })).body;
    const resumed = await readAll(s.admin.token, `/api/v1/incremental/tickets?limit=2&cursor=${encodeURIComponent(cursor)}`, 2);
    expect(resumed.seen.map((t) => t.id)).toContain(same[2]!.id);
    expect(resumed.seen.find((t) => t.id === same[2]!.id)).toMatchObject({ priority: "high", updated_at: new Date(T + 10 * MIN).toISOString() });
    expect(resumed.seen.map((t) => t.id)).not.toContain(fresh.id);
    expect(resumed.seen.map((t) => t.id)).not.toContain(later.id);
  });

  it("is for admins; needs start_time or a cursor; a tampered cursor is 400", async () => {
    for (const user of [s.manager, s.agent, s.customer]) {
      expectProblem(await api("GET", `/api/v1/incremental/tickets?start_time=${encodeURIComponent(start)}`, { token: user.token }), 403, "FORBIDDEN");
    }
    expectProblem(await api("GET", "/api/v1/incremental/tickets", { token: s.admin.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", "/api/v1/incremental/tickets?start_time=yesterday", { token: s.admin.token }), 400, "VALIDATION_ERROR");
    const first = await api("GET", `/api/v1/incremental/tickets?limit=1&start_time=${encodeURIComponent(start)}`, { token: s.admin.token });
    const c = first.body.next_cursor as string;
    const tampered = c.slice(0, -2) + (c.endsWith("A") ? "BB" : "AA");
    expectProblem(await api("GET", `/api/v1/incremental/tickets?cursor=${encodeURIComponent(tampered)}`, { token: s.admin.token }), 400, "VALIDATION_ERROR");
    expectProblem(await api("GET", `/api/v1/incremental/tickets?limit=1001&start_time=${encodeURIComponent(start)}`, { token: s.admin.token }), 400, "VALIDATION_ERROR");
  });
});
