/**
 * The satisfaction survey's link token: `<ticket id>.<expiry (epoch s)>.<MAC>`, an HMAC-SHA-256
 * (first 16 bytes) of both under JWT_SECRET with its own prefix, so no other signed value of the
 * app (cursors, reply addresses) can stand in for it. It names one ticket and expires with the
 * survey's window; whoever holds it answers for that ticket's requester (it only ever goes to the
 * requester's address, in the resolution mail).
 */
import type { Bindings } from "../../env";
import { fromBase64Url, hmac, timingSafeEqual, toBase64Url } from "../../lib/crypto";
import { signingSecret } from "../auth/tokens";

const PURPOSE = "edgedesk/csat/v1";
const MAC_BYTES = 16;
const TOKEN = /^([0-9a-z]{26})\.(\d{10})\.([A-Za-z0-9_-]{22})$/;

const mac = async (env: Bindings, ticketId: string, expires: number) =>
  (await hmac(signingSecret(env), `${PURPOSE}\n${ticketId}\n${expires}`)).slice(0, MAC_BYTES);

export async function surveyToken(env: Bindings, ticketId: string, expiresAt: Date): Promise<string> {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  return `${ticketId}.${expires}.${toBase64Url(await mac(env, ticketId, expires))}`;
}

export type SurveyTokenCheck = { ok: true; ticketId: string; expiresAt: Date } | { ok: false; reason: "invalid" | "expired" };

/** The ticket a token names, if it is ours, untouched and not expired at `now`. */
export async function checkSurveyToken(env: Bindings, token: string, now: Date): Promise<SurveyTokenCheck> {
  const m = TOKEN.exec(token);
  if (!m) return { ok: false, reason: "invalid" };
  const [, ticketId, expiresText, sig] = m;
  const given = fromBase64Url(sig!);
  const expires = Number(expiresText);
  if (!given || !timingSafeEqual(given, await mac(env, ticketId!, expires))) return { ok: false, reason: "invalid" };
  if (expires * 1000 <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, ticketId: ticketId!, expiresAt: new Date(expires * 1000) };
}
