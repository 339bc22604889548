import { createRoute } from "@hono/zod-openapi";
import { requireCapability } from "../../middleware/auth";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { CreateUserBody, PatchUserBody, UserIdParam, UserListQuery, UserPage, UserSchema } from "./users.schemas";

const tags = ["Users"];
const admin = requireCapability("users.manage");

export const create = createRoute({
  method: "post",
  path: "/users",
  tags,
  summary: "Create a user of any role (admin)",
  security: bearerSecurity,
  middleware: admin,
  request: { body: jsonBody(CreateUserBody) },
  responses: { 201: jsonContent(UserSchema, "Created"), ...errorResponses, ...conflictResponse },
});

export const list = createRoute({
  method: "get",
  path: "/users",
  tags,
  summary: "List users (agent and up)",
  security: bearerSecurity,
  middleware: requireCapability("users.list"),
  request: { query: UserListQuery },
  responses: { 200: jsonContent(UserPage, "A page of users"), ...errorResponses },
});

export const getOne = createRoute({
  method: "get",
  path: "/users/{id}",
  tags,
  summary: "One user (admin)",
  security: bearerSecurity,
  middleware: admin,
  request: { params: UserIdParam },
  responses: { 200: jsonContent(UserSchema, "The user"), ...errorResponses },
});

export const patch = createRoute({
  method: "patch",
  path: "/users/{id}",
  tags,
  summary: "Edit a user (admin); a password change or deactivation signs them out everywhere",
  security: bearerSecurity,
  middleware: admin,
  request: { params: UserIdParam, body: jsonBody(PatchUserBody) },
  responses: { 200: jsonContent(UserSchema, "The user"), ...errorResponses, ...conflictResponse },
});

export const remove = createRoute({
  method: "delete",
  path: "/users/{id}",
  tags,
  summary: "Deactivate a user (admin): no more login or refresh",
  security: bearerSecurity,
  middleware: admin,
  request: { params: UserIdParam },
  responses: { 204: { description: "Deactivated" }, ...errorResponses, ...conflictResponse },
});
