import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callerContext } from "../../src/contexts";
import type { Actor } from "../../src/domain/permissions";
import { BLOCK_DAYS, blockOf, COUNTERS, DAY_MS, HISTOGRAMS, type Histogram } from "../../src/domain/rollups";
import { addComment } from "../../src/features/comments/comments.service";
import { createTeam } from "../../src/features/teams/teams.service";
import { logTime } from "../../src/features/time/time.service";
import { changeTicket, createTicket } from "../../src/features/tickets/tickets.service";
import { api, makeStaff, type TestUser } from "../helpers";
import { bindings, expectRollupsMatchRows, expectTotalsMatchRows, foldNow, prng } from "./support";

const actorOf = (u: TestUser): Actor => ({ id: u.id, name: u.name, email: u.email, role: u.role });

/** Rows as migration 0022 left them: day rows cumulative over all time, no block rows. */
async function toAllTimeDayRows() {
  const blocks = (await env.DB.prepare("SELECT * FROM report_blocks").all<Record<string, unknown>>()).results;
  const days = (await env.DB.prepare("SELECT * FROM report_days").all<Record<string, unknown>>()).results;
  const opening = new Map(blocks.map((b) => [`${b.dim}|${b.key}|${b.block}`, b]));
  const updates = days.map((d) => {
    const o = opening.get(`${d.dim}|${d.key}|${blockOf(Number(d.day))}`)!;
    const counters = COUNTERS.map((c) => Number(d[c]) + Number(o[c]));
    const hists = HISTOGRAMS.map((h) => {
      const sum: Histogram = JSON.parse(String(d[h]));
      for (const [i, n] of Object.entries(JSON.parse(String(o[h])) as Histogram)) sum[i] = (sum[i] ?? 0) + n;
      return JSON.stringify(sum);
    });
    return env.DB.prepare(`UPDATE report_days SET ${[...COUNTERS, ...HISTOGRAMS].map((c) => `${c} = ?`).join(", ")} WHERE dim = ? AND key = ? AND day = ?`).bind(
      ...counters,
      ...hists,
      d.dim,
      d.key,
      d.day,
    );
  });
  await env.DB.batch([...updates, env.DB.prepare("DROP TABLE report_blocks")]);
  return { days: days.length, blocks: blocks.length };
}

describe("migration 0028 converts existing rollups to blocks of day rows", () => {
  it("reports read the same figures after it, without a rebuild", async () => {
    const s = await makeStaff();
    const start = Date.parse("2026-01-03T09:00:00Z");
    const at = (u: TestUser, ms: number) => callerContext(bindings, actorOf(u), { ip: null, userAgent: "test" }, { now: new Date(ms) });
    const team = (await createTeam(at(s.manager, start), { name: `Blocks ${crypto.randomUUID()}`, strategy: "least_loaded", auto_assign_on_create: false, members: [s.agent.id, s.agent2.id] })).id;
    const rnd = prng(25);
    // 40 tickets over 160 days (five blocks): replies, resolutions, reassignments and time logged late.
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const now = start + i * 4 * DAY_MS + Math.floor(rnd() * DAY_MS);
      const id = (await createTicket(at(s.customer, now), { subject: `b${i}`, description: "d", priority: "medium", channel: "web", tags: [] })).body.id;
      ids.push(id);
      await changeTicket(at(s.manager, now + 60_000), id, { teamId: team, assigneeId: rnd() < 0.5 ? s.agent.id : s.agent2.id }, { type: "updated" });
      await addComment(at(s.agent, now + 3_600_000), id, { body: "reply", internal: false });
      if (rnd() < 0.6) await changeTicket(at(s.agent, now + 7_200_000), id, { status: "resolved" }, { type: "updated" });
      const old = ids[Math.floor(rnd() * ids.length)]!;
      await logTime(at(s.agent, now), old, { minutes: 15, started_at: new Date(now - Math.floor(rnd() * 90 * DAY_MS)).toISOString() });
      if (rnd() < 0.3) await changeTicket(at(s.manager, now + 120_000), old, { assigneeId: s.agent2.id, priority: "high" }, { type: "updated" });
    }
    await expectRollupsMatchRows();
    const instants = Array.from({ length: 20 }, (_, i) => start - 30 * DAY_MS + i * 10 * DAY_MS + 15 * 60_000 * (i % 7));
    await expectTotalsMatchRows([...instants]);
    const before = await api("GET", "/api/v1/reports/overview?from=2026-01-01&to=2026-06-30&granularity=month&tz=Asia/Kolkata", { token: s.manager.token });
    expect(before.status).toBe(200);

    // The tables as they were before migration 0028 (which had no journal): everything folded.
    await foldNow();
    const converted = await toAllTimeDayRows();
    expect(converted.blocks).toBeGreaterThanOrEqual(5 * 4);
    expect(converted.days).toBeGreaterThan(160 / BLOCK_DAYS);
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.includes("report_blocks"));
    expect(migration?.queries.length).toBe(3);
    for (const query of migration!.queries) await env.DB.prepare(query).run();

    // The same tables as the writes made, every read equal to the recomputation, and the report unchanged.
    await expectRollupsMatchRows();
    await expectTotalsMatchRows([...instants]);
    const after = await api("GET", "/api/v1/reports/overview?from=2026-01-01&to=2026-06-30&granularity=month&tz=Asia/Kolkata", { token: s.manager.token });
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
    expect(after.body.created).toBe(40);
  }, 300_000);
});
