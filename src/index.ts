import { createApp } from "./app";
import type { Bindings } from "./env";
// Fan-out of committed ticket events to the rooms and the agents' feed.
import "./features/live/live.service";

export { AgentsFeed } from "./agents-feed/agents-feed";
export { TicketRoom } from "./ticket-room/ticket-room";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
