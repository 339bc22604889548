import { z } from "@hono/zod-openapi";
import { Password } from "../users/users.schemas";

/** A link's token (features/auth/account-links.ts); its shape is checked by the service, so every bad token gets the same answer. */
const Token = z.string().min(1).max(200);

export const VerifyEmailBody = z.object({ token: Token }).openapi("VerifyEmail");
export const PasswordResetBody = z
  // Not validated as an address: any string gets the same 202 as an unknown address.
  .object({ email: z.string().trim().toLowerCase().min(1).max(254) })
  .openapi("PasswordResetRequest");
export const PasswordResetConfirmBody = z.object({ token: Token, password: Password }).openapi("PasswordResetConfirm");

/** The answer to a request for a mail: the same whether or not a mail goes out. */
export const MailAccepted = z.object({ message: z.string() }).openapi("MailAccepted");
