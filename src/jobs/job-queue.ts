/**
 * The JOBS queue (wrangler.toml): work too big for one invocation, done one chunk per message. Each
 * kind keeps its own resumable position in D1 and sends the message of its next chunk itself; a
 * message names the step it is for, so a duplicate or a re-sent one is dropped, and the cron sends
 * again the step of a job whose chain of messages broke. Kinds: report rollup rebuilds
 * (features/reports/reports.rebuild.ts), exports (features/exports/exports.jobs.ts) and archive chunks
 * (features/archive/archive.jobs.ts, whose tickets are each idempotent instead of a step).
 */
import { systemContext } from "../contexts";
import type { Bindings } from "../env";
import { runRebuildMessage } from "../features/reports/reports.rebuild";
import { runExportMessage } from "../features/exports/exports.jobs";
import { runArchiveMessage } from "../features/archive/archive.jobs";
import { runRetireMessage } from "../features/archive/archive.retire";
import type { JobMessage } from "./job-messages";

export const JOBS_QUEUE = "edgedesk-jobs";

function parse(body: unknown): JobMessage | null {
  if (!body || typeof body !== "object") return null;
  const m = body as Record<string, unknown>;
  if (m.kind === "report-rebuild" && Number.isSafeInteger(m.step)) return { kind: "report-rebuild", step: m.step as number };
  if (m.kind === "export" && typeof m.id === "string" && m.id.length <= 64 && Number.isSafeInteger(m.step)) return { kind: "export", id: m.id, step: m.step as number };
  if (m.kind === "archive" && Array.isArray(m.ids) && m.ids.length <= MAX_ARCHIVE_IDS && m.ids.every((id) => typeof id === "string" && id.length <= 64) && typeof m.before === "string" && !Number.isNaN(Date.parse(m.before))) {
    return { kind: "archive", ids: m.ids as string[], before: m.before };
  }
  if (m.kind === "retire" && Number.isSafeInteger(m.year) && Array.isArray(m.ids) && m.ids.length <= MAX_ARCHIVE_IDS && m.ids.every((id) => typeof id === "string" && id.length <= 64)) {
    return { kind: "retire", year: m.year as number, ids: m.ids as string[] };
  }
  return null;
}
// A message names at most this many tickets (the producer sends ARCHIVE_CHUNK).
const MAX_ARCHIVE_IDS = 100;

export async function runJobs(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  for (const message of batch.messages) {
    const job = parse(message.body);
    if (!job) {
      console.error("jobs: malformed queue message", JSON.stringify(message.body)?.slice(0, 200));
      message.ack();
      continue;
    }
    const ctx = systemContext(env, `queue ${JOBS_QUEUE}`, { now: new Date() });
    try {
      switch (job.kind) {
        case "report-rebuild":
          await runRebuildMessage(ctx, job);
          message.ack();
          break;
        case "archive":
          await runArchiveMessage(ctx, job);
          message.ack();
          break;
        case "retire":
          await runRetireMessage(ctx, job);
          message.ack();
          break;
        case "export":
          // A step another delivery holds: come back when its lease may have run out.
          if ((await runExportMessage(env, job, message.attempts)) === "retry") message.retry({ delaySeconds: 30 });
          else message.ack();
          break;
      }
    } catch (err) {
      console.error(JSON.stringify({ queue: JOBS_QUEUE, kind: job.kind, error: String(err), stack: (err as Error)?.stack }));
      message.retry({ delaySeconds: Math.min(300, 10 * 2 ** message.attempts) });
    }
  }
}
