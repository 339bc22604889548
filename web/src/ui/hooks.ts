import { useEffect, useState, useSyncExternalStore } from "react";
import { session } from "../session/session";

export function useSession() {
  return useSyncExternalStore(session.subscribe, session.getState);
}

/** The current time, ticking every `everyMs` (SLA countdowns, "3 minutes ago"). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** The page title, so screen readers and tabs say where the user is. */
export function useDocumentTitle(title: string, app: string) {
  useEffect(() => {
    document.title = title ? `${title} · ${app}` : app;
  }, [title, app]);
}

type Announcement = { text: string; at: number };
let announce: (text: string) => void = () => {};
/** Speaks a short message through the page's polite live region (new messages, saved changes). */
export const announceToScreenReader = (text: string) => announce(text);

export function useAnnouncements(): Announcement | null {
  const [current, setCurrent] = useState<Announcement | null>(null);
  useEffect(() => {
    announce = (text) => setCurrent({ text, at: Date.now() });
    return () => {
      announce = () => {};
    };
  }, []);
  return current;
}
