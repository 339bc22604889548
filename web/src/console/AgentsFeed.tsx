import { useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import type { Ticket } from "../api/client";
import { LiveSocket, type LiveMessage, type LiveStatus } from "../live/socket";
import { Avatar, TimeAgo } from "../ui/components";
import { announceToScreenReader } from "../ui/hooks";
import type { PresenceUser } from "../ui/live";

interface FeedItem {
  id: string;
  at: string;
  text: string;
  ticket: Ticket;
  urgent: boolean;
}

/** The feed keeps this many recent events on screen. */
const MAX_ITEMS = 25;
/** "I am here" is sent at most this often while the agent works (the feed marks idle agents away). */
const ACTIVITY_EVERY_MS = 60_000;

/**
 * The agents' feed (GET /api/v1/live): who is online or away, and new, assigned and breached tickets
 * as they happen. Its events refresh the ticket lists; other events of the session arrive here too.
 */
export function AgentsFeed({ onEvent }: { onEvent?: (message: LiveMessage) => void }) {
  const client = useQueryClient();
  const [agents, setAgents] = useState<PresenceUser[]>([]);
  const [items, setItems] = useState<FeedItem[]>([]);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
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
          case "ticket.created":
            push("New ticket", m.ticket as Ticket);
            break;
          case "ticket.assigned":
            push("Assigned", m.ticket as Ticket);
            break;
          case "sla.breached":
            push(`SLA breached (${String(m.target).replace(/_/g, " ")})`, m.ticket as Ticket, true);
            break;
          case "sla.at_risk":
            push(`At risk (${String(m.target).replace(/_/g, " ")})`, m.ticket as Ticket);
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
  }, [client]);

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
