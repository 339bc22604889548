import type { RouteHandler } from "@hono/zod-openapi";
import { requestContext } from "../../contexts";
import type { AppEnv } from "../../env";
import type * as routes from "./privacy.routes";
import * as service from "./privacy.service";
import { eraseUser } from "./privacy.erase";

export const redact: RouteHandler<typeof routes.redact, AppEnv> = async (c) => {
  const { id, comment_id } = c.req.valid("param");
  return c.json(await service.redactComment(requestContext(c), id, comment_id, c.req.valid("json").text), 200);
};

export const erase: RouteHandler<typeof routes.erase, AppEnv> = async (c) =>
  c.json(await eraseUser(requestContext(c), c.req.valid("param").id, c.req.valid("json").confirm), 200);

const originOf = (url: string) => new URL(url).origin;

export const exportUser: RouteHandler<typeof routes.exportUser, AppEnv> = async (c) =>
  c.json(await service.requestUserExport(requestContext(c), c.req.valid("param").id, originOf(c.req.url)), 202);
