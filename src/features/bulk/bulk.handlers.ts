import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./bulk.routes";
import * as service from "./bulk.service";

export const bulk: RouteHandler<typeof routes.bulk, AppEnv> = async (c) =>
  c.json(await service.bulkChange(requestContext(c), c.req.valid("json"), c.req.valid("header")["idempotency-key"]), 200);
