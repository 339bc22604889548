import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { makeStaff, meteredApi, meteredStatements } from "../helpers";

/**
 * What a ticket create costs in D1 (issue 15 item 3): round trips, and rows written by the ticket's
 * own insert: its row and one entry per index that can find it, none in an index a new ticket
 * cannot match (the sweeps' indexes of columns it has not got yet).
 */
let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

/** The indexes on tickets whose (partial) condition holds for the ticket: the entries its insert writes. */
async function indexesHolding(ticketId: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets'").all<{ name: string; sql: string | null }>();
  const holding: string[] = [];
  for (const { name, sql } of results) {
    const where = sql?.match(/\sWHERE\s([\s\S]+)$/i)?.[1] ?? "1";
    if (await env.DB.prepare(`SELECT 1 FROM tickets WHERE id = ? AND (${where})`).bind(ticketId).first()) holding.push(name);
  }
  return holding;
}

describe("a ticket create", () => {
  it("writes its row and the entries of the indexes that can find it, nothing for sweeps it cannot match yet, in 1 round trip of 11 statements", async () => {
    // The isolate learns the caller's profile and the priority's policies (their copies are checked in each create's batch).
    expect((await meteredApi("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Warm", description: "d", category: "billing" } })).status).toBe(201);
    const res = await meteredApi("POST", "/api/v1/tickets", { token: s.customer.token, body: { subject: "Write cost", description: "d", tags: ["export"], category: "billing" } });
    expect(res.status).toBe(201);
    const statements = meteredStatements(res);
    const insert = statements.find((st) => /^insert into "tickets"/.test(st.sql))!;
    const holding = await indexesHolding(res.body.id);
    // Not resolved and never updated by an assignee: auto-close and assignee-update automations cannot find it.
    expect(holding).not.toContain("tickets_status_resolved_idx");
    expect(holding).not.toContain("tickets_status_assignee_updated_idx");
    // In no team: the team index (read only with a team named) holds none of it.
    expect(holding).not.toContain("tickets_team_status_created_idx");
    // The row, its index entries, its search row and its search document id (the tickets_fts_ai and
    // tickets_search_docs_ai triggers: migrations/0045, the index in created order).
    expect(insert.rows_written).toBe(1 + holding.length + 1 + 1);
    // One batch (was 2 calls: the SLA policies with the day's number, then the write).
    expect(new Set(statements.map((st) => st.call)).size).toBe(1);
    // The caller's guard and the check of the isolate's copy of their profile (db/caller-gate.ts; their
    // row is not read as well: the two already hold it to the copy, was 12 statements);
    // the day's number (db/ticket-numbering.ts); the check of the copy of the priority's policies;
    // the row, its tag, its history, the rules' version (triggers), the rollups' journal row, the
    // audit row, and one read standing for the webhook outbox (no webhook subscribes): no report
    // rebuild's statements, no outbox inserts writing nothing (db/batch-assumptions.ts). Was 16 + 2.
    const table = (sql: string) => /^(?:insert into|select [^(]*? from)\s*"?(\w+)/i.exec(sql)?.[1] ?? /batch assumption failed: (\w+)/.exec(sql)?.[1];
    const batch = statements.map((st) => table(st.sql));
    expect(batch).toEqual(["caller_guard", "caller", "ticket_counters", "policies", "tickets", "ticket_tag_index", "ticket_history", "webhooks", "rule_state", "report_journal", "audit_logs"]);
  });
});
