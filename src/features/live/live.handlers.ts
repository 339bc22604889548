import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { isStaff } from "../../domain/permissions";
import type { AppEnv } from "../../env";
import { AppError, forbidden, unauthorized } from "../../lib/errors";
import { callerContext, requestMeta } from "../../contexts";
import { authenticate, bearerToken } from "../../middleware/auth";
import type { LiveIdentity } from "../../ticket-room/protocol";
import { verifyAccessToken } from "../auth/tokens";
import { readVisibleTicket } from "../tickets/tickets.service";
import type * as routes from "./live.routes";
import { connect } from "./live.service";

/** The caller of an upgrade, from `?access_token=` (or a bearer header); 401 before any socket opens. */
async function caller(c: Context<AppEnv>, queryToken: string | undefined) {
  const token = queryToken ?? bearerToken(c);
  const actor = await authenticate(c.env, token);
  const claims = actor && token ? await verifyAccessToken(c.env, token) : null;
  if (!actor || !claims) throw unauthorized();
  const identity: LiveIdentity = { id: actor.id, name: actor.name, role: actor.role, token_version: claims.tv };
  return { actor, identity };
}

/** Checked after who and what, so a plain GET learns the same 401/404 an upgrade would. */
function requireUpgrade(c: Context<AppEnv>) {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("VALIDATION_ERROR", "This endpoint only opens a WebSocket: send Upgrade: websocket", {
      errors: { upgrade: ["expected websocket"] },
      headers: { Upgrade: "websocket" },
    });
  }
}

export const ticketLive: RouteHandler<typeof routes.ticketLive, AppEnv> = async (c) => {
  const { actor, identity } = await caller(c, c.req.valid("query").access_token);
  // Visibility is a permission check: read it from the primary, not a replica.
  const { row } = await readVisibleTicket(callerContext(c.env, actor, requestMeta(c), { now: new Date() }), c.req.valid("param").id);
  requireUpgrade(c);
  return connect(c.env, `room:${row.id}`, identity);
};

export const agentsLive: RouteHandler<typeof routes.agentsLive, AppEnv> = async (c) => {
  const { actor, identity } = await caller(c, c.req.valid("query").access_token);
  if (!isStaff(actor.role)) throw forbidden("The agents' feed is for agents, managers and admins");
  requireUpgrade(c);
  return connect(c.env, "feed", identity);
};
