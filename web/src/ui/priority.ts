import { useEffect, useRef, useState, useSyncExternalStore } from "react";

/**
 * What a page is opened for gets the network and the Worker first. Opening a ticket cold used to
 * send 16 requests at once (the feed, the bell, saved searches, directories, macros, time, suggested
 * articles…), and the ticket and its conversation queued behind them on a busy server
 * (bench/web.mjs: 1.2 s for the ticket, 2 s for its comments at load 8). Panels around the main
 * content wait until it shows, or at most SECONDARY_WAIT_MS, and once started they stay started.
 */
export const SECONDARY_WAIT_MS = 1_500;

let primaryShown = false;
const listeners = new Set<() => void>();
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => void listeners.delete(listener);
};

/** The page's main content is on screen (the console's ticket view calls it when its conversation shows). */
export function markPrimaryShown() {
  if (primaryShown) return;
  primaryShown = true;
  for (const listener of listeners) listener();
}

/** Whether the main content of this page load has shown. */
export const usePrimaryShown = () => useSyncExternalStore(subscribe, () => primaryShown);

/**
 * True once `ready`, or SECONDARY_WAIT_MS after the component mounted (or `key` changed), and from
 * then on until `key` changes: a panel that started never stops because its page moved on.
 */
export function useStartAfter(ready: boolean, key: unknown = null): boolean {
  const [timedOut, setTimedOut] = useState<unknown>(undefined);
  const latched = useRef<{ key: unknown; on: boolean }>({ key, on: false });
  if (latched.current.key !== key) latched.current = { key, on: false };
  useEffect(() => {
    if (latched.current.on) return;
    const timer = setTimeout(() => setTimedOut(key), SECONDARY_WAIT_MS);
    return () => clearTimeout(timer);
  }, [key]);
  if (ready || timedOut === key) latched.current.on = true;
  return latched.current.on;
}

/**
 * Most a page waits for the browser to paint before its secondary work starts anyway (a hidden tab
 * paints no frames).
 */
const PAINT_WAIT_MS = 250;

/**
 * True once `ready` has been true for `key` and the browser has painted since (the frame after, or
 * PAINT_WAIT_MS), and from then on until `key` changes. The ticket view's side panels, its live room
 * and the console's panels mount then: rendered with the conversation they doubled its render before
 * it first showed (~170 ms at load 4, a Chromium profile of a cold open).
 */
export function useAfterPaint(ready: boolean, key: unknown = null): boolean {
  const [painted, setPainted] = useState<{ key: unknown } | null>(null);
  const done = painted !== null && painted.key === key;
  useEffect(() => {
    if (!ready || done) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const mark = () => setPainted({ key });
    // After the frame that paints what `ready` rendered: its animation frame, then a task after it.
    const frame = requestAnimationFrame(() => {
      clearTimeout(timer);
      timer = setTimeout(mark);
    });
    timer = setTimeout(mark, PAINT_WAIT_MS);
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [ready, done, key]);
  return done;
}
