import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { callerContext } from "../../src/contexts";
import { outboundMessages } from "../../src/db/schema";
import type { Actor } from "../../src/domain/permissions";
import { outboundRawKey } from "../../src/email/outbound";
import { parseInbound } from "../../src/email/parse";
import { answerByLink, rateTicket, SURVEY_WINDOW_DAYS } from "../../src/features/satisfaction/satisfaction.service";
import { surveyToken } from "../../src/features/satisfaction/survey-token";
import { AppError } from "../../src/lib/errors";
import { api, BASE, db, expectProblem, makeStaff, type TestUser } from "../helpers";
import { mailEnv, r2Text, runOutbox } from "../email/mail-helpers";
import { bindings } from "../reports/support";
import { historyRows, ok, openTicket } from "../tickets/fixtures";
import { exports } from "cloudflare:workers";

const DAY = 86_400_000;
const actorOf = (u: TestUser): Actor => ({ id: u.id, name: u.name, email: u.email, role: u.role });

let s: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  s = await makeStaff();
});

async function resolved(requester = s.customer) {
  const t = await openTicket(requester);
  const res = await ok(api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.agent.token, body: { status: "resolved" } }));
  return res as typeof t & { resolved_at: string; version: number };
}

/** Opens a survey page as a mail client would (no token, no cookie). */
async function page(path: string, init: RequestInit = {}) {
  const res = await exports.default.fetch(new Request(`${BASE}${path}`, init));
  return { status: res.status, headers: res.headers, html: await res.text() };
}

const pathOf = (link: string) => new URL(link).pathname + new URL(link).search;

describe("the satisfaction survey in the resolution mail", () => {
  it("the resolution mail links one score each; one click records it on the ticket, a second replaces it, the page adds a comment", async () => {
    const t = await resolved();
    const outboxId = `resolved-${t.id}-v${t.version}`;
    const { env: testEnv } = mailEnv();
    await runOutbox([outboxId], testEnv);
    const [row] = await db().select().from(outboundMessages).where(eq(outboundMessages.id, outboxId));
    expect(row!.status).toBe("sent");
    const mail = await parseInbound((await r2Text(outboundRawKey(outboxId)))!);
    const links = [...mail.fullText.matchAll(/(https?:\/\/\S+\/csat\/[A-Za-z0-9._-]+)\?score=([1-5])/g)];
    expect(links.map((m) => m[2]).sort()).toEqual(["1", "2", "3", "4", "5"]);
    const five = links.find((m) => m[2] === "5")![0];
    expect(new URL(five).origin).toBe(new URL(env.PUBLIC_URL ?? "http://127.0.0.1:8787").origin);

    const answered = await page(pathOf(five));
    expect(answered.status).toBe(200);
    expect(answered.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = answered.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    expect(answered.headers.get("referrer-policy")).toBe("no-referrer");
    expect(answered.html).not.toMatch(/<script/i);
    expect(answered.html).toContain("Thank you");

    const afterFive = await ok(api("GET", `/api/v1/tickets/${t.id}`, { token: s.customer.token }));
    expect(afterFive.satisfaction).toMatchObject({ score: 5, comment: null });

    // The same link with another score replaces the answer (one answer per ticket).
    const two = links.find((m) => m[2] === "2")![0];
    expect((await page(pathOf(two))).status).toBe(200);
    // The page's form adds a comment; what the requester writes comes back escaped.
    const form = await page(pathOf(two).split("?")[0]!, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ score: "2", comment: "<script>alert(1)</script> slow answer" }).toString(),
    });
    expect(form.status).toBe(200);
    expect(form.html).not.toContain("<script>alert(1)</script>");
    expect(form.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; slow answer");

    const staffView = await ok(api("GET", `/api/v1/tickets/${t.id}`, { token: s.agent.token }));
    expect(staffView.satisfaction).toMatchObject({ score: 2, comment: "<script>alert(1)</script> slow answer" });
    // History records each answer; the requester sees them in their history too.
    const history = (await historyRows(t.id)).filter((h) => h.type === "satisfaction.rated");
    expect(history).toHaveLength(3);
    const customerHistory = await ok(api("GET", `/api/v1/tickets/${t.id}/history`, { token: s.customer.token }));
    expect(customerHistory.data.filter((h: any) => h.type === "satisfaction.rated")).toHaveLength(3);
  });

  it("a link that is tampered with, names another ticket, is past its window or has a bad score changes nothing", async () => {
    const t = await resolved();
    const other = await resolved(s.customer2);
    const closes = new Date(Date.parse(t.resolved_at) + SURVEY_WINDOW_DAYS * DAY);
    const token = await surveyToken(bindings, t.id, closes);
    const [id, expires, mac] = token.split(".");
    const swapped = `${other.id}.${expires}.${mac}`;
    const flipped = `${id}.${expires}.${mac!.slice(0, -1)}${mac!.at(-1) === "A" ? "B" : "A"}`;
    const later = `${id}.${Number(expires) + 86_400}.${mac}`;
    for (const bad of [swapped, flipped, later, "not-a-token"]) {
      const res = await page(`/csat/${bad}?score=5`);
      expect(res.status, bad).toBe(404);
      expect(res.html).not.toMatch(/<script/i);
    }
    expect((await page(`/csat/${token}?score=9`)).status).toBe(400);
    expect((await page(`/csat/${token}?score=1.5`)).status).toBe(400);
    // The window closes 14 days after the resolution: the link (then expired) and the API refuse.
    expect(await answerByLink(bindings, token, new Date(closes.getTime() + 1000), { score: 5 })).toEqual({ kind: "closed" });
    const late = callerContext(bindings, actorOf(s.customer), { ip: null, userAgent: "test" }, { now: new Date(closes.getTime() + 60_000) });
    await expect(rateTicket(late, t.id, { score: 5 })).rejects.toMatchObject({ code: "INVALID_TRANSITION" });
    await expect(rateTicket(late, t.id, { score: 5 })).rejects.toBeInstanceOf(AppError);
    for (const ticket of [t, other]) {
      expect((await ok(api("GET", `/api/v1/tickets/${ticket.id}`, { token: s.manager.token }))).satisfaction).toBeNull();
    }
    // Just inside the window the link still answers.
    expect(await answerByLink(bindings, token, new Date(closes.getTime() - 1000), { score: 4 })).toMatchObject({ kind: "rated", satisfaction: { score: 4 } });
  });
});

describe("POST /api/v1/tickets/{id}/satisfaction", () => {
  it("the requester answers a resolved ticket, may replace the answer; nobody else may", async () => {
    const t = await resolved();
    const first = await ok(api("POST", `/api/v1/tickets/${t.id}/satisfaction`, { token: s.customer.token, body: { score: 4, comment: "quick" } }));
    expect(first).toMatchObject({ score: 4, comment: "quick" });
    const second = await ok(api("POST", `/api/v1/tickets/${t.id}/satisfaction`, { token: s.customer.token, body: { score: 1 } }));
    // A score alone keeps the comment given before.
    expect(second).toMatchObject({ score: 1, comment: "quick" });
    expect(await ok(api("GET", `/api/v1/tickets/${t.id}/satisfaction`, { token: s.customer.token }))).toMatchObject({ satisfaction: { score: 1 }, can_rate: true });

    expectProblem(await api("POST", `/api/v1/tickets/${t.id}/satisfaction`, { token: s.customer2.token, body: { score: 5 } }), 404, "NOT_FOUND");
    expectProblem(await api("POST", `/api/v1/tickets/${t.id}/satisfaction`, { token: s.agent.token, body: { score: 5 } }), 403, "FORBIDDEN");
    for (const body of [{ score: 0 }, { score: 6 }, { score: 3.5 }, { score: "5" }, {}, { score: 5, comment: "x".repeat(2_001) }]) {
      expectProblem(await api("POST", `/api/v1/tickets/${t.id}/satisfaction`, { token: s.customer.token, body }), 400, "VALIDATION_ERROR");
    }
    const open = await openTicket(s.customer);
    expectProblem(await api("POST", `/api/v1/tickets/${open.id}/satisfaction`, { token: s.customer.token, body: { score: 5 } }), 422, "INVALID_TRANSITION");
    expect((await ok(api("GET", `/api/v1/tickets/${t.id}`, { token: s.manager.token }))).satisfaction).toMatchObject({ score: 1, comment: "quick" });
  });

  it("GET /api/v1/satisfaction-ratings lists answers for managers, filtered by score and agent; agents and customers 403", async () => {
    const t = await resolved();
    await ok(api("PATCH", `/api/v1/tickets/${t.id}`, { token: s.manager.token, body: { assignee_id: s.agent2.id } }));
    await ok(api("POST", `/api/v1/tickets/${t.id}/satisfaction`, { token: s.customer.token, body: { score: 3, comment: "fine" } }));
    const byAgent = await ok(api("GET", `/api/v1/satisfaction-ratings?agent_id=${s.agent2.id}`, { token: s.manager.token }));
    expect(byAgent.data).toEqual([expect.objectContaining({ ticket: expect.objectContaining({ id: t.id }), score: 3, comment: "fine", agent_id: s.agent2.id })]);
    const threes = await ok(api("GET", "/api/v1/satisfaction-ratings?score=3", { token: s.manager.token }));
    expect(threes.data.every((r: any) => r.score === 3)).toBe(true);
    expect(threes.data.map((r: any) => r.ticket.id)).toContain(t.id);
    expectProblem(await api("GET", "/api/v1/satisfaction-ratings", { token: s.agent.token }), 403, "FORBIDDEN");
    expectProblem(await api("GET", "/api/v1/satisfaction-ratings", { token: s.customer.token }), 403, "FORBIDDEN");
  });
});
