import type { RouteHandler } from "@hono/zod-openapi";
import { requestContext } from "../../contexts";
import type { AppEnv } from "../../env";
import type * as routes from "./accounts.routes";
import * as service from "./accounts.service";

export const verifyEmail: RouteHandler<typeof routes.verifyEmail, AppEnv> = async (c) =>
  c.json(await service.verifyEmail(requestContext(c), c.req.valid("json").token), 200);

export const resendVerification: RouteHandler<typeof routes.resendVerification, AppEnv> = async (c) => {
  const { body, headers } = await service.resendVerification(requestContext(c));
  return c.json(body, 202, headers);
};

export const requestPasswordReset: RouteHandler<typeof routes.requestPasswordReset, AppEnv> = async (c) => {
  const { body, headers } = await service.requestPasswordReset(requestContext(c), c.req.valid("json").email);
  return c.json(body, 202, headers);
};

export const confirmPasswordReset: RouteHandler<typeof routes.confirmPasswordReset, AppEnv> = async (c) => {
  const { token, password } = c.req.valid("json");
  await service.confirmPasswordReset(requestContext(c), token, password);
  return c.body(null, 204);
};
