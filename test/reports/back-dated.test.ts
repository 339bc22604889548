import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callerContext } from "../../src/contexts";
import type { Actor } from "../../src/domain/permissions";
import { BLOCK_DAYS, blockOf, DAY_MS } from "../../src/domain/rollups";
import { createTicket } from "../../src/features/tickets/tickets.service";
import { makeStaff, meteredApi, meteredStatements, type TestUser } from "../helpers";
import { bindings, expectRollupsMatchRows, foldNow, meteredFold } from "./support";

const actorOf = (u: TestUser): Actor => ({ id: u.id, name: u.name, email: u.email, role: u.role });

/**
 * What a change dated back writes: the rollup rows after its instant up to the end of its block of
 * day rows, and one block row per block since then — not every day row since then.
 */
describe("a change dated a year back", () => {
  it("writes a block of day rows and a row per block per key, not a row per day since", async () => {
    const s = await makeStaff();
    const now = Date.now();
    // A ticket every second day for a year: its keys (all, priority, channel, policy) have day rows throughout.
    let ticket = "";
    for (let day = 366; day >= 0; day -= 2) {
      const at = callerContext(bindings, actorOf(s.customer), { ip: null, userAgent: "test" }, { now: new Date(now - day * DAY_MS) });
      ticket = (await createTicket(at, { subject: `d${day}`, description: "d", priority: "medium", channel: "web", tags: [] })).body.id;
    }
    await foldNow();
    const startedAt = now - 360 * DAY_MS;
    const since = Math.floor(startedAt / DAY_MS);
    const dayRowsSince = Number(
      (await env.DB.prepare("SELECT count(*) AS n FROM report_days WHERE dim = 'all' AND key = '' AND day > ?").bind(since).first("n")),
    );
    expect(dayRowsSince).toBeGreaterThan(170);

    // Time logged late, dated 360 days back, counted under all, priority, channel (day rows all year) and the author.
    const res = await meteredApi("POST", `/api/v1/tickets/${ticket}/time-entries`, { token: s.manager.token, body: { minutes: 30, started_at: new Date(startedAt).toISOString() } });
    expect(res.status).toBe(201);
    // The write appends its journal row; the fold moves the prefix sums.
    const journaled = meteredStatements(res).filter((st) => /\breport_\w+/.test(st.sql)).reduce((n, st) => n + st.rows_written, 0);
    expect(journaled).toBe(1);
    const fold = await meteredFold();
    expect(fold.rows).toBe(1);
    const written = fold.prefixSumRowsWritten;
    // Per key at most the rest of its block of day rows, one block row per block since, a quarter row and the block's own row.
    const keysWithHistory = 3;
    const blocksSince = blockOf(Math.floor(now / DAY_MS)) - blockOf(since);
    const bound = keysWithHistory * (BLOCK_DAYS / 2 + blocksSince + 2) + 4;
    expect(written).toBeLessThanOrEqual(bound);
    // Day rows cumulative over all time would have meant every day row since then, for each of those keys.
    expect(written * 4).toBeLessThan(keysWithHistory * dayRowsSince);
    console.log(`back-dated time entry: ${written} rollup rows written (bound ${bound}); all-time day rows would be ≥ ${keysWithHistory * dayRowsSince}`);
    await expectRollupsMatchRows();
  }, 300_000);
});
