import { z } from "@hono/zod-openapi";
import { EmailField, NameField, Password, UserSchema } from "../users/users.schemas";

export const RegisterBody = z
  .object({
    name: NameField,
    email: EmailField,
    password: Password,
    // Only checked so a request for another role is refused loudly (403), never silently downgraded.
    role: z.string().optional(),
  })
  .openapi("Register");

export const LoginBody = z
  .object({ email: z.string().trim().toLowerCase().max(254), password: z.string().min(1).max(256) })
  .openapi("Login");

export const RefreshBody = z.object({ refresh_token: z.string().min(1).max(512) }).openapi("RefreshTokenBody");

export const TokenResponse = z
  .object({
    user: UserSchema,
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
  })
  .openapi("Tokens");
