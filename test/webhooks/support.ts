import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { expect, inject } from "vitest";
import { webhookDeliveries } from "../../src/db/schema";
import type { Bindings } from "../../src/env";
import { newId } from "../../src/lib/ids";
import worker from "../../src/index";
import { BASE, db, type ApiResponse, type CallOptions } from "../helpers";

/** The real local receiver (scripts/webhook-receiver.mjs) test/global-setup.mjs started. */
const RECEIVER = inject("webhookReceiver");

export interface ReceivedDelivery {
  id: string;
  timestamp: string;
  signature: string;
  content_type: string;
  user_agent: string;
  verified: boolean;
  body: string;
  received_at: number;
  status: number;
}

/** An endpoint of the receiver of its own (tests run in parallel): its URL and controls. */
export function receiverEndpoint(name = "hook") {
  const key = `${name}-${newId()}`;
  const control = async (body: { statuses?: number[]; down?: boolean; delay_ms?: number; redirect_to?: string | null; secrets?: string[] }) => {
    const res = await fetch(`${RECEIVER}/_control/${key}`, { method: "POST", body: JSON.stringify(body) });
    expect(res.status).toBe(204);
  };
  const received = async (): Promise<ReceivedDelivery[]> => (await fetch(`${RECEIVER}/_received/${key}`)).json();
  return { key, url: `${RECEIVER}/hooks/${key}`, control, received };
}

/** WEBHOOKS queue sends of the code under test, kept here instead of reaching the real queue (which would run the consumer by itself). */
export function fakeQueue() {
  const sent: string[] = [];
  const queue = {
    send: async (body: { id: string }) => void sent.push(body.id),
    sendBatch: async (batch: { body: { id: string } }[]) => void sent.push(...batch.map((m) => m.body.id)),
  } as unknown as Queue<{ id: string }>;
  return { sent, queue };
}

/**
 * The env of a webhook test: loopback receivers allowed (local development), the WEBHOOKS queue and
 * the mail outbox captured. Every call of such a test goes through it ({@link call}), so nothing
 * reaches the real queues.
 */
export function hookEnv(overrides: Partial<Bindings> = {}) {
  const hooks = fakeQueue();
  const mail = fakeQueue();
  const testEnv = { ...(env as unknown as Bindings), WEBHOOKS_ALLOW_LOCAL: "true", WEBHOOKS: hooks.queue, OUTBOX: mail.queue, ...overrides } as Bindings;
  return { env: testEnv, enqueued: hooks.sent };
}

/** One HTTP call through the Worker's fetch export with a test env, waiting for its after-commit work. */
export async function call<T = any>(testEnv: Bindings, method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const ctx = createExecutionContext();
  const res = await worker.fetch!(new Request(`${BASE}${path}`, { method, headers, body }) as never, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** Runs the Worker's `queue` export on delivery ids, as the WEBHOOKS queue would deliver them; retry delays recorded. */
export async function runQueue(ids: string[], testEnv: Bindings, attempts = 1) {
  const batch = createMessageBatch<{ id: string }>("edgedesk-webhooks", ids.map((id, i) => ({ id: `q-${i}-${newId()}`, timestamp: new Date(), attempts, body: { id } })));
  const delays: (number | undefined)[] = [];
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    Object.defineProperty(m, "retry", { value: (options?: QueueRetryOptions) => (delays.push(options?.delaySeconds), retry(options)) });
  }
  const ctx = createExecutionContext();
  const queue = worker.queue as unknown as (b: MessageBatch<unknown>, e: Bindings, c: ExecutionContext) => Promise<void>;
  await queue(batch as MessageBatch<unknown>, testEnv, ctx);
  return { ...(await getQueueResult(batch, ctx)), delays };
}

/** Drains what the code under test queued: runs the consumer on it (and on what that queued) until nothing new is queued. */
export async function drain(enqueued: string[], testEnv: Bindings) {
  let done = 0;
  while (done < enqueued.length) {
    const ids = enqueued.slice(done);
    done = enqueued.length;
    await runQueue(ids, testEnv);
  }
}

export async function deliveryRow(id: string) {
  const [row] = await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
  return row!;
}

/** Time passes for a delivery: its next attempt is due now (the queue would bring its message back now). */
export async function makeDue(id: string, extra: Partial<typeof webhookDeliveries.$inferInsert> = {}) {
  await db().update(webhookDeliveries).set({ nextAttemptAt: new Date().toISOString(), ...extra }).where(eq(webhookDeliveries.id, id));
}

export const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
