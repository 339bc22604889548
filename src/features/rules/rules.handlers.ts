import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./rules.routes";
import * as service from "./rules.service";

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => c.json(await service.listRules(requestContext(c), c.req.valid("query")), 200);

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const result = await service.createRule(requestContext(c), c.req.valid("json"), c.req.valid("header")["idempotency-key"]);
  return c.json(result.body, 201, result.headers);
};

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) => c.json(await service.getRule(requestContext(c), c.req.valid("param").id), 200);

export const patch: RouteHandler<typeof routes.patch, AppEnv> = async (c) =>
  c.json(await service.patchRule(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  await service.deleteRule(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const test: RouteHandler<typeof routes.test, AppEnv> = async (c) =>
  c.json(await service.testRule(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const runs: RouteHandler<typeof routes.runs, AppEnv> = async (c) =>
  c.json(await service.listRuns(requestContext(c), c.req.valid("param").id, c.req.valid("query")), 200);
