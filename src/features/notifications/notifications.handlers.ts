import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./notifications.routes";
import * as service from "./notifications.service";

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => c.json(await service.listNotifications(requestContext(c), c.req.valid("query")), 200);

export const unreadCount: RouteHandler<typeof routes.unreadCount, AppEnv> = async (c) => c.json(await service.unreadCount(requestContext(c)), 200);

export const markRead: RouteHandler<typeof routes.markRead, AppEnv> = async (c) => {
  await service.markRead(requestContext(c), c.req.valid("json"));
  return c.body(null, 204);
};

export const getPreferences: RouteHandler<typeof routes.getPreferences, AppEnv> = async (c) => c.json(await service.getPreferences(requestContext(c)), 200);

export const putPreferences: RouteHandler<typeof routes.putPreferences, AppEnv> = async (c) =>
  c.json(await service.putPreferences(requestContext(c), c.req.valid("json")), 200);
