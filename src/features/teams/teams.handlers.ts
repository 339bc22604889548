import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { requestContext } from "../../contexts";
import type * as routes from "./teams.routes";
import * as service from "./teams.service";

export const list: RouteHandler<typeof routes.list, AppEnv> = async (c) => c.json(await service.listTeams(requestContext(c), c.req.valid("query")), 200);

export const create: RouteHandler<typeof routes.create, AppEnv> = async (c) => {
  const team = await service.createTeam(requestContext(c), c.req.valid("json"));
  return c.json(team, 201, { Location: `/api/v1/teams/${team.id}` });
};

export const getOne: RouteHandler<typeof routes.getOne, AppEnv> = async (c) => c.json(await service.getTeam(requestContext(c), c.req.valid("param").id), 200);

export const patch: RouteHandler<typeof routes.patch, AppEnv> = async (c) =>
  c.json(await service.patchTeam(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const remove: RouteHandler<typeof routes.remove, AppEnv> = async (c) => {
  await service.deleteTeam(requestContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const getRouting: RouteHandler<typeof routes.getRouting, AppEnv> = async (c) =>
  c.json(await service.routingProfile(requestContext(c), c.req.valid("param").id), 200);

export const putSkills: RouteHandler<typeof routes.putSkills, AppEnv> = async (c) =>
  c.json(await service.putSkills(requestContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const putAvailability: RouteHandler<typeof routes.putAvailability, AppEnv> = async (c) =>
  c.json(await service.putAvailability(requestContext(c), c.req.valid("param").id, c.req.valid("json").availability), 200);

export const putCapacity: RouteHandler<typeof routes.putCapacity, AppEnv> = async (c) =>
  c.json(await service.putCapacity(requestContext(c), c.req.valid("param").id, c.req.valid("json").max_open_tickets), 200);
