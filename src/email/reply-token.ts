/**
 * Unforgeable mail routing (STYLE.md "mail": route by an HMAC-signed token, never by a bare id).
 *
 * - Reply address `<local>+<ticket id>-<mac>@<domain>`: names one ticket; only we can mint one.
 * - Our Message-IDs `<outbound id>.<mac>@<domain>`: a References header naming an id of our form
 *   with a wrong MAC is a forgery and is ignored.
 * Either is only a candidate: resolve-ticket.ts still checks that the sender may write into the ticket.
 */
import type { Bindings } from "../env";
import { hmac, timingSafeEqual } from "../lib/crypto";
import { signingSecret } from "../features/auth/tokens";
import type { MailSettings } from "./settings";

/** 80 bits of HMAC-SHA256: unguessable, and short enough for a 64-character local part. */
const MAC_BYTES = 10;
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case: survives case-folding MTAs
/** Ticket and outbox ids are `[0-9a-z-]`; anything longer than this is not one of ours. */
const MAX_ID_CHARS = 80;

function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Domain-separated MACs, so a reply token can never pass as a Message-ID MAC or the reverse. */
async function mac(env: Bindings, purpose: "reply-address" | "message-id", id: string): Promise<string> {
  const digest = await hmac(signingSecret(env), `edgedesk-mail:${purpose}:${id}`);
  return base32(digest.slice(0, MAC_BYTES));
}

async function macMatches(env: Bindings, purpose: "reply-address" | "message-id", id: string, given: string): Promise<boolean> {
  const expected = new TextEncoder().encode(await mac(env, purpose, id));
  return timingSafeEqual(expected, new TextEncoder().encode(given));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export async function replyAddress(env: Bindings, settings: MailSettings, ticketId: string): Promise<string> {
  return `${settings.supportLocal}+${ticketId}-${await mac(env, "reply-address", ticketId)}@${settings.supportDomain}`;
}

/** The ticket id a reply address names, if the address is one we minted; null otherwise. */
export async function ticketOfReplyAddress(env: Bindings, settings: MailSettings, address: string): Promise<string | null> {
  const re = new RegExp(`^${escapeRe(settings.supportLocal)}\\+([0-9a-z]{1,${MAX_ID_CHARS}})-([0-9a-z]{16})@${escapeRe(settings.supportDomain)}$`);
  const m = re.exec(address.trim().toLowerCase());
  if (!m) return null;
  return (await macMatches(env, "reply-address", m[1]!, m[2]!)) ? m[1]! : null;
}

/** Our Message-ID of an outbox row, without angle brackets; the same on every retry. */
export async function outboundMessageId(env: Bindings, settings: MailSettings, outboundId: string): Promise<string> {
  return `${outboundId}.${await mac(env, "message-id", outboundId)}@${settings.supportDomain}`;
}

/**
 * Sorts a Message-ID as ours (MAC checks), forged (our form, wrong MAC) or foreign. A foreign id
 * may still be one we recorded (the sending service may replace ours), so only forgeries are dropped.
 */
export async function classifyMessageId(env: Bindings, settings: MailSettings, id: string): Promise<"ours" | "forged" | "foreign"> {
  const re = new RegExp(`^([0-9a-z-]{1,${MAX_ID_CHARS}})\\.([0-9a-z]{16})@${escapeRe(settings.supportDomain)}$`);
  const m = re.exec(id.trim().toLowerCase());
  if (!m) return "foreign";
  return (await macMatches(env, "message-id", m[1]!, m[2]!)) ? "ours" : "forged";
}
