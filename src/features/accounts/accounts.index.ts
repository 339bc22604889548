import { createRouter } from "../../lib/create-router";
import * as handlers from "./accounts.handlers";
import * as routes from "./accounts.routes";

/** Proving addresses and resetting passwords by mail (issue 9; API.md "Auth"). */
export const accountsRouter = createRouter()
  .openapi(routes.verifyEmail, handlers.verifyEmail)
  .openapi(routes.resendVerification, handlers.resendVerification)
  .openapi(routes.requestPasswordReset, handlers.requestPasswordReset)
  .openapi(routes.confirmPasswordReset, handlers.confirmPasswordReset);
