/**
 * The console's ticket views and how a view plus the user's filters become the query of
 * GET /api/v1/tickets. Pure, so the mapping is unit-tested; the URL's search params are the state.
 */

export interface ListSearch {
  view?: string;
  q?: string;
  status?: string;
  priority?: string;
  assignee?: string;
  channel?: string;
  category?: string;
  tag?: string;
  sort?: string;
  saved?: string;
  custom_status?: string;
  /**
   * Custom field filters, as the list API takes them: `cf.<key>=<value>`. A number or a boolean stays
   * one in the URL (`cf.seats=250`, not the quoted string the router writes for "250").
   */
  [field: `cf.${string}`]: string | number | boolean | undefined;
}

/** Custom field keys as the fields API allows them (so a URL cannot smuggle other query keys through). */
const FIELD_FILTER = /^cf\.[a-z][a-z0-9_]{0,49}$/;
/** The list API takes at most this many custom field filters. */
const MAX_FIELD_FILTERS = 5;

export interface View {
  id: string;
  label: string;
  query: Record<string, string>;
}

const UNSOLVED = "open,in_progress,pending";

export const VIEWS: readonly View[] = [
  { id: "mine", label: "My open tickets", query: { assignee_id: "me", status: UNSOLVED, sort: "sla_due" } },
  { id: "unassigned", label: "Unassigned", query: { assignee_id: "none", status: UNSOLVED, sort: "sla_due" } },
  // No list filter says "at risk": the nearest due first, not yet breached, puts them on top (badges mark them).
  { id: "at_risk", label: "Due soon / at risk", query: { status: "open,in_progress", breached: "false", sort: "sla_due" } },
  { id: "breached", label: "Breached", query: { status: UNSOLVED, breached: "true", sort: "sla_due" } },
  { id: "open", label: "All unsolved", query: { status: UNSOLVED, sort: "-updated_at" } },
  { id: "pending", label: "Pending", query: { status: "pending", sort: "-updated_at" } },
  { id: "solved", label: "Recently solved", query: { status: "resolved,closed", sort: "-updated_at" } },
  { id: "all", label: "All tickets", query: { sort: "-created_at" } },
];

export const DEFAULT_VIEW = "mine";
export const viewById = (id: string | undefined) => VIEWS.find((v) => v.id === id) ?? VIEWS[0]!;

export const SORTS: readonly { value: string; label: string }[] = [
  { value: "sla_due", label: "SLA due (soonest first)" },
  { value: "-updated_at", label: "Recently updated" },
  { value: "-created_at", label: "Newest" },
  { value: "created_at", label: "Oldest" },
  { value: "priority", label: "Most urgent" },
];

/** The API query for a view with the user's own filters on top (a filter the user set wins). */
export function ticketQuery(search: ListSearch): Record<string, string> {
  const query: Record<string, string> = { ...viewById(search.view).query };
  const own: [Exclude<keyof ListSearch, `cf.${string}`>, string][] = [
    ["status", "status"],
    ["priority", "priority"],
    ["assignee", "assignee_id"],
    ["channel", "channel"],
    ["category", "category"],
    ["tag", "tag"],
    ["sort", "sort"],
    ["q", "q"],
    ["custom_status", "custom_status"],
  ];
  for (const [from, to] of own) {
    const value = search[from]?.trim();
    if (value) query[to] = value;
  }
  for (const [key, value] of Object.entries(search)) {
    const text = value === undefined ? "" : String(value).trim();
    if (FIELD_FILTER.test(key) && text) query[key] = text;
  }
  return query;
}

/** Only known keys, bounded, from the URL. */
export function parseListSearch(raw: Record<string, unknown>): ListSearch {
  const out: ListSearch = {};
  for (const key of ["view", "q", "status", "priority", "assignee", "channel", "category", "tag", "sort", "saved", "custom_status"] as const) {
    const value = raw[key];
    if (typeof value === "string" && value) out[key] = value.slice(0, 500);
  }
  // TanStack Router parses `cf.flag=true` into a boolean and `cf.n=3` into a number; they stay so (the
  // router runs this on the way out too, and would quote a "3"); ticketQuery sends their text.
  const fields = Object.entries(raw).filter(([key, value]) => FIELD_FILTER.test(key) && value !== "" && ["string", "number", "boolean"].includes(typeof value));
  for (const [key, value] of fields.slice(0, MAX_FIELD_FILTERS)) out[key as `cf.${string}`] = typeof value === "string" ? value.slice(0, 500) : (value as number | boolean);
  return out;
}

/** Index of the next selection when moving through a list with j/k, clamped to its ends. */
export function moveSelection(current: number, delta: 1 | -1, length: number): number {
  if (length === 0) return -1;
  if (current < 0) return delta > 0 ? 0 : length - 1;
  return Math.min(length - 1, Math.max(0, current + delta));
}
