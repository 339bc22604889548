import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { failAssumption, failedAssumption } from "../../src/db/batch-assumptions";
import { classifyD1Error } from "../../src/db/errors";

/**
 * A batch assumption fails its statement with SQLite's JSON path error, which quotes the path that
 * names the assumption (db/batch-assumptions.ts); the writer plans again only on that error.
 */
describe("a failed batch assumption", () => {
  it("is told apart from D1's real error, in either of SQLite's wordings", async () => {
    const failed = await env.DB.prepare(`SELECT ${failAssumption("webhooks", "x")} FROM (SELECT 'w1' AS x)`)
      .all()
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(failed).not.toBeNull();
    expect(classifyD1Error(failed)).toEqual({ kind: "assumption", name: "webhooks" });
    expect(failedAssumption("D1_ERROR: bad JSON path: 'batch assumption failed: rollups closing': SQLITE_ERROR")).toBe("rollups");
    expect(failedAssumption("JSON path error near 'batch assumption failed: webhooks w1'")).toBe("webhooks");
  });

  it("is not read into another failure whose parameters hold the marker's text", () => {
    // drizzle quotes a failed query's parameters in its error: a customer's text is not an assumption.
    const busy = "Failed query: insert into comments … params: 'batch assumption failed: rollups now', D1_ERROR: database is locked";
    expect(failedAssumption(busy)).toBeNull();
    expect(classifyD1Error(new Error(busy))).toEqual({ kind: "busy" });
  });

  it("is not raised while the assumption holds (the failing path is never evaluated)", async () => {
    const rows = await env.DB.prepare(`SELECT CASE WHEN x = 'live' THEN 1 ELSE ${failAssumption("rollups", "x")} END AS ok FROM (SELECT 'live' AS x)`).all();
    expect(rows.results).toEqual([{ ok: 1 }]);
  });
});
