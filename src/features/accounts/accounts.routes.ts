import { createRoute } from "@hono/zod-openapi";
import { bearerSecurity, conflictResponse, errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { requireAuth } from "../../middleware/auth";
import { UserSchema } from "../users/users.schemas";
import { MailAccepted, PasswordResetBody, PasswordResetConfirmBody, VerifyEmailBody } from "./accounts.schemas";

const tags = ["Auth"];

export const verifyEmail = createRoute({
  method: "post",
  path: "/auth/verify-email",
  tags,
  summary: "Prove an address with the token of its verification link",
  request: { body: jsonBody(VerifyEmailBody) },
  responses: { 200: jsonContent(UserSchema, "The user, verified"), ...errorResponses },
});

export const resendVerification = createRoute({
  method: "post",
  path: "/auth/verify-email/resend",
  tags,
  summary: "Send the caller's verification mail again (rate limited)",
  security: bearerSecurity,
  middleware: requireAuth,
  responses: { 202: jsonContent(MailAccepted, "A new link is on its way"), ...errorResponses, ...conflictResponse },
});

export const requestPasswordReset = createRoute({
  method: "post",
  path: "/auth/password-reset",
  tags,
  summary: "Mail a password-reset link to an address (the same answer for known and unknown addresses; rate limited)",
  request: { body: jsonBody(PasswordResetBody) },
  responses: { 202: jsonContent(MailAccepted, "Accepted: if an account has this address, a link is on its way"), ...errorResponses },
});

export const confirmPasswordReset = createRoute({
  method: "post",
  path: "/auth/password-reset/confirm",
  tags,
  summary: "Set a new password with the token of a reset link; ends every session of the account",
  request: { body: jsonBody(PasswordResetConfirmBody) },
  responses: { 204: { description: "The password is set; every session of the account has ended" }, ...errorResponses },
});
