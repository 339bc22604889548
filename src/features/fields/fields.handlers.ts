import type { RouteHandler } from "@hono/zod-openapi";
import { requestContext } from "../../contexts";
import type { AppEnv } from "../../env";
import type * as routes from "./fields.routes";
import * as service from "./fields.service";

export const listFields: RouteHandler<typeof routes.listFields, AppEnv> = async (c) => c.json(await service.listFields(requestContext(c)), 200);

export const getField: RouteHandler<typeof routes.getField, AppEnv> = async (c) =>
  c.json(await service.getField(requestContext(c), c.req.valid("param").id), 200);

export const createField: RouteHandler<typeof routes.createField, AppEnv> = async (c) =>
  c.json(await service.createField(requestContext(c), c.req.valid("json")), 201);

export const patchField: RouteHandler<typeof routes.patchField, AppEnv> = async (c) =>
  c.json(await service.patchField(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const deleteField: RouteHandler<typeof routes.deleteField, AppEnv> = async (c) => {
  await service.deleteField(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const listStatuses: RouteHandler<typeof routes.listStatuses, AppEnv> = async (c) => c.json(await service.listStatuses(requestContext(c)), 200);

export const createStatus: RouteHandler<typeof routes.createStatus, AppEnv> = async (c) =>
  c.json(await service.createStatus(requestContext(c), c.req.valid("json")), 201);

export const patchStatus: RouteHandler<typeof routes.patchStatus, AppEnv> = async (c) =>
  c.json(await service.patchStatus(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
