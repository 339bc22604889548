import { useEffect, useRef } from "react";
import { matchShortcut, type Scope } from "../lib/keyboard";

type Handlers = Partial<Record<string, () => void>>;

/** Pages register what their keys do; the console's one key listener dispatches (lib/keyboard.ts maps keys). */
const registry = new Map<symbol, { scope: Scope; handlers: { current: Handlers } }>();

export function useShortcuts(scope: Scope, handlers: Handlers) {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const id = Symbol(scope);
    registry.set(id, { scope, handlers: ref });
    return () => {
      registry.delete(id);
    };
  }, [scope]);
}

/** Installs the key listener once (the console layout). */
export function useKeyboardDispatch() {
  useEffect(() => {
    let previous: string | null = null;
    let previousAt = 0;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      // A key pressed inside an open dialog belongs to the dialog.
      if ((event.target as Element | null)?.closest?.("dialog[open]") && event.key !== "Escape") return;
      const entries = [...registry.values()].reverse();
      const scopes: Scope[] = ["global", ...new Set(entries.map((e) => e.scope))];
      const fresh = Date.now() - previousAt < 1500 ? previous : null;
      const { action, pending } = matchShortcut(
        { key: event.key, ctrlKey: event.ctrlKey, altKey: event.altKey, metaKey: event.metaKey, target: event.target as HTMLElement | null },
        scopes,
        fresh,
      );
      previous = pending;
      previousAt = Date.now();
      if (!action) return;
      const handler = entries.find((e) => e.handlers.current[action])?.handlers.current[action];
      if (!handler) return;
      event.preventDefault();
      handler();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}
