/**
 * How the web app shows times, durations and the helpdesk's words. Pure functions: the time zone and
 * locale are parameters (the browser's by default), so tests pin them.
 */

/**
 * Intl formatters are costly to build (each new one resolves its locale and zone; a conversation of
 * eight messages built ~24 of them per render, ~20 ms of a cold ticket open, bench/web.mjs): one per
 * locale, zone and style, kept for the page's life.
 */
const formatters = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
  let f = formatters.get(key) as T | undefined;
  if (!f) formatters.set(key, (f = make()));
  return f;
}

let zone: string | undefined;
/** The browser's time zone (read once per page load). */
export const browserTimeZone = () => (zone ??= Intl.DateTimeFormat().resolvedOptions().timeZone);

/** "26 Nov 2026, 10:30" in the user's zone. */
export function formatDateTime(iso: string, timeZone = browserTimeZone(), locale = "en-GB"): string {
  return cached(`dt|${locale}|${timeZone}`, () => new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone })).format(new Date(iso));
}

/** "26 Nov 2026" in the user's zone. */
export function formatDate(iso: string, timeZone = browserTimeZone(), locale = "en-GB"): string {
  return cached(`d|${locale}|${timeZone}`, () => new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone })).format(new Date(iso));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "3 minutes ago", "in 2 hours", "just now". */
export function relativeTime(iso: string, now: number, locale = "en"): string {
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return "just now";
  const format = cached(`rel|${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: "auto" }));
  for (const [unit, ms] of UNITS) {
    if (abs >= ms || unit === "minute") return format.format(Math.round(diff / ms), unit);
  }
  return "just now";
}

/** A span as a countdown: "2 d 4 h", "3 h 05 m", "12 m", "45 s". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, "0")} m`;
  if (minutes > 0) return `${minutes} m`;
  return `${seconds} s`;
}

const STATUS_LABELS: Record<string, string> = {
  open: "Open",
  in_progress: "In progress",
  pending: "Pending",
  resolved: "Resolved",
  closed: "Closed",
  cancelled: "Cancelled",
};
export const statusLabel = (status: string) => STATUS_LABELS[status] ?? status.replace(/_/g, " ");

const PRIORITY_LABELS: Record<string, string> = { low: "Low", medium: "Medium", high: "High", critical: "Critical" };
export const priorityLabel = (priority: string) => PRIORITY_LABELS[priority] ?? priority;

export const channelLabel = (channel: string) => channel.charAt(0).toUpperCase() + channel.slice(1);

/** Up to two initials for an avatar: "Alex Agent" → "AA", "ada" → "A". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!] : words;
  return letters.map((w) => [...w][0]!.toUpperCase()).join("") || "?";
}

/** "1.2 MB", "512 B". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** The words of a history entry's field change, for people: `status: open → pending`. */
export function describeChange(field: string, change: unknown): string {
  const show = (v: unknown) => (v === null || v === undefined || v === "" ? "none" : Array.isArray(v) ? v.join(", ") || "none" : String(v));
  if (Array.isArray(change) && change.length === 2) return `${field.replace(/_/g, " ")}: ${show(change[0])} → ${show(change[1])}`;
  return `${field.replace(/_/g, " ")}: ${show(change)}`;
}
