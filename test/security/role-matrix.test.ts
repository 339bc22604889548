import { describe, expect, it } from "vitest";
import { api } from "../helpers";
import { buildWorld, fill, hiddenFromA, isVisitorRoute, NO_BEARER, leaked, operations, sampleBodies, send, snapshot, SWEEP_MS } from "./support";

/**
 * API.md "Roles", swept over the whole route table: anonymous callers and deactivated users get
 * 401 everywhere but the few public routes; each role is refused (and nothing changes) on every
 * operation outside what its row of the table allows. New routes land in the sweep by themselves:
 * one that forgets its guard fails here until it is put on a list below on purpose.
 */
const w = await buildWorld();
const { ops } = await operations();

/** Anyone, no token: signing in, and reading the public knowledge base. */
const PUBLIC = new Set([
  "POST /api/v1/auth/register",
  "POST /api/v1/auth/login",
  "POST /api/v1/auth/refresh",
  "POST /api/v1/auth/logout",
  // A mailed link's token is their credential (issue 9).
  "POST /api/v1/auth/verify-email",
  "POST /api/v1/auth/password-reset",
  "POST /api/v1/auth/password-reset/confirm",
  "GET /api/v1/kb/articles",
  "GET /api/v1/kb/articles/{id}",
  "POST /api/v1/kb/articles/{id}/feedback",
  "GET /api/v1/kb/suggest",
  "GET /api/v1/kb/categories",
  "GET /api/v1/kb/categories/{id}",
  // A website visitor opens a chat (features/chat; rate limited per IP).
  "POST /api/v1/chat/sessions",
  // A channel's own calls: its signature is the credential (401 without one, whatever the token).
  "POST /api/v1/channels/{id}/inbound",
]);
/**
 * A chat's own routes take its visitor token, never an access token: every role's token is a 401
 * there (test/chat/visitor-token.security.test.ts sweeps the visitor token itself).
 */
const VISITOR = new Set(ops.filter(isVisitorRoute).map((o) => o.key));

const CUSTOMER = new Set([
  ...PUBLIC,
  "GET /api/v1/auth/me",
  "POST /api/v1/auth/verify-email/resend",
  "GET /api/v1/tickets",
  "POST /api/v1/tickets",
  "GET /api/v1/tickets/{id}",
  "PATCH /api/v1/tickets/{id}",
  "GET /api/v1/tickets/{id}/comments",
  "POST /api/v1/tickets/{id}/comments",
  "GET /api/v1/tickets/{id}/comments/{comment_id}",
  "GET /api/v1/tickets/{id}/history",
  "GET /api/v1/tickets/{id}/live",
  "GET /api/v1/tickets/{id}/attachments",
  "POST /api/v1/tickets/{id}/attachments",
  "GET /api/v1/attachments/{id}",
  "GET /api/v1/search",
  "GET /api/v1/saved-searches",
  "POST /api/v1/saved-searches",
  "GET /api/v1/saved-searches/{id}",
  "PATCH /api/v1/saved-searches/{id}",
  "DELETE /api/v1/saved-searches/{id}",
  // The requester answers the satisfaction survey (issue 12); the sample ticket is not resolved: 422.
  "POST /api/v1/tickets/{id}/satisfaction",
  "GET /api/v1/tickets/{id}/satisfaction",
  // Everyone's own notifications (the preference body names a staff type: refused for a customer).
  "GET /api/v1/notifications",
  "GET /api/v1/notifications/unread-count",
  "POST /api/v1/notifications/read",
  "GET /api/v1/me/notification-preferences",
  "PUT /api/v1/me/notification-preferences",
  // Definitions a portal form needs (customers: the visible, active ones; a hidden one is 404).
  "GET /api/v1/ticket-fields",
  "GET /api/v1/ticket-fields/{id}",
  "GET /api/v1/ticket-statuses",
]);
const AGENT = new Set([
  ...CUSTOMER,
  // Macros: shared ones to apply, personal ones to keep (the slot names a shared macro: theirs to use, not to change).
  "GET /api/v1/macros",
  "POST /api/v1/macros",
  "GET /api/v1/macros/{id}",
  "POST /api/v1/tickets/{id}/macros/{macro_id}/apply",
  "POST /api/v1/tickets/bulk",
  "GET /api/v1/users",
  "POST /api/v1/tickets/{id}/assign",
  "POST /api/v1/tickets/{id}/merge",
  "POST /api/v1/tickets/{id}/split",
  "GET /api/v1/tickets/{id}/suggested-articles",
  "GET /api/v1/tickets/{id}/messages",
  "GET /api/v1/live",
  "POST /api/v1/kb/articles",
  "PATCH /api/v1/kb/articles/{id}",
  "DELETE /api/v1/kb/articles/{id}",
  "GET /api/v1/kb/articles/{id}/versions",
  "POST /api/v1/kb/categories",
  "PATCH /api/v1/kb/categories/{id}",
  "DELETE /api/v1/kb/categories/{id}",
  "GET /api/v1/mail/quarantine",
  "POST /api/v1/mail/quarantine/{id}/reject",
  "GET /api/v1/sla-policies",
  "GET /api/v1/sla-policies/{name}",
  "GET /api/v1/business-hours",
  "GET /api/v1/teams",
  "GET /api/v1/teams/{id}",
  "GET /api/v1/users/{id}/routing",
  // Privacy: agents redact a passage pasted into a comment (API.md "More channels and data").
  "POST /api/v1/tickets/{id}/comments/{comment_id}/redact",
  // Their own availability only: the slot below names a colleague, so the service refuses it.
  // Reports: an agent's own figures (issue 12; other agents' rows are absent).
  "GET /api/v1/reports/overview",
  "GET /api/v1/reports/agents",
  "GET /api/v1/reports/backlog",
  "GET /api/v1/reports/sla",
  "GET /api/v1/reports/time",
  // Time tracking: staff log time; changing an entry is the author's (the slot names a manager's: 403 below).
  "POST /api/v1/tickets/{id}/time-entries",
  "GET /api/v1/tickets/{id}/time-entries",
]);
const MANAGER = new Set([
  ...AGENT,
  "POST /api/v1/tickets/{id}/escalate",
  "POST /api/v1/teams",
  "PATCH /api/v1/teams/{id}",
  "DELETE /api/v1/teams/{id}",
  "PUT /api/v1/users/{id}/skills",
  "PUT /api/v1/users/{id}/availability",
  "PUT /api/v1/users/{id}/capacity",
  // A released mail acts as its sender without proof: managers decide (issue 9 item 7).
  "POST /api/v1/mail/quarantine/{id}/release",
  // Exports (issue 12): managers ask for them and read their own (someone else's is 404: the slot names none of theirs).
  "POST /api/v1/exports",
  "GET /api/v1/exports",
  "GET /api/v1/exports/{id}",
  "GET /api/v1/exports/{id}/download",
  // Satisfaction answers and anyone's time entries (issue 12).
  "GET /api/v1/satisfaction-ratings",
  "PATCH /api/v1/time-entries/{id}",
  "DELETE /api/v1/time-entries/{id}",
  "PATCH /api/v1/macros/{id}",
  "DELETE /api/v1/macros/{id}",
  // Rules: admins write them, managers may read them and try them on a ticket.
  "GET /api/v1/rules",
  "GET /api/v1/rules/{id}",
  "POST /api/v1/rules/{id}/test",
  "GET /api/v1/rules/{id}/runs",
]);

/** Slots filled with things the caller could otherwise touch: A's ticket, a colleague, a real team. */
const slots = () => ({
  id: w.ta.id,
  comment_id: w.publicReply.id,
  macro_id: w.sharedMacro.id,
  kind: "reply",
  name: "high",
});
// Slots whose {id} is not a ticket: a colleague, a team, an article, a category, a saved search.
const idFor: Record<string, string> = {
  "/api/v1/users/{id}": w.agent2.id,
  "/api/v1/users/{id}/routing": w.agent2.id,
  "/api/v1/users/{id}/erase": w.agent2.id,
  "/api/v1/users/{id}/skills": w.agent2.id,
  "/api/v1/users/{id}/availability": w.agent2.id,
  "/api/v1/users/{id}/capacity": w.agent2.id,
  "/api/v1/teams/{id}": w.team.id,
  "/api/v1/kb/articles/{id}": w.publicArticle.id,
  "/api/v1/kb/articles/{id}/versions": w.publicArticle.id,
  "/api/v1/kb/articles/{id}/feedback": w.publicArticle.id,
  "/api/v1/kb/categories/{id}": w.category.id,
  "/api/v1/saved-searches/{id}": w.bSaved.id,
  "/api/v1/ticket-fields/{id}": w.hiddenField.id,
  "/api/v1/ticket-statuses/{id}": w.ticketStatus.id,
  "/api/v1/attachments/{id}": w.aFile.id,
  "/api/v1/mail/quarantine/{id}/release": "no-such-message",
  "/api/v1/mail/quarantine/{id}/reject": "no-such-message",
  "/api/v1/time-entries/{id}": w.managerTime.id,
  "/api/v1/rules/{id}": w.rule.id,
  "/api/v1/rules/{id}/test": w.rule.id,
  "/api/v1/rules/{id}/runs": w.rule.id,
  "/api/v1/macros/{id}": w.sharedMacro.id,
};
const pathOf = (o: { path: string }) => fill(o.path, { ...slots(), ...(idFor[o.path] ? { id: idFor[o.path]! } : {}) });

describe("no token, a garbage token, a deactivated admin's token", () => {
  it("every operation but the public ones answers 401 problem+json to each, and nothing changes", async () => {
    const bodies = sampleBodies(w);
    const before = await snapshot();
    const found: string[] = [];
    for (const o of ops.filter((o) => o.path.startsWith("/api/v1/"))) {
      for (const [who, token] of [
        ["anonymous", undefined],
        ["garbage", "not.a.jwt"],
        ["deactivated admin", w.deactivated.token],
      ] as const) {
        if (who === "anonymous" && PUBLIC.has(o.key)) continue;
        if (who !== "anonymous" && NO_BEARER.has(o.key)) continue;
        const res = await send(o, pathOf(o), token, bodies[o.key] ?? {});
        if (res.status !== 401 || res.body?.code !== "UNAUTHORIZED") found.push(`${o.key} as ${who} → ${res.status}`);
      }
    }
    expect(found).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }, SWEEP_MS);

  it("anonymous readers of the public routes meet no internal or draft article, whatever they ask", async () => {
    const found: string[] = [];
    const secrets = [w.secret.internalArticle, w.secret.draftArticle];
    for (const o of ops.filter((o) => PUBLIC.has(o.key) && o.method === "GET")) {
      for (const id of [w.publicArticle.id, w.internalArticle.id, w.draftArticle.id, w.category.id]) {
        for (const query of ["", "?limit=100", ...secrets.flatMap((s) => [`?q=${s}`, `?subject=${s}&description=${s}`])]) {
          const res = await send(o, fill(o.path, { id }), undefined, undefined, { query });
          if (res.status >= 500 || leaked(res.body, secrets).length) found.push(`${o.key} ${id}${query} → ${res.status}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});

describe("each role outside its row of API.md's table", () => {
  for (const [role, allowed, expected] of [
    // A customer may be told 404 where the resource is not theirs to know of.
    ["customer", CUSTOMER, [403, 404]],
    ["agent", AGENT, [403]],
    ["manager", MANAGER, [403]],
  ] as const) {
    it(`${role}: every other operation is refused, reveals nothing, and changes nothing`, async () => {
      const user = role === "customer" ? w.a : role === "agent" ? w.agent : w.manager;
      const bodies = sampleBodies(w);
      const before = await snapshot();
      const found: string[] = [];
      const refused: string[] = [];
      for (const o of ops.filter((o) => o.path.startsWith("/api/v1/") && !allowed.has(o.key))) {
        const res = await send(o, pathOf(o), user.token, bodies[o.key] ?? {});
        const bad = role === "customer" ? leaked(res.body, hiddenFromA(w)) : [];
        const allowedStatuses: readonly number[] = VISITOR.has(o.key) ? [401] : expected;
        if (!allowedStatuses.includes(res.status) || res.headers.get("content-type") !== "application/problem+json" || bad.length) {
          found.push(`${o.key} → ${res.status} ${bad.join(",")}`);
        }
        refused.push(o.key);
      }
      expect(found).toEqual([]);
      expect(await snapshot()).toEqual(before);
      // The lists above are not vacuous: admin-only routes are among the refused ones for every role.
      for (const key of ["GET /api/v1/audit-logs", "DELETE /api/v1/tickets/{id}", "POST /api/v1/users", "PUT /api/v1/business-hours", "POST /api/v1/rules", "DELETE /api/v1/rules/{id}"]) {
        expect(refused).toContain(key);
      }
    }, SWEEP_MS);
  }

  it("admins reach every operation (the control: the lists above name real routes, and none is dead)", async () => {
    const keys = new Set(ops.map((o) => o.key));
    for (const key of [...MANAGER]) expect(keys, key).toContain(key);
    const res = await api("GET", "/api/v1/audit-logs?limit=1", { token: w.admin.token });
    expect(res.status).toBe(200);
  });
});
