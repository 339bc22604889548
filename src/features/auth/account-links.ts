/**
 * The signed links of account mail (issue 9): "verify your address" and "reset your password".
 *
 * A link's token is `<user id>.<expiry, epoch seconds>.<HMAC>`: nothing is stored, so neither a
 * database nor an outbox row nor the kept copy of a mail holds a usable credential. The HMAC binds
 * the purpose (a verification link never resets a password), the user, the expiry and the address
 * (a link sent to an old address stops working when the address changes). A reset link also binds
 * the user's token version: the reset itself, any other password change and a deactivation bump
 * it, so a reset link works once and dies with every session.
 */
import type { Bindings } from "../../env";
import { hmac, timingSafeEqual, toBase64Url } from "../../lib/crypto";
import type { AccountMailKind } from "../../domain/vocabulary";
import { signingSecret } from "./tokens";

/** A verification link outlives a weekend away from the inbox; a new one is a resend away. */
export const VERIFY_EMAIL_TTL_MS = 48 * 3_600_000;
/** API.md "Auth": reset links expire after an hour. */
export const PASSWORD_RESET_TTL_MS = 3_600_000;
export const ACCOUNT_LINK_TTL_MS: Record<AccountMailKind, number> = { verify_email: VERIFY_EMAIL_TTL_MS, password_reset: PASSWORD_RESET_TTL_MS };

/** 128 bits of HMAC-SHA256. */
const MAC_BYTES = 16;
const TOKEN = /^([0-9a-z-]{1,64})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/;
/** Where the links lead: pages of the customer portal, which post the token back to the API. */
const LINK_PATHS: Record<AccountMailKind, string> = { verify_email: "/portal/verify-email", password_reset: "/portal/reset-password" };

/** What a link is bound to besides its user and expiry. */
export interface LinkSubject {
  id: string;
  email: string;
  /** Bound by reset links only. */
  tokenVersion: number;
}

const material = (kind: AccountMailKind, user: LinkSubject, exp: number) =>
  ["edgedesk-account", kind, user.id, user.email, exp, kind === "password_reset" ? user.tokenVersion : ""].join(":");

async function mac(env: Bindings, kind: AccountMailKind, user: LinkSubject, exp: number): Promise<string> {
  return toBase64Url((await hmac(signingSecret(env), material(kind, user, exp))).slice(0, MAC_BYTES));
}

/** The token of a link for `user` that expires at `expiresAt`. */
export async function signAccountToken(env: Bindings, kind: AccountMailKind, user: LinkSubject, expiresAt: Date): Promise<string> {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  return `${user.id}.${exp.toString(36)}.${await mac(env, kind, user, exp)}`;
}

/** The user a token names, if it is shaped like one of ours and not expired; the MAC is checked by {@link accountTokenValid}. */
export function accountTokenUser(token: string, now: Date): string | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const exp = parseInt(m[2]!, 36);
  return exp * 1000 > now.getTime() ? m[1]! : null;
}

/** Whether `token` is a link of `kind` for the user as they are now. */
export async function accountTokenValid(env: Bindings, kind: AccountMailKind, token: string, user: LinkSubject, now: Date): Promise<boolean> {
  const m = TOKEN.exec(token);
  if (!m || m[1] !== user.id) return false;
  const exp = parseInt(m[2]!, 36);
  if (exp * 1000 <= now.getTime()) return false;
  const expected = new TextEncoder().encode(await mac(env, kind, user, exp));
  return timingSafeEqual(expected, new TextEncoder().encode(m[3]!));
}

/** The link a mail carries; the token travels in the fragment, so it never reaches a server log or a Referer. */
export function accountLink(publicUrl: string, kind: AccountMailKind, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}${LINK_PATHS[kind]}#token=${token}`;
}
