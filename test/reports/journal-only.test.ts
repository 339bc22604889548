import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { systemContext } from "../../src/contexts";
import { createDb, runBatch } from "../../src/db/client";
import { classifyD1Error } from "../../src/db/errors";
import { tickets } from "../../src/db/schema";
import { rebuildState, startRebuild } from "../../src/features/reports/reports.rebuild";
import { rollupWrites } from "../../src/features/reports/reports.rollups";
import { api, makeStaff, meteredApi, meteredStatements } from "../helpers";
import { drainJobs, expectRollupsMatchRows, journalCount, jobsEnv } from "./support";

/**
 * A ticket write with no rebuild running sends its rollups' journal row alone (reports.rollups.ts
 * JOURNAL_APPEND_IF_LIVE), not the rebuild phase's statements, which write nothing while live; a
 * write that finds a rebuild running fails inside D1 and is planned again with them, so every figure
 * is stored exactly as before and once.
 */
const rollupStatements = (res: { headers: Headers }) => meteredStatements(res).filter((st) => /\breport_\w+/.test(st.sql));
const ticketRows = async (subject: string) =>
  (await env.DB.prepare("SELECT number FROM tickets WHERE subject = ?").bind(subject).all<{ number: string }>()).results.map((r) => r.number);

describe("a ticket write's rollup statements", () => {
  it("with no rebuild: the journal row alone, one statement; during one: the write is planned again and stored once", async () => {
    const s = await makeStaff();
    const create = (subject: string) => meteredApi("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject, description: "d", priority: "high", category: "billing" } });
    const live = await create("journal only, live");
    expect(live.status).toBe(201);
    expect(rollupStatements(live).map((st) => st.sql.slice(0, 33))).toEqual(["INSERT INTO report_journal (body)"]);
    expect(rollupStatements(live)[0]!.rows_written).toBe(1);
    expect(await journalCount()).toBe(1);
    const reply = await meteredApi("POST", `/api/v1/tickets/${live.body.id}/comments`, { token: s.agent.token, body: { body: "on it" } });
    expect(reply.status).toBe(201);
    expect(await journalCount()).toBe(2);
    await expectRollupsMatchRows();

    // The journal-only statement itself fails a batch while a rebuild runs, as its own kind of failure.
    const jobs = jobsEnv();
    await startRebuild(systemContext(jobs.env, "vitest", { now: new Date() }));
    expect((await rebuildState({ db: createDb(env.DB) })).phase).not.toBe("live");
    const db = createDb(env.DB);
    const [row] = await db.select().from(tickets).where(eq(tickets.id, live.body.id));
    const failed = await runBatch(db, rollupWrites(db, null, row!, true)).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failed).not.toBeNull();
    expect(classifyD1Error(failed)).toEqual({ kind: "assumption", name: "rollups" });

    // A create now: its first try (the journal row only, in an isolate that has not seen the rebuild)
    // rolls back whole; the second, with the phase's statements, stores the ticket once with the number
    // the first D1 call took (no gap), and no journal row.
    const during = await create("journal only, during a rebuild");
    expect(during.status).toBe(201);
    const seq = (n: string) => Number(n.split("-").pop());
    expect(seq(during.body.number)).toBe(seq(live.body.number) + 1);
    expect(await ticketRows("journal only, during a rebuild")).toEqual([during.body.number]);
    expect(rollupStatements(during).length).toBeGreaterThan(1);
    const history = await env.DB.prepare("SELECT count(*) AS n FROM ticket_history WHERE ticket_id = ?").bind(during.body.id).first("n");
    expect(history).toBe(1);
    expect(await journalCount()).toBe(0);
    await drainJobs(jobs);
    expect((await rebuildState({ db: createDb(env.DB) })).phase).toBe("live");
    await expectRollupsMatchRows();

    // Live again: the journal takes the writes again (this isolate sends the phase's statements for a while, which also append it).
    expect((await api("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "after", description: "d" } })).status).toBe(201);
    expect(await journalCount()).toBe(1);
    await expectRollupsMatchRows();
  });
});
