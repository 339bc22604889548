import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../../middleware/auth";
import { bearerSecurity, errorResponses, conflictResponse, jsonBody, jsonContent } from "../../lib/openapi";
import { UserSchema } from "../users/users.schemas";
import { LoginBody, LogoutBody, RefreshBody, RegisterBody, TokenResponse } from "./auth.schemas";

const tags = ["Auth"];

export const register = createRoute({
  method: "post",
  path: "/auth/register",
  tags,
  summary: "Register a customer account",
  request: { body: jsonBody(RegisterBody) },
  responses: { 201: jsonContent(TokenResponse, "Registered and signed in"), ...errorResponses, ...conflictResponse },
});

export const login = createRoute({
  method: "post",
  path: "/auth/login",
  tags,
  summary: "Sign in with email and password",
  request: { body: jsonBody(LoginBody) },
  responses: { 200: jsonContent(TokenResponse, "Signed in"), ...errorResponses },
});

export const refresh = createRoute({
  method: "post",
  path: "/auth/refresh",
  tags,
  summary: "Rotate a refresh token for a new token pair (with the cookie: also the header X-Requested-With: edgedesk)",
  request: { body: jsonBody(RefreshBody) },
  responses: { 200: jsonContent(TokenResponse, "New tokens"), ...errorResponses },
});

export const logout = createRoute({
  method: "post",
  path: "/auth/logout",
  tags,
  summary: "End the session of a refresh token, or with everywhere every session of its user",
  request: { body: jsonBody(LogoutBody) },
  responses: { 204: { description: "Signed out" }, ...errorResponses },
});

export const me = createRoute({
  method: "get",
  path: "/auth/me",
  tags,
  summary: "The caller",
  security: bearerSecurity,
  middleware: requireAuth,
  responses: { 200: jsonContent(UserSchema, "The caller's user object"), ...errorResponses },
});
