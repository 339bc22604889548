import { createApp } from "./app";
import type { Bindings } from "./env";
import { handleEmail } from "./email/inbound";
import { deliverOutbox, OUTBOX_QUEUE } from "./email/outbound";
import { runScheduled } from "./jobs";
import { JOBS_QUEUE, runJobs } from "./jobs/job-queue";
import { IMPORTS_QUEUE, runImportBatch } from "./features/imports/imports.runner";
import { deliverWebhooks, WEBHOOKS_QUEUE } from "./features/webhooks/webhooks.delivery";

export { AgentsFeed } from "./agents-feed/agents-feed";
export { TicketRoom } from "./ticket-room/ticket-room";
export { UserSessions } from "./user-sessions/user-sessions";

const app = createApp();

export default {
  fetch: app.fetch,
  async email(message, env, ctx) {
    await handleEmail(message, env, ctx);
  },
  // Cron Triggers (wrangler.toml): SLA sweep, auto-close, housekeeping (src/jobs).
  async scheduled(controller, env, ctx) {
    await runScheduled(controller, env, ctx);
  },
  async queue(batch, env) {
    // One consumer per queue of wrangler.toml [[queues.consumers]].
    if (batch.queue === OUTBOX_QUEUE) return deliverOutbox(batch, env);
    if (batch.queue === JOBS_QUEUE) return runJobs(batch, env);
    if (batch.queue === IMPORTS_QUEUE) return runImportBatch(batch as MessageBatch<{ id: string; step: number }>, env);
    if (batch.queue === WEBHOOKS_QUEUE) return deliverWebhooks(batch, env);
    console.error(`queue: no consumer for ${batch.queue}`);
    batch.retryAll();
  },
} satisfies ExportedHandler<Bindings>;
