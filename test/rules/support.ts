import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { expect } from "vitest";
import worker from "../../src/index";
import type { Bindings } from "../../src/env";
import { comments, ruleRuns, rules, ruleState, ticketHistory, tickets, users } from "../../src/db/schema";
import { metered, newMeter } from "../../src/db/metrics";
import { BASE, db, type ApiResponse, type CallOptions } from "../helpers";

export const bindings = env as unknown as Bindings;

/**
 * One HTTP call through the Worker's fetch export, waiting for everything it handed to waitUntil
 * (the after-commit consumers: triggers, notifications, fan-out) before answering.
 */
export async function settled<T = any>(method: string, path: string, opts: CallOptions = {}, testEnv: Bindings = bindings): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const ctx = createExecutionContext();
  const res = await worker.fetch!(new Request(`${BASE}${path}`, { method, headers, body }) as Request<unknown, IncomingRequestCfProperties>, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* keep the text */
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

export async function ok<T = any>(res: Promise<ApiResponse<T>>, status = 200): Promise<T> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

/** A rule through the API (admin). */
export const makeRule = (token: string, body: Record<string, unknown>) => ok(settled("POST", "/api/v1/rules", { token, body: { kind: "trigger", ...body } }), 201);

/** No rules left: each test starts from an empty rule set. */
export async function clearRules() {
  await db().delete(rules);
  await db().insert(ruleState).values({ key: "rules_version", value: `cleared-${crypto.randomUUID()}` }).onConflictDoUpdate({ target: ruleState.key, set: { value: `cleared-${crypto.randomUUID()}` } });
}

/** A word no other ticket holds, for rules that must match one test's ticket only. */
export const word = (prefix = "w") => `${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;

export const rowOf = async (id: string) => (await db().select().from(tickets).where(eq(tickets.id, id)).limit(1))[0]!;

export const historyOf = (id: string) => db().select().from(ticketHistory).where(eq(ticketHistory.ticketId, id)).orderBy(asc(ticketHistory.version), asc(ticketHistory.at), asc(ticketHistory.id));

export const runsOf = (ruleId: string) => db().select().from(ruleRuns).where(eq(ruleRuns.ruleId, ruleId)).orderBy(asc(ruleRuns.at), asc(ruleRuns.id));

export const commentsOf = (ticketId: string) =>
  db().select({ body: comments.body, internal: comments.internal, author: users.name, authorId: comments.authorId }).from(comments).innerJoin(users, eq(users.id, comments.authorId)).where(eq(comments.ticketId, ticketId)).orderBy(asc(comments.createdAt), asc(comments.id));

/**
 * env.DB (metered, for the statements' SQL) that runs `meanwhile` once, just before the first batch
 * some statement of which matches `at`; `batches(re)`: how many of its batches had a statement matching `re`.
 */
export function before(at: RegExp, meanwhile: () => Promise<unknown>) {
  let done = false;
  const seen: string[][] = [];
  const wrap = <T extends D1Database | D1DatabaseSession>(d1: T): T =>
    new Proxy(d1, {
      get(target, p) {
        if (p === "batch")
          return async (statements: { sql?: string }[]) => {
            seen.push(statements.map((st) => st.sql ?? ""));
            if (!done && statements.some((st) => at.test(st.sql ?? ""))) {
              done = true;
              await meanwhile();
            }
            return (target as D1Database).batch(statements as never);
          };
        if (p === "withSession") return (c?: string) => wrap((target as D1Database).withSession(c));
        const v = Reflect.get(target, p);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  return { db: wrap(metered(env.DB, newMeter())), wasHeld: () => done, batches: (re: RegExp) => seen.filter((sqls) => sqls.some((q) => re.test(q))).length };
}
