import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./reports.routes";
import * as service from "./reports.service";
import { rebuildState, startRebuild, type RebuildState } from "./reports.rebuild";

export const overview: RouteHandler<typeof routes.overview, AppEnv> = async (c) => c.json(await service.overview(requestContext(c), c.req.valid("query")), 200);
export const agents: RouteHandler<typeof routes.agents, AppEnv> = async (c) => c.json(await service.agents(requestContext(c), c.req.valid("query")), 200);
export const backlog: RouteHandler<typeof routes.backlog, AppEnv> = async (c) => c.json(await service.backlog(requestContext(c), c.req.valid("query")), 200);
export const sla: RouteHandler<typeof routes.sla, AppEnv> = async (c) => c.json(await service.slaReport(requestContext(c), c.req.valid("query")), 200);
export const time: RouteHandler<typeof routes.time, AppEnv> = async (c) => c.json(await service.timeReport(requestContext(c), c.req.valid("query")), 200);

const toWire = (s: RebuildState) => ({ phase: s.phase, tickets_done: s.tickets_done, keys_done: s.keys_done, started_at: s.started_at, finished_at: s.finished_at });

export const rebuildStatus: RouteHandler<typeof routes.rebuildStatus, AppEnv> = async (c) => c.json(toWire(await rebuildState(requestContext(c))), 200);
export const rebuild: RouteHandler<typeof routes.rebuild, AppEnv> = async (c) => c.json(toWire(await startRebuild(requestContext(c))), 202);
