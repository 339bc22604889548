import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./search.routes";
import * as service from "./search.service";

export const search: RouteHandler<typeof routes.search, AppEnv> = async (c) => {
  const q = c.req.valid("query");
  const page = await service.search(requestContext(c), {
    q: q.q,
    types: q.type,
    status: q.status,
    priority: q.priority,
    limit: q.limit,
    cursor: q.cursor,
  });
  return c.json(page, 200);
};

export const analytics: RouteHandler<typeof routes.analytics, AppEnv> = async (c) =>
  c.json(await service.analytics(requestContext(c), c.req.valid("query")), 200);
