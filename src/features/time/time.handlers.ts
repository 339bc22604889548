import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./time.routes";
import * as service from "./time.service";

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const entry = await service.logTime(requestContext(c), c.req.valid("param").id, c.req.valid("json"));
  return c.json(entry, 201, { Location: `/api/v1/time-entries/${entry.id}` });
};
export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) =>
  c.json(await service.listTimeEntries(requestContext(c), c.req.valid("param").id, c.req.valid("query")), 200);
export const patch: RouteHandler<typeof routes.patch, AppEnv> = async (c) =>
  c.json(await service.updateTimeEntry(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  await service.deleteTimeEntry(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
