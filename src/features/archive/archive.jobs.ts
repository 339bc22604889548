import type { ArchiveMessage } from "../../jobs/job-messages";
import type { ServiceContext } from "../../lib/request-context";
import { ARCHIVE_CHUNK, ARCHIVE_TICKETS_PER_TICK, archiveAfterDays, archiveDue, archiveTicket } from "./archive.service";

const DAY_MS = 86_400_000;

export interface ArchiveTickReport {
  job: "archive";
  days: number;
  queued: number;
  messages: number;
}

/**
 * The cron's part: closed tickets past ARCHIVE_AFTER_DAYS, found through their index (O(chunk)),
 * queued on the JOBS queue in chunks. A ticket queued twice (a tick before the last one's chunks
 * ran) is skipped by the consumer: archiving is idempotent.
 */
export async function runArchive(ctx: ServiceContext): Promise<ArchiveTickReport> {
  const days = archiveAfterDays(ctx.env.ARCHIVE_AFTER_DAYS);
  const before = new Date(ctx.now.getTime() - days * DAY_MS).toISOString();
  const ids = await archiveDue(ctx, before, ARCHIVE_TICKETS_PER_TICK);
  const messages: { body: ArchiveMessage }[] = [];
  for (let i = 0; i < ids.length; i += ARCHIVE_CHUNK) messages.push({ body: { kind: "archive", ids: ids.slice(i, i + ARCHIVE_CHUNK), before } });
  if (messages.length) await ctx.env.JOBS.sendBatch(messages);
  return { job: "archive", days, queued: ids.length, messages: messages.length };
}

/** Tickets of a chunk archived at once: their R2 puts and D1 round trips overlap; D1 runs their batches one by one anyway. */
const ARCHIVE_CONCURRENCY = 5;

/** The consumer's part: one chunk; a failure retries the message, and the tickets already archived are skipped then. */
export async function runArchiveMessage(ctx: ServiceContext, message: ArchiveMessage) {
  const report = { archived: 0, skipped: 0 };
  const queue = [...message.ids];
  const lane = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) report[await archiveTicket(ctx, id, message.before)]++;
  };
  // Every lane finishes before a failure retries the message (whose archived tickets are skipped then).
  const failed = (await Promise.allSettled(Array.from({ length: ARCHIVE_CONCURRENCY }, lane))).find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  console.log(JSON.stringify({ job: "archive", ...report }));
  return report;
}
