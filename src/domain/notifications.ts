/**
 * Who is told what (API.md "Notifications"), pure: the types each role gets, their default
 * channels, @mentions in an internal note, and the short texts of a notification.
 */
import { NOTIFICATION_TYPES, type NotificationType } from "./vocabulary";
import type { Role } from "./permissions";

/** Staff hear about their work; customers about their own tickets (and never anything internal). */
export const STAFF_NOTIFICATIONS: readonly NotificationType[] = ["assigned", "requester_replied", "mentioned", "sla_at_risk", "sla_breached", "rule"];
export const CUSTOMER_NOTIFICATIONS: readonly NotificationType[] = ["agent_replied", "ticket_resolved"];

export const notificationTypesFor = (role: Role): readonly NotificationType[] => (role === "customer" ? CUSTOMER_NOTIFICATIONS : STAFF_NOTIFICATIONS);

export interface Channels {
  in_app: boolean;
  email: boolean;
}

/**
 * Without a saved preference everything shows in the app and nothing comes by mail: mail is what
 * people opt into per type (a helpdesk's notices are many). Customers' replies and resolutions
 * reach them as mail of their own anyway.
 */
export const DEFAULT_CHANNELS: Record<NotificationType, Channels> = Object.fromEntries(
  NOTIFICATION_TYPES.map((t) => [t, { in_app: true, email: false }]),
) as Record<NotificationType, Channels>;

export const isNotificationType = (t: string): t is NotificationType => (NOTIFICATION_TYPES as readonly string[]).includes(t);

// ---------------------------------------------------------------- mentions

/** Mentions honoured per note: a note naming more people than this is a broadcast, not a mention. */
export const MAX_MENTIONS = 20;

const EMAIL_MENTION = /(?<![\w.@])@([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?\.[A-Za-z]{2,})/g;
const HANDLE_MENTION = /(?<![\w.@])@([\p{L}\p{N}][\p{L}\p{N}._-]{0,63})/gu;

/**
 * A name as a mention handle: separators (space . _ -) dropped, ASCII letters lowercased (SQLite's
 * lower() folds ASCII only, and the lookup compares in SQL). "Anna Smith" is @annasmith, @anna.smith,
 * @Anna_Smith.
 */
export const mentionHandle = (name: string) => name.replace(/[\s._-]+/g, "").replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The people an internal note mentions: `@email` and `@name` (as a handle), at most {@link MAX_MENTIONS}. */
export function parseMentions(body: string): { emails: string[]; handles: string[] } {
  const emails = new Set<string>();
  for (const m of body.matchAll(EMAIL_MENTION)) emails.add(m[1]!.toLowerCase());
  const handles = new Set<string>();
  for (const m of body.replace(EMAIL_MENTION, " ").matchAll(HANDLE_MENTION)) {
    const handle = mentionHandle(m[1]!);
    if (handle) handles.add(handle);
  }
  const all = [...emails].slice(0, MAX_MENTIONS);
  return { emails: all, handles: [...handles].slice(0, MAX_MENTIONS - all.length) };
}

// ---------------------------------------------------------------- texts

/** Characters of a comment shown in a notification: enough to know what it is about. */
export const EXCERPT_CHARS = 280;

export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}
