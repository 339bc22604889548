import type { Bindings } from "../env";

/**
 * Mail settings (wrangler.toml [vars]); each default is the value a deployment gets when the var
 * is missing or not a number, so a typo never turns a limit off.
 */

/** Cloudflare Email Routing takes at most 25 MiB; a bigger stream is refused before it is buffered. */
export const DEFAULT_MAX_EMAIL_BYTES = 25 * 1024 * 1024;
/** Per attachment: a helpdesk stores screenshots and PDFs, not archives; larger files are dropped (the mail still counts). */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/**
 * Automatic mails (acknowledgements, notices) to one address per hour: stops a loop with a
 * responder we failed to recognise, and a forged sender using us to spam a victim.
 */
export const DEFAULT_AUTO_MAILS_PER_SENDER_PER_HOUR = 5;
export const DEFAULT_SUPPORT_ADDRESS = "support@example.com";
/** The receiving MTA whose Authentication-Results we trust (Cloudflare Email Routing's authserv-id). */
export const DEFAULT_AUTHSERV_ID = "mx.cloudflare.net";
/** Where account links lead when PUBLIC_URL is unset: the local demo. */
export const DEFAULT_PUBLIC_URL = "http://127.0.0.1:8787";

export interface MailSettings {
  maxEmailBytes: number;
  maxAttachmentBytes: number;
  autoMailsPerSenderPerHour: number;
  /** Lower-cased `local@domain`. */
  supportAddress: string;
  supportLocal: string;
  supportDomain: string;
  fromName: string;
  authRequired: boolean;
  authservId: string;
  /** Origin of the helpdesk's pages, without a trailing slash. */
  publicUrl: string;
}

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
};

export function mailSettings(env: Bindings): MailSettings {
  const address = (env.SUPPORT_ADDRESS || DEFAULT_SUPPORT_ADDRESS).trim().toLowerCase();
  const at = address.lastIndexOf("@");
  const valid = at > 0 && at < address.length - 1;
  const support = valid ? address : DEFAULT_SUPPORT_ADDRESS;
  const [local, domain] = [support.slice(0, support.lastIndexOf("@")), support.slice(support.lastIndexOf("@") + 1)];
  return {
    maxEmailBytes: positive(env.MAX_EMAIL_BYTES, DEFAULT_MAX_EMAIL_BYTES),
    maxAttachmentBytes: positive(env.MAX_ATTACHMENT_BYTES, DEFAULT_MAX_ATTACHMENT_BYTES),
    autoMailsPerSenderPerHour: positive(env.AUTO_MAILS_PER_SENDER_PER_HOUR, DEFAULT_AUTO_MAILS_PER_SENDER_PER_HOUR),
    supportAddress: support,
    supportLocal: local,
    supportDomain: domain,
    fromName: env.SUPPORT_NAME?.trim() || "Support",
    // Only an explicit "false" relaxes it: a deployment that forgets the var stays safe.
    authRequired: env.EMAIL_AUTH_REQUIRED?.trim().toLowerCase() !== "false",
    authservId: (env.EMAIL_AUTHSERV_ID || DEFAULT_AUTHSERV_ID).trim().toLowerCase(),
    publicUrl: (env.PUBLIC_URL?.trim() || DEFAULT_PUBLIC_URL).replace(/\/+$/, ""),
  };
}
