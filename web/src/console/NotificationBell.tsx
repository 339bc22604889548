import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import { api, ok, type Schemas } from "../api/client";
import { ErrorAlert, Spinner, TimeAgo } from "../ui/components";
import { announceToScreenReader } from "../ui/hooks";
import { readAgain } from "../ui/live";

type Notification = Schemas["Notification"];

/** The panel shows the latest notifications; older ones are rarely worth a click and stay in the API. */
const PANEL_SIZE = 20;
export const NOTIFICATIONS_KEY = ["notifications"] as const;
const countKey = [...NOTIFICATIONS_KEY, "unread-count"] as const;
const listKey = [...NOTIFICATIONS_KEY, "list"] as const;

/**
 * A notification pushed on the agents' feed (API.md: `notification {notification}`): counted at once
 * (the count is the server's maintained counter, read again to stay exact) and announced.
 */
export function notificationArrived(client: QueryClient, n: Notification) {
  client.setQueryData<number>(countKey, (c) => (c === undefined ? c : c + 1));
  client.setQueryData<Notification[]>(listKey, (list) => (list && !list.some((x) => x.id === n.id) ? [n, ...list].slice(0, PANEL_SIZE) : list));
  readAgain(client, NOTIFICATIONS_KEY);
  announceToScreenReader(`Notification: ${n.title}`);
}

/** The bell in the console's header: unread count, the latest notifications, mark one or all read. */
/** `enabled`: false while the page's main content loads (ui/priority.ts); the count is read after. */
export function NotificationBell({ enabled = true }: { enabled?: boolean }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const count = useQuery({
    queryKey: countKey,
    enabled,
    queryFn: async () => (await ok(api.GET("/api/v1/notifications/unread-count"))).count,
  });
  const list = useQuery({
    queryKey: listKey,
    enabled: open,
    queryFn: async () => (await ok(api.GET("/api/v1/notifications", { params: { query: { limit: PANEL_SIZE } } }))).data as Notification[],
  });
  const markRead = useMutation({
    mutationFn: (body: { ids: string[] } | { all: true }) => ok(api.POST("/api/v1/notifications/read", { body })),
    onMutate: (body) => {
      const now = new Date().toISOString();
      const ids = "ids" in body ? new Set(body.ids) : null;
      client.setQueryData<Notification[]>(listKey, (l) => l?.map((n) => (!n.read_at && (!ids || ids.has(n.id)) ? { ...n, read_at: now } : n)));
    },
    onSettled: () => client.invalidateQueries({ queryKey: NOTIFICATIONS_KEY }),
  });

  // Escape or a click elsewhere closes the panel.
  useEffect(() => {
    if (!open) return;
    const away = (e: Event) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      root.current?.querySelector<HTMLButtonElement>(".bell-button")?.focus();
    };
    document.addEventListener("pointerdown", away);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("pointerdown", away);
      document.removeEventListener("keydown", escape);
    };
  }, [open]);

  const unread = count.data ?? 0;
  const items = list.data ?? [];
  return (
    <div className="bell" ref={root}>
      <button
        type="button"
        className="secondary bell-button"
        aria-expanded={open}
        aria-controls="notifications-panel"
        aria-label={`Notifications, ${unread} unread`}
        onClick={() => setOpen((o) => !o)}
      >
        <span aria-hidden="true">Notifications</span>
        {unread ? (
          <span className="bell-count" aria-hidden="true" data-testid="unread-count">
            {unread > 99 ? "99+" : unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <section id="notifications-panel" className="bell-panel" aria-labelledby="notifications-title">
          <div className="bell-head">
            <h2 id="notifications-title">Notifications</h2>
            <button type="button" className="link" disabled={!unread || markRead.isPending} onClick={() => markRead.mutate({ all: true })}>
              Mark all read
            </button>
            <Link to="/settings/notifications" onClick={() => setOpen(false)}>
              Preferences
            </Link>
          </div>
          <ErrorAlert error={list.error ?? markRead.error} />
          {list.isPending ? <Spinner /> : null}
          {list.isSuccess && !items.length ? <p className="empty">Nothing yet: assignments, replies, mentions and SLA warnings appear here.</p> : null}
          {items.length ? (
            <ul className="bell-list" aria-label="Latest notifications">
              {items.map((n) => (
                <li key={n.id} className={n.read_at ? "read" : "unread"}>
                  <div className="bell-title">
                    {n.read_at ? null : <span className="visually-hidden">Unread: </span>}
                    {n.ticket_id ? (
                      <Link
                        to="/tickets/$id"
                        params={{ id: n.ticket_id }}
                        onClick={() => {
                          if (!n.read_at) markRead.mutate({ ids: [n.id] });
                          setOpen(false);
                        }}
                      >
                        {n.title}
                      </Link>
                    ) : (
                      n.title
                    )}
                  </div>
                  {n.body ? <p className="muted small bell-body">{n.body}</p> : null}
                  <div className="bell-meta small">
                    <TimeAgo iso={n.created_at} />
                    {n.read_at ? null : (
                      <button type="button" className="link" onClick={() => markRead.mutate({ ids: [n.id] })}>
                        Mark read<span className="visually-hidden">: {n.title}</span>
                      </button>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
