import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./mail.routes";
import * as service from "./mail.service";

export const ticketMessages: RouteHandler<typeof routes.ticketMessages, AppEnv> = async (c) =>
  c.json(await service.listTicketMessages(requestContext(c), c.req.valid("param").id, c.req.valid("query")), 200);

export const quarantine: RouteHandler<typeof routes.quarantine, AppEnv> = async (c) =>
  c.json(await service.listQuarantine(requestContext(c), c.req.valid("query")), 200);

export const release: RouteHandler<typeof routes.release, AppEnv> = async (c) =>
  c.json(await service.releaseQuarantined(requestContext(c), c.req.valid("param").id), 200);

export const reject: RouteHandler<typeof routes.reject, AppEnv> = async (c) =>
  c.json(await service.rejectQuarantined(requestContext(c), c.req.valid("param").id), 200);

export const getTemplate: RouteHandler<typeof routes.getTemplate, AppEnv> = async (c) =>
  c.json(await service.getTemplate(requestContext(c), c.req.valid("param").kind), 200);

export const putTemplate: RouteHandler<typeof routes.putTemplate, AppEnv> = async (c) =>
  c.json(await service.putTemplate(requestContext(c), c.req.valid("param").kind, c.req.valid("json")), 200);
