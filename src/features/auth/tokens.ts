import { jwtVerify, SignJWT } from "jose";
import type { Bindings } from "../../env";
import type { Role } from "../../domain/permissions";
import { ROLES } from "../../domain/permissions";
import { hmacKey } from "../../lib/crypto";
import { AppError } from "../../lib/errors";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_DAYS = 30;
const ALGORITHM = "HS256";
const MIN_SECRET_LENGTH = 32;

/** The signing secret (JWTs, cursors); a Worker without a real one refuses to sign rather than use a default. */
export function signingSecret(env: Bindings): string {
  const secret = env.JWT_SECRET;
  if (!secret || secret.length < MIN_SECRET_LENGTH) {
    throw new AppError("INTERNAL_ERROR", "The server is not configured for authentication (JWT_SECRET)");
  }
  return secret;
}

/** The JWT signing key (HS256), imported once per isolate rather than by jose on every token. */
export function jwtKey(env: Bindings): Promise<CryptoKey> {
  return hmacKey(signingSecret(env));
}

export function pepper(env: Bindings): string {
  if (!env.PASSWORD_PEPPER) throw new AppError("INTERNAL_ERROR", "The server is not configured for authentication (PASSWORD_PEPPER)");
  return env.PASSWORD_PEPPER;
}

export interface AccessClaims {
  sub: string;
  role: Role;
  /** The user's token version at issue time; a bump (password change, deactivation) kills the token. */
  tv: number;
}

export async function signAccessToken(env: Bindings, claims: AccessClaims, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ role: claims.role, tv: claims.tv })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuer(env.JWT_ISSUER)
    .setAudience(env.JWT_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
    .sign(await jwtKey(env));
}

/**
 * Tokens this isolate has verified, until they expire: a client sends one token many times in its
 * 15 minutes, and jose's parse and HMAC check were ~0.07 ms of every authenticated request (issue 15
 * item 3). Only a token that verified is kept, under the secret, issuer and audience it verified
 * with; revocation is not decided here (the caller's row is read on every request, middleware/auth.ts).
 */
const verified = new Map<string, { claims: AccessClaims; exp: number; by: string }>();
/** Verified tokens kept per isolate (~0.5 KB each); the oldest goes first. */
export const VERIFIED_TOKENS_MAX = 1_000;

/** Verifies signature (HS256 only), issuer, audience and expiry; null for anything wrong. */
export async function verifyAccessToken(env: Bindings, token: string): Promise<AccessClaims | null> {
  const by = `${signingSecret(env)}\n${env.JWT_ISSUER}\n${env.JWT_AUDIENCE}`;
  const known = verified.get(token);
  // jose's expiry rule: expired once exp <= now (whole seconds).
  if (known && known.by === by && known.exp > Math.floor(Date.now() / 1000)) return known.claims;
  const key = await jwtKey(env);
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [ALGORITHM],
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      requiredClaims: ["sub", "exp", "iat"],
    });
    const role = payload.role as Role;
    if (typeof payload.sub !== "string" || !ROLES.includes(role) || typeof payload.tv !== "number") return null;
    const claims: AccessClaims = Object.freeze({ sub: payload.sub, role, tv: payload.tv });
    if (verified.size >= VERIFIED_TOKENS_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, { claims, exp: payload.exp!, by });
    return claims;
  } catch {
    return null;
  }
}
