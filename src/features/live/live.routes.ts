import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses } from "../../lib/openapi";
import { TicketRef } from "../tickets/tickets.schemas";

const tags = ["Live"];

export const LiveQuery = z.object({
  access_token: z.string().min(1).max(4096).optional().openapi({ description: "The access token (browsers cannot set headers on a WebSocket)" }),
});

const switching = {
  description:
    "Switching Protocols: a WebSocket speaking the live protocol (API.md \"Live collaboration\"). " +
    "Refused upgrades answer problem+json before any socket opens.",
};

// The token travels in the query; an `Authorization: Bearer` header is accepted too (non-browser clients).
const security = [{ bearerAuth: [] }];

export const ticketLive = createRoute({
  method: "get",
  path: "/tickets/{id}/live",
  tags,
  summary: "Open a ticket's live socket: presence, typing, changes and comments as they happen",
  security,
  request: { params: TicketRef, query: LiveQuery },
  responses: { 101: switching, ...errorResponses },
});

export const agentsLive = createRoute({
  method: "get",
  path: "/live",
  tags,
  summary: "Open the agents' feed (agent and up): who is online, new, assigned and breached tickets",
  security,
  request: { query: LiveQuery },
  responses: { 101: switching, ...errorResponses },
});
