import { createRoute } from "@hono/zod-openapi";
import { requireCapability } from "../../middleware/auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import {
  CreateTeamBody,
  PatchTeamBody,
  PutAvailabilityBody,
  PutCapacityBody,
  PutSkillsBody,
  RoutingProfileSchema,
  SkillList,
  TeamId,
  TeamListQuery,
  TeamPage,
  TeamSchema,
  UserRef,
} from "./teams.schemas";

const tags = ["Teams and routing"];
const staff = requireCapability("settings.read");
const managers = requireCapability("routing.manage");

export const list = createRoute({
  method: "get",
  path: "/teams",
  tags,
  summary: "Teams (staff)",
  security: bearerSecurity,
  middleware: staff,
  request: { query: TeamListQuery },
  responses: { 200: jsonContent(TeamPage, "A page of teams"), ...errorResponses },
});

export const create = createRoute({
  method: "post",
  path: "/teams",
  tags,
  summary: "Create a team (manager and up)",
  security: bearerSecurity,
  middleware: managers,
  request: { body: jsonBody(CreateTeamBody) },
  responses: { 201: jsonContent(TeamSchema, "Created"), ...errorResponses, ...conflictResponse },
});

export const getOne = createRoute({
  method: "get",
  path: "/teams/{id}",
  tags,
  summary: "One team (staff)",
  security: bearerSecurity,
  middleware: staff,
  request: { params: TeamId },
  responses: { 200: jsonContent(TeamSchema, "The team"), ...errorResponses },
});

export const patch = createRoute({
  method: "patch",
  path: "/teams/{id}",
  tags,
  summary: "Change a team: name, manager, strategy, auto-assignment, members (manager and up)",
  security: bearerSecurity,
  middleware: managers,
  request: { params: TeamId, body: jsonBody(PatchTeamBody) },
  responses: { 200: jsonContent(TeamSchema, "The team"), ...errorResponses, ...conflictResponse },
});

export const remove = createRoute({
  method: "delete",
  path: "/teams/{id}",
  tags,
  summary: "Delete a team no ticket belongs to (manager and up)",
  security: bearerSecurity,
  middleware: managers,
  request: { params: TeamId },
  responses: { 204: { description: "Deleted" }, ...errorResponses, ...conflictResponse },
});

export const getRouting = createRoute({
  method: "get",
  path: "/users/{id}/routing",
  tags,
  summary: "An agent's routing profile: availability, capacity, load, skills (staff)",
  security: bearerSecurity,
  middleware: staff,
  request: { params: UserRef },
  responses: { 200: jsonContent(RoutingProfileSchema, "The profile"), ...errorResponses },
});

export const putSkills = createRoute({
  method: "put",
  path: "/users/{id}/skills",
  tags,
  summary: "Replace an agent's skills, each with a proficiency 1–5 (manager and up)",
  security: bearerSecurity,
  middleware: managers,
  request: { params: UserRef, body: jsonBody(PutSkillsBody) },
  responses: { 200: jsonContent(SkillList, "The skills"), ...errorResponses },
});

export const putAvailability = createRoute({
  method: "put",
  path: "/users/{id}/availability",
  tags,
  summary: "Set availability: online, away or offline (one's own; managers and up anyone's)",
  security: bearerSecurity,
  middleware: staff,
  request: { params: UserRef, body: jsonBody(PutAvailabilityBody) },
  responses: { 200: jsonContent(RoutingProfileSchema, "The profile"), ...errorResponses, ...conflictResponse },
});

export const putCapacity = createRoute({
  method: "put",
  path: "/users/{id}/capacity",
  tags,
  summary: "Set the most open tickets an agent takes (manager and up)",
  security: bearerSecurity,
  middleware: managers,
  request: { params: UserRef, body: jsonBody(PutCapacityBody) },
  responses: { 200: jsonContent(RoutingProfileSchema, "The profile"), ...errorResponses },
});
