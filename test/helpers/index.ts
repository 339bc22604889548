import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { createDb } from "../../src/db/client";
import { users } from "../../src/db/schema";
import type { Role } from "../../src/domain/permissions";
import { hashPassword } from "../../src/features/auth/password";
import { signAccessToken } from "../../src/features/auth/tokens";
import { newId } from "../../src/lib/ids";
import worker from "../../src/index";

export const BASE = "http://edgedesk.test";
export const PASSWORD = "password-123";
export const db = () => createDb(env.DB);

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (already a string): for malformed JSON and wrong content types. */
  raw?: string;
  headers?: Record<string, string>;
  /** Bindings over the test env ({@link meteredApi} only): a var a test sets, as a deployment would, or a wrapped binding. */
  env?: Record<string, unknown>;
}

/** One HTTP call through the Worker's real fetch handler. */
export async function api<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
  return call(method, path, opts, (req) => exports.default.fetch(req));
}

export interface MeteredResponse<T = any> extends ApiResponse<T> {
  /** D1 rows read and written by the request (src/db/metrics.ts, as the bench counts them). */
  rowsRead: number;
  rowsWritten: number;
}

/** {@link api} with D1 metering on (`D1_METRICS=1`, as the bench's rows pass): what the call cost in D1 rows. */
export async function meteredApi<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<MeteredResponse<T>> {
  const res = await call<T>(method, path, opts, async (req) => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(req, { ...env, D1_METRICS: "1", ...opts.env }, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  });
  return { ...res, rowsRead: Number(res.headers.get("x-d1-rows-read")), rowsWritten: Number(res.headers.get("x-d1-rows-written")) };
}

/** The statements a metered request ran, with their rows (src/db/metrics.ts `X-D1-Statements`). */
export function meteredStatements(res: { headers: Headers }): { call: number; sql: string; rows_read: number; rows_written: number }[] {
  const b64 = (res.headers.get("x-d1-statements") ?? "").replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))));
}

async function call<T>(method: string, path: string, opts: CallOptions, send: (req: Request) => Promise<Response>): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await send(new Request(`${BASE}${path}`, { method, headers, body }));
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

let passwordHash: Promise<string> | undefined;

export interface TestUser {
  id: string;
  name: string;
  email: string;
  role: Role;
  token: string;
}

let counter = 0;
/**
 * A user straight in D1 (password `password-123`) and a real access token for them. Verified, as
 * an account an admin creates; `verified: false` makes a self-registered one that has not proven its address.
 */
export async function makeUser(role: Role, overrides: { name?: string; email?: string; verified?: boolean } = {}): Promise<TestUser> {
  passwordHash ??= hashPassword(PASSWORD, env.PASSWORD_PEPPER);
  const id = newId();
  const n = ++counter;
  const now = new Date().toISOString();
  const user = {
    id,
    name: overrides.name ?? `${role} ${n}`,
    email: (overrides.email ?? `${role}-${n}-${id}@example.test`).toLowerCase(),
    role,
  };
  await db()
    .insert(users)
    .values({ ...user, active: true, passwordHash: await passwordHash, tokenVersion: 0, emailVerifiedAt: overrides.verified === false ? null : now, createdAt: now, updatedAt: now });
  const token = await signAccessToken(env, { sub: id, role, tv: 0 });
  return { ...user, token };
}

export async function makeStaff() {
  const [customer, customer2, agent, agent2, manager, admin] = await Promise.all([
    makeUser("customer"),
    makeUser("customer"),
    makeUser("agent"),
    makeUser("agent"),
    makeUser("manager"),
    makeUser("admin"),
  ]);
  return { customer, customer2, agent, agent2, manager, admin };
}

export function expectProblem(res: ApiResponse, status: number, code: string) {
  if (res.status !== status || res.headers.get("content-type") !== "application/problem+json" || res.body?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${res.headers.get("content-type")} ${JSON.stringify(res.body)}`);
  }
}

/** Every page of a cursor-paged list as `who` sees it, and the cursors handed out (`path` holds its query, limit included). */
export async function walkPages<T = any>(who: { token: string }, path: string): Promise<{ data: T[]; cursors: string[] }> {
  const data: T[] = [];
  const cursors: string[] = [];
  let cursor: string | null = null;
  do {
    const res: ApiResponse = await api("GET", `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: who.token });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    data.push(...res.body.data);
    cursor = res.body.next_cursor;
    if (cursor) cursors.push(cursor);
  } while (cursor);
  return { data, cursors };
}
