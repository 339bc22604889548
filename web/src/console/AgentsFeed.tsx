import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import { api, ok, type Schemas, type Ticket } from "../api/client";
import { LiveSocket, type LiveMessage, type LiveStatus } from "../live/socket";
import { Avatar, TimeAgo } from "../ui/components";
import { announceToScreenReader } from "../ui/hooks";
import { readAgain, type PresenceUser } from "../ui/live";
import { notificationArrived } from "./NotificationBell";

interface FeedItem {
  id: string;
  at: string;
  text: string;
  ticket: Ticket;
  urgent: boolean;
}

/** Waiting chats shown at once (oldest first: the visitor who has waited longest). */
const MAX_WAITING_CHATS = 20;

const WAITING_CHATS = ["waiting-chats"] as const;
/** A safety net for changes the feed does not announce (a waiting chat closed unassigned). */
const WAITING_CHATS_REFRESH_MS = 60_000;
/** The feed's own rule (src/ticket-room/presence.ts): a chat nobody holds, still open or pending. */
const isWaitingChat = (t: Ticket) => t.channel === "chat" && t.assignee_id === null && (t.status === "open" || t.status === "pending");

/**
 * Keeps the waiting chats current from the feed: a `chat.waiting` ticket joins the list at once, an
 * assigned one leaves it, and the list is read again (restarting a read that began before the change).
 */
export function waitingChatEvent(client: QueryClient, ticket: Ticket) {
  if (ticket.channel !== "chat") return;
  client.setQueryData<Ticket[]>(WAITING_CHATS, (list) => {
    if (!list) return list;
    const rest = list.filter((t) => t.id !== ticket.id);
    return isWaitingChat(ticket) ? [...rest, ticket].sort((a, b) => a.created_at.localeCompare(b.created_at)).slice(0, MAX_WAITING_CHATS) : rest;
  });
  readAgain(client, WAITING_CHATS);
}

/** Live chats nobody has taken yet (channel chat, unassigned, open or pending), oldest first. */
function WaitingChats({ enabled }: { enabled: boolean }) {
  const chats = useQuery({
    queryKey: WAITING_CHATS,
    enabled,
    refetchInterval: WAITING_CHATS_REFRESH_MS,
    queryFn: async () =>
      (await ok(api.GET("/api/v1/tickets", { params: { query: { channel: "chat", assignee_id: "none", status: "open,pending", sort: "created_at", limit: MAX_WAITING_CHATS } as never } })))
        .data as Ticket[],
  });
  const list = chats.data ?? [];
  return (
    <section aria-labelledby="waiting-chats-title" className="waiting-chats">
      <h3 id="waiting-chats-title">
        Waiting chats <span className={`badge${list.length ? " sla-at_risk" : ""}`}>{list.length}</span>
      </h3>
      {list.length ? (
        <ul className="feed-items" aria-label="Chats waiting for an agent">
          {list.map((t) => (
            <li key={t.id}>
              <Link to="/tickets/$id" params={{ id: t.id }}>
                {t.subject}
              </Link>{" "}
              <span className="muted">
                waiting since <TimeAgo iso={t.created_at} />
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">No visitor is waiting.</p>
      )}
    </section>
  );
}

/** The feed keeps this many recent events on screen. */
const MAX_ITEMS = 25;
/** "I am here" is sent at most this often while the agent works (the feed marks idle agents away). */
const ACTIVITY_EVERY_MS = 60_000;

/**
 * The agents' feed (GET /api/v1/live): who is online or away, and new, assigned and breached tickets
 * as they happen, and live chats waiting for an agent. Its events refresh the ticket lists; other events of the
 * session arrive here too (notifications for the bell).
 */
export function AgentsFeed({ onEvent, live = true }: { onEvent?: (message: LiveMessage) => void; live?: boolean }) {
  const client = useQueryClient();
  const [agents, setAgents] = useState<PresenceUser[]>([]);
  const [items, setItems] = useState<FeedItem[]>([]);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
    // Held back while the page's main content loads (ui/priority.ts).
    if (!live) return;
    const push = (text: string, ticket: Ticket, urgent = false) => {
      setItems((list) => [{ id: `${Date.now()}-${Math.random()}`, at: new Date().toISOString(), text, ticket, urgent }, ...list].slice(0, MAX_ITEMS));
      if (urgent) announceToScreenReader(`${text}: ${ticket.subject}`);
    };
    const socket = new LiveSocket(
      "/api/v1/live",
      (m) => {
        handler.current?.(m);
        switch (m.type) {
          case "presence":
            setAgents(m.users as PresenceUser[]);
            return;
          case "notification":
            notificationArrived(client, m.notification as Schemas["Notification"]);
            return;
          case "ticket.created":
            push("New ticket", m.ticket as Ticket);
            break;
          case "ticket.assigned":
            push("Assigned", m.ticket as Ticket);
            waitingChatEvent(client, m.ticket as Ticket);
            break;
          case "sla.breached":
            push(`SLA breached (${String(m.target).replace(/_/g, " ")})`, m.ticket as Ticket, true);
            break;
          case "sla.at_risk":
            push(`At risk (${String(m.target).replace(/_/g, " ")})`, m.ticket as Ticket);
            break;
          case "chat.waiting":
            push("Chat waiting", m.ticket as Ticket, true);
            waitingChatEvent(client, m.ticket as Ticket);
            break;
          default:
            return;
        }
        void client.invalidateQueries({ queryKey: ["tickets"] });
      },
      setStatus,
    ).start();
    let last = 0;
    const active = () => {
      if (Date.now() - last < ACTIVITY_EVERY_MS) return;
      last = Date.now();
      socket.send({ type: "activity" });
    };
    document.addEventListener("keydown", active);
    document.addEventListener("pointerdown", active);
    return () => {
      socket.stop();
      document.removeEventListener("keydown", active);
      document.removeEventListener("pointerdown", active);
    };
  }, [client, live]);

  return (
    <aside className="feed" aria-labelledby="feed-title">
      <h2 id="feed-title">
        Team <span className={`live-dot live-${status}`} aria-label={status === "open" ? "live" : status} role="img" />
      </h2>
      <ul className="feed-agents" aria-label="Agents online">
        {agents.map((a) => (
          <li key={a.id}>
            <Avatar name={a.name} state={a.state} size="sm" />
            <span>{a.name}</span>
            <span className="muted">{a.state}</span>
          </li>
        ))}
      </ul>
      <WaitingChats enabled={live} />
      <h3>Activity</h3>
      {items.length ? (
        <ul className="feed-items" aria-label="Recent activity">
          {items.map((i) => (
            <li key={i.id} className={i.urgent ? "urgent" : undefined}>
              <span className="feed-kind">{i.text}</span>{" "}
              <Link to="/tickets/$id" params={{ id: i.ticket.id }}>
                {i.ticket.subject}
              </Link>{" "}
              <span className="muted">
                <TimeAgo iso={i.at} />
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">New, assigned and breached tickets appear here as they happen.</p>
      )}
    </aside>
  );
}
