import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./exports.routes";
import * as service from "./exports.service";
import { incrementalTickets } from "./incremental.service";

const originOf = (url: string) => new URL(url).origin;

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const job = await service.createExport(requestContext(c), c.req.valid("json"), originOf(c.req.url));
  return c.json(job, 202, { Location: `/api/v1/exports/${job.id}` });
};
export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => c.json(await service.listExports(requestContext(c), c.req.valid("query"), originOf(c.req.url)), 200);
export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) => c.json(await service.getExport(requestContext(c), c.req.valid("param").id, originOf(c.req.url)), 200);
export const download: RouteHandler<typeof routes.download, AppEnv> = async (c) => (await service.downloadExport(requestContext(c), c.req.valid("param").id)) as never;
export const incremental: RouteHandler<typeof routes.incremental, AppEnv> = async (c) => c.json(await incrementalTickets(requestContext(c), c.req.valid("query")), 200);
