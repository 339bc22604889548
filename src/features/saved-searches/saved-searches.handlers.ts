import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./saved-searches.routes";
import * as service from "./saved-searches.service";

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) =>
  c.json(await service.listSavedSearches(requestContext(c), c.req.valid("query")), 200);

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const result = await service.createSavedSearch(requestContext(c), c.req.valid("json"), c.req.valid("header")["idempotency-key"]);
  return c.json(result.body, 201, result.headers);
};

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) =>
  c.json(await service.getSavedSearch(requestContext(c), c.req.valid("param").id), 200);

export const patch: RouteHandler<typeof routes.patch, AppEnv> = async (c) =>
  c.json(await service.patchSavedSearch(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  await service.deleteSavedSearch(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
