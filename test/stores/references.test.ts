import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { surveyLinks } from "../../src/features/satisfaction/satisfaction.service";
import { newId } from "../../src/lib/ids";
import { BASE, makeStaff, makeUser, type TestUser } from "../helpers";
import { call, DAY, inMain, inYear, ok, settle, yearA, yearEnv } from "./support";

/**
 * Issue 15, rows and routes that name a retired ticket without main's foreign key (docs/scale.md
 * "Year databases"): a survey link of the resolution mail and a bulk change find the ticket in its
 * year's database (the link reads it there, an answer or a change brings it back first), and nobody
 * reaches another customer's ticket by them. Through `fetch`, `scheduled` and `queue`.
 */
let staff: Awaited<ReturnType<typeof makeStaff>>;
let customer: TestUser;
let other: TestUser;
const retired: { id: string; subject: string; resolvedAt: string }[] = [];

/** A survey-link page through `fetch` with the year databases bound. */
async function page(path: string) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`), yearEnv, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, html: await res.text() };
}
const where = async (id: string) => [await inMain(id), await inYear(yearA, id)];

beforeAll(async () => {
  staff = await makeStaff();
  customer = await makeUser("customer");
  other = await makeUser("customer");
  for (let i = 0; i < 3; i++) {
    const subject = `Retired survey ${i} ${newId()}`;
    const t = await ok(call("POST", "/tickets", customer, { subject, description: "d" }), 201);
    await ok(call("POST", `/tickets/${t.id}/comments`, staff.agent, { body: "fixed" }), 201);
    const resolved = await ok(call("PATCH", `/tickets/${t.id}`, staff.agent, { status: "resolved" }));
    await ok(call("PATCH", `/tickets/${t.id}`, staff.agent, { status: "closed" }));
    retired.push({ id: t.id, subject, resolvedAt: resolved.resolved_at });
  }
  // A year and more later (the cron's clock): archived, then retired into this year's database.
  await settle(Date.now() + 400 * DAY);
  for (const t of retired) expect(await where(t.id)).toEqual([0, 1]);
}, 180_000);

describe("references to a retired ticket", () => {
  it("its survey link asks where the ticket is, and an answer brings it back and rates it as its requester", async () => {
    const t = retired[0]!;
    const links = await surveyLinks(yearEnv, t.id, t.resolvedAt);
    const path = new URL(links.link).pathname;
    const asked = await page(path);
    expect(asked.status, asked.html.slice(0, 200)).toBe(200);
    expect(asked.html).toContain(t.subject);
    // Reading the page leaves it in its year.
    expect(await where(t.id)).toEqual([0, 1]);
    const rated = await page(new URL(links.five).pathname + new URL(links.five).search);
    expect(rated.status).toBe(200);
    expect(await where(t.id)).toEqual([1, 0]);
    expect((await ok(call("GET", `/tickets/${t.id}/satisfaction`, customer))).satisfaction).toMatchObject({ score: 5 });
    // Another customer still sees nothing of it.
    expect((await call("GET", `/tickets/${t.id}/satisfaction`, other)).status).toBe(404);
    // A link for an id of that year that names no ticket, and a forged one: not valid.
    const nowhere = await surveyLinks(yearEnv, newId(), t.resolvedAt);
    expect((await page(new URL(nowhere.link).pathname)).status).toBe(404);
    expect((await page(`${path.slice(0, -4)}AAAA`)).status).toBe(404);
  });

  it("a bulk change brings the retired tickets it names back first; a customer may not bulk-change, another customer's ids included", async () => {
    const [a, b] = [retired[1]!.id, retired[2]!.id];
    const res = await ok(call("POST", "/tickets/bulk", staff.agent, { ids: [a, b], changes: { priority: "high" } }));
    expect(res.results.map((r: any) => [r.id, r.status, r.ticket?.priority])).toEqual([
      [a, 200, "high"],
      [b, 200, "high"],
    ]);
    for (const id of [a, b]) expect(await where(id)).toEqual([1, 0]);
    expect((await call("POST", "/tickets/bulk", other, { ids: [a], changes: { priority: "low" } })).status).toBe(403);
    expect((await ok(call("GET", `/tickets/${a}`, staff.agent))).priority).toBe("high");
  });
});
