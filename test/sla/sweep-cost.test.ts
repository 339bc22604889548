import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemContext } from "../../src/contexts";
import { metered, newMeter } from "../../src/db/metrics";
import type { Bindings } from "../../src/env";
import { runSlaSweep, SWEEP_PAGE_SIZE } from "../../src/jobs/sla-sweep";
import { makeStaff } from "../helpers";
import { historyTypes, MIN, retireAll, ticketAt } from "./helpers";

/**
 * What the SLA sweep costs in D1 a due ticket (the bench's goal: 500 due tickets read ≤ 5,000 rows).
 * Each ticket here breaches and escalates, the sweep's dearest case: two writes of the one ticket
 * write, the breach's and the escalation's. All are due at one instant, as a burst of tickets
 * opened together is, and there are more than a page of them.
 */
const DUE = SWEEP_PAGE_SIZE + 20;

/**
 * Rows read a due ticket, each one inherent: its row and its requester in the page (2), its row in
 * the breach's guarded update (1) and in the escalation's (1), and the report rollups' state in the
 * breach's journal row (1: the check that no rebuild runs), and the escalation's guard on the row
 * it decided on (1: a ticket solved between the sweep's read and that write is skipped, the guard
 * holds the requester's key too: changeTicket's precondition). The batches' other reads (the
 * trigger rules' version, the webhook check) find nothing. Reading the ticket again to escalate it
 * cost 3 more, and sorting every ticket due at one instant to take a page 7 more (sweep29: 15 a ticket).
 */
const ROWS_PER_TICKET = 6;
/** D1 calls a due ticket: the breach's batch and the escalation's; reading the ticket again was a third. */
const CALLS_PER_TICKET = 2;
/** Rows and calls a run pays once: its pages, the escalation policy (one read, however many tickets wait on it). */
const ONCE = { rows: 5, calls: Math.ceil(DUE / SWEEP_PAGE_SIZE) + 2 };

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});
beforeEach(retireAll);

const t0 = Date.parse("2032-03-01T08:00:00.000Z");

describe("the SLA sweep's D1 cost", () => {
  it(`reads at most ${ROWS_PER_TICKET} rows and makes ${CALLS_PER_TICKET} D1 calls a due ticket (${DUE} due at one instant), never reading a swept ticket again`, async () => {
    const due: string[] = [];
    for (let i = 0; i < DUE; i++) due.push((await ticketAt(s.customer, t0, { priority: "critical" })).id);

    // The scheduled handler's own context for the job (src/jobs/index.ts), its D1 counted.
    const meter = newMeter();
    const ctx = systemContext({ ...(env as unknown as Bindings), DB: metered(env.DB, meter) }, "vitest", { now: new Date(t0 + 66 * MIN) });
    const report = await runSlaSweep(ctx);

    // Critical: first response due in an hour; at 66 minutes every ticket breached and escalated once.
    expect(report).toMatchObject({ checked: DUE, breached: DUE, escalated: DUE, failed: 0, tickets_failed: 0, contended: 0, more: false });
    for (const id of due) {
      const types = await historyTypes(id);
      expect(types.filter((t) => t === "sla.breached"), id).toHaveLength(1);
      expect(types.filter((t) => t === "escalated"), id).toHaveLength(1);
    }

    const reads = meter.statements.filter((st) => /^\s*select\b/i.test(st.sql));
    // No ticket is read by its id: the page's rows are what the breach and the escalation start from.
    expect(reads.filter((st) => /"tickets"\."id" = \?/.test(st.sql)).map((st) => st.sql)).toEqual([]);
    // The pages walk tickets_sla_check_idx in its own order: each reads its tickets and their
    // requesters, never every ticket due at its instant to sort them (901 rows for a page of 100).
    const pages = reads.filter((st) => /"tickets"\."sla_check_at" <= \?/.test(st.sql) && /limit \?$/i.test(st.sql));
    expect(pages.length).toBeGreaterThanOrEqual(2);
    for (const page of pages) {
      expect(page.rowsRead).toBeLessThanOrEqual(2 * SWEEP_PAGE_SIZE);
      const plan = (await env.DB.prepare(`EXPLAIN QUERY PLAN ${page.sql}`).bind(...page.params).all<{ detail: string }>()).results.map((r) => r.detail);
      expect(plan.join(" | ")).toMatch(/SEARCH tickets USING INDEX tickets_sla_check_idx/);
      expect(plan.join(" | ")).not.toMatch(/TEMP B-TREE/);
    }

    const summary = { rows: meter.rowsRead, calls: meter.calls, statements: meter.statements.length };
    expect(meter.rowsRead, JSON.stringify(summary)).toBeLessThanOrEqual(DUE * ROWS_PER_TICKET + ONCE.rows);
    expect(meter.calls, JSON.stringify(summary)).toBeLessThanOrEqual(DUE * CALLS_PER_TICKET + ONCE.calls);
  });

});
