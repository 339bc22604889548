import { z } from "@hono/zod-openapi";
import { EmailField, NameField, Password, UserSchema } from "../users/users.schemas";

/**
 * API.md "Web app": a browser asks for `"cookie"` sessions. The refresh token is then set as an
 * HttpOnly cookie scoped to /api/v1/auth and left out of the body, so no script can read it.
 */
const SessionMode = z.enum(["cookie"]).optional().openapi({
  description: '"cookie": the refresh token is set as an HttpOnly; Secure; SameSite=Strict cookie scoped to /api/v1/auth and left out of the body',
});

export const RegisterBody = z
  .object({
    name: NameField,
    email: EmailField,
    password: Password,
    // Only checked so a request for another role is refused loudly (403), never silently downgraded.
    role: z.string().optional(),
    session: SessionMode,
  })
  .openapi("Register");

export const LoginBody = z
  .object({ email: z.string().trim().toLowerCase().max(254), password: z.string().min(1).max(256), session: SessionMode })
  .openapi("Login");

const RefreshToken = z.string().min(1).max(512);
const tokenOrCookie = { path: ["refresh_token"], message: 'required unless session is "cookie"' };

export const RefreshBody = z
  .object({
    refresh_token: RefreshToken.optional().openapi({ description: 'absent with session "cookie": the cookie is the credential, with the header X-Requested-With: edgedesk' }),
    session: SessionMode,
  })
  .refine((b) => b.refresh_token !== undefined || b.session === "cookie", tokenOrCookie)
  .openapi("RefreshTokenBody");

export const LogoutBody = z
  .object({
    refresh_token: RefreshToken.optional().openapi({ description: 'absent with session "cookie"' }),
    session: SessionMode,
    everywhere: z.boolean().default(false).openapi({ description: "end every session of the user on every device, access tokens and live sockets included" }),
  })
  .refine((b) => b.refresh_token !== undefined || b.session === "cookie", tokenOrCookie)
  .openapi("LogoutBody");

export const TokenResponse = z
  .object({
    user: UserSchema,
    access_token: z.string(),
    refresh_token: z.string().optional().openapi({ description: 'absent with session "cookie" (it is in the HttpOnly cookie)' }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
  })
  .openapi("Tokens");
