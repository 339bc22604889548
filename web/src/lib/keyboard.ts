/**
 * The console's keyboard map (`?` lists it). One table says which key does what where; the matcher
 * ignores keys typed into fields (except Escape) and keys with Ctrl/Alt/Meta, so browser and
 * screen-reader shortcuts keep working.
 */

export type Scope = "global" | "list" | "ticket";

export interface Shortcut {
  key: string;
  scope: Scope;
  action: string;
  description: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { key: "?", scope: "global", action: "help", description: "Show keyboard shortcuts" },
  { key: "/", scope: "global", action: "search", description: "Search tickets" },
  { key: "g i", scope: "global", action: "go-inbox", description: "Go to my open tickets" },
  { key: "g u", scope: "global", action: "go-unassigned", description: "Go to unassigned tickets" },
  { key: "j", scope: "list", action: "next", description: "Next ticket" },
  { key: "k", scope: "list", action: "previous", description: "Previous ticket" },
  { key: "Enter", scope: "list", action: "open", description: "Open the selected ticket" },
  { key: "x", scope: "list", action: "toggle", description: "Select the ticket for a bulk change" },
  { key: "r", scope: "ticket", action: "reply", description: "Reply to the customer" },
  { key: "n", scope: "ticket", action: "note", description: "Write an internal note" },
  { key: "a", scope: "ticket", action: "assign-me", description: "Assign the ticket to me" },
  { key: "m", scope: "ticket", action: "macro", description: "Choose a macro (then Enter previews it)" },
  { key: "u", scope: "ticket", action: "back", description: "Back to the list" },
  { key: "Escape", scope: "global", action: "escape", description: "Close a dialog or leave a field" },
];

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
  /** The element the key went to, to leave typing alone. */
  target?: { tagName?: string; isContentEditable?: boolean; type?: string } | null;
}

const TYPING_TAGS = new Set(["INPUT", "TEXTAREA", "SELECT"]);
const NON_TEXT_INPUTS = new Set(["checkbox", "radio", "button", "submit", "reset"]);

export function isTyping(target: KeyInput["target"]): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName?.toUpperCase() ?? "";
  if (!TYPING_TAGS.has(tag)) return false;
  return !(tag === "INPUT" && NON_TEXT_INPUTS.has((target.type ?? "").toLowerCase()));
}

/**
 * The action for a key press in the active scopes, given the previous key of a two-key sequence
 * (`g` then `i`); `pending` is set when the key starts a sequence.
 */
export function matchShortcut(
  input: KeyInput,
  scopes: readonly Scope[],
  previous: string | null = null,
  map: readonly Shortcut[] = SHORTCUTS,
): { action: string | null; pending: string | null } {
  if (input.ctrlKey || input.altKey || input.metaKey) return { action: null, pending: null };
  if (isTyping(input.target) && input.key !== "Escape") return { action: null, pending: null };
  const active = map.filter((s) => scopes.includes(s.scope));
  if (previous) {
    const sequence = active.find((s) => s.key === `${previous} ${input.key}`);
    if (sequence) return { action: sequence.action, pending: null };
  }
  const single = active.find((s) => s.key === input.key);
  if (single) return { action: single.action, pending: null };
  const starts = active.some((s) => s.key.startsWith(`${input.key} `));
  return { action: null, pending: starts ? input.key : null };
}

/** The map grouped for the `?` dialog. */
export function shortcutsByScope(map: readonly Shortcut[] = SHORTCUTS): Record<Scope, Shortcut[]> {
  const out: Record<Scope, Shortcut[]> = { global: [], list: [], ticket: [] };
  for (const s of map) out[s.scope].push(s);
  return out;
}
