import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./macros.routes";
import * as service from "./macros.service";

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => c.json(await service.listMacros(requestContext(c), c.req.valid("query")), 200);

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const result = await service.createMacro(requestContext(c), c.req.valid("json"), c.req.valid("header")["idempotency-key"]);
  return c.json(result.body, 201, result.headers);
};

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) => c.json(await service.getMacro(requestContext(c), c.req.valid("param").id), 200);

export const patch: RouteHandler<typeof routes.patch, AppEnv> = async (c) =>
  c.json(await service.patchMacro(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  await service.deleteMacro(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const apply: RouteHandler<typeof routes.apply, AppEnv> = async (c) => {
  const { id, macro_id } = c.req.valid("param");
  const result = await service.applyMacro(requestContext(c), id, macro_id, { dryRun: c.req.valid("query").dry_run }, c.req.valid("header")["idempotency-key"]);
  return c.json(result.body, 200, "headers" in result ? result.headers : {});
};
