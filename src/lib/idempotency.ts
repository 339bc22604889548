import { and, eq } from "drizzle-orm";
import { preparedSelect, type BatchItem } from "../db/client";
import { isUniqueViolation } from "../db/errors";
import { idempotencyKeys } from "../db/schema";
import { sha256Hex } from "./crypto";
import { AppError } from "./errors";
import { actorOf, type ServiceContext } from "./request-context";

/** Keys are honoured for 24 hours (API.md "Conventions"). */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export interface StoredResponse<T> {
  status: 201 | 200;
  body: T;
  headers: Record<string, string>;
}

/**
 * A key's stored response, as text and read with all(): a create's first D1 call carries it with the
 * caller's row (db/caller-gate.ts), where drizzle's select (raw()) cost the caller a call of its own.
 */
const storedKey = preparedSelect(
  { requestHash: idempotencyKeys.requestHash, status: idempotencyKeys.status, body: idempotencyKeys.body, createdAt: idempotencyKeys.createdAt },
  'from "idempotency_keys" where "idempotency_keys"."user_id" = ? and "idempotency_keys"."key" = ? limit 1',
);

/** Given the response the create will give, the insert that records it, for the create's own batch. */
export type RecordResponse = <T>(response: StoredResponse<T>) => BatchItem[];

/**
 * Runs a create at most once per (user, key). The stored response is written in the same batch as
 * the create, so a crash can never leave a created resource without its key or a key without it.
 * Two concurrent duplicates both run; the second batch fails on the key's primary key and is rolled
 * back whole, and that caller gets the first response replayed.
 */
export async function idempotent<T>(
  ctx: ServiceContext,
  key: string | undefined,
  request: { method: string; path: string; body: unknown },
  create: (record: RecordResponse) => Promise<StoredResponse<T>>,
): Promise<StoredResponse<T> & { replayed?: boolean }> {
  if (!key) return create(() => []);
  const userId = actorOf(ctx).id;
  const fingerprint = await sha256Hex(`${request.method} ${request.path}\n${JSON.stringify(request.body)}`);
  const replay = async () => {
    const [row] = await storedKey(ctx.db.$client, [userId, key]);
    if (!row) return null;
    if (Date.parse(row.createdAt) < ctx.now.getTime() - IDEMPOTENCY_TTL_MS) {
      await ctx.db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
      return null;
    }
    if (row.requestHash !== fingerprint) {
      throw new AppError("CONFLICT", "This Idempotency-Key was already used for a different request");
    }
    const stored = JSON.parse(row.body) as { body: T; headers: Record<string, string> };
    return { status: row.status as 200 | 201, body: stored.body, headers: { ...stored.headers, "Idempotent-Replayed": "true" }, replayed: true };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  try {
    return await create((response) => [
      ctx.db.insert(idempotencyKeys).values({
        userId,
        key,
        requestHash: fingerprint,
        status: response.status,
        body: JSON.stringify({ body: response.body, headers: response.headers }),
        createdAt: ctx.now.toISOString(),
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err, "idempotency_keys")) {
      const first = await replay();
      if (first) return first;
      throw new AppError("CONFLICT", "A request with this Idempotency-Key is still in flight; retry shortly");
    }
    throw err;
  }
}
