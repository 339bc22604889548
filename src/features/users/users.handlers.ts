import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./users.routes";
import { toUser } from "./users.serialize";
import * as service from "./users.service";

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const user = await service.createUser(requestContext(c), c.req.valid("json"));
  return c.json(user, 201, { Location: `/api/v1/users/${user.id}` });
};

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) =>
  c.json(await service.listUsers(requestContext(c), c.req.valid("query")), 200);

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) =>
  c.json(toUser(await service.getUser(requestContext(c), c.req.valid("param").id)), 200);

export const patch: RouteHandler<typeof routes.patch, AppEnv> = async (c) =>
  c.json(await service.patchUser(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  await service.deactivateUser(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
