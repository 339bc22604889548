import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./sla.routes";
import * as service from "./sla.service";

export const listPolicies: RouteHandler<typeof routes.listPolicies, AppEnv> = async (c) => c.json(await service.listPolicies(requestContext(c)), 200);

export const getPolicy: RouteHandler<typeof routes.getPolicy, AppEnv> = async (c) =>
  c.json(await service.getPolicy(requestContext(c), c.req.valid("param").name), 200);

export const putPolicy: RouteHandler<typeof routes.putPolicy, AppEnv> = async (c) => {
  const name = c.req.valid("param").name;
  const { created, policy } = await service.putPolicy(requestContext(c), name, c.req.valid("json"));
  return created ? c.json(policy, 201, { Location: `/api/v1/sla-policies/${encodeURIComponent(name)}` }) : c.json(policy, 200);
};

export const getBusinessHours: RouteHandler<typeof routes.getBusinessHours, AppEnv> = async (c) =>
  c.json(await service.getBusinessHours(requestContext(c)), 200);

export const putBusinessHours: RouteHandler<typeof routes.putBusinessHours, AppEnv> = async (c) =>
  c.json(await service.putBusinessHours(requestContext(c), c.req.valid("json")), 200);
