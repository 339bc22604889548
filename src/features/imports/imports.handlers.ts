import type { RouteHandler } from "@hono/zod-openapi";
import { requestContext } from "../../contexts";
import type { AppEnv } from "../../env";
import type * as routes from "./imports.routes";
import * as service from "./imports.service";

const originOf = (url: string) => new URL(url).origin;

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) =>
  c.json(await service.createImport(requestContext(c), c.req.valid("json"), originOf(c.req.url)), 201);

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) =>
  c.json(await service.listImports(requestContext(c), c.req.valid("query"), originOf(c.req.url)), 200);

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) =>
  c.json(await service.getImport(requestContext(c), c.req.valid("param").id, originOf(c.req.url)), 200);

export const upload: RouteHandler<typeof routes.upload, AppEnv> = async (c) => {
  const length = c.req.header("content-length");
  const size = length !== undefined && /^\d{1,12}$/.test(length) ? Number(length) : null;
  return c.json(await service.uploadPart(requestContext(c), c.req.param("id"), c.req.raw.body, size, originOf(c.req.url)), 201);
};

export const start: RouteHandler<typeof routes.start, AppEnv> = async (c) =>
  c.json(await service.startImport(requestContext(c), c.req.valid("param").id, originOf(c.req.url)), 202);
