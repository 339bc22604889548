import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { Comment, Ticket } from "../api/client";
import { LiveSocket, type LiveMessage, type LiveStatus } from "../live/socket";
import { announceToScreenReader } from "./hooks";

export interface PresenceUser {
  id: string;
  name: string;
  role: string;
  state: string;
}
export interface Typist {
  id: string;
  internal: boolean;
}

export const ticketKey = (id: string) => ["ticket", id] as const;
export const commentsKey = (id: string) => ["comments", id] as const;

/** Adds a comment that arrived live to the cached conversation, once. */
export function addComment(client: QueryClient, ticketId: string, comment: Comment) {
  client.setQueryData<Comment[]>(commentsKey(ticketId), (list) => (list && !list.some((c) => c.id === comment.id) ? [...list, comment] : list));
}

/** A ticket that arrived live replaces the cached one unless the cache already holds a later version. */
export function putTicket(client: QueryClient, ticket: Ticket) {
  for (const key of [ticketKey(ticket.id), ticketKey(ticket.number)]) {
    client.setQueryData<Ticket>(key, (cached) => (cached && cached.version > ticket.version ? cached : ticket));
  }
}

/**
 * Reads a query again because an event said it changed. A read already under way may have started
 * before the change committed (a first load never restarts on invalidation alone), so it is cancelled first.
 */
export function readAgain(client: QueryClient, queryKey: readonly unknown[]) {
  void client.cancelQueries({ queryKey }).then(() => client.invalidateQueries({ queryKey }));
}

/** Typing is refreshed this often while the user types (the room forgets it after 15 s). */
const TYPING_REFRESH_MS = 5_000;
/** Typing stops this long after the last keystroke. */
const TYPING_IDLE_MS = 4_000;

/**
 * A ticket's live room: presence, who is typing, collision notices, and live comments and changes
 * written straight into the query cache, so every view of the ticket updates without a reload.
 */
export function useTicketRoom(ticketId: string | undefined, selfId: string | undefined) {
  const client = useQueryClient();
  const [presence, setPresence] = useState<PresenceUser[]>([]);
  const [typists, setTypists] = useState<Typist[]>([]);
  const [collision, setCollision] = useState<PresenceUser[] | null>(null);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const socket = useRef<LiveSocket | null>(null);
  const typingState = useRef<{ on: boolean; internal: boolean; sentAt: number; idle?: ReturnType<typeof setTimeout> }>({ on: false, internal: false, sentAt: 0 });

  useEffect(() => {
    if (!ticketId) return;
    const onMessage = (m: LiveMessage) => {
      switch (m.type) {
        case "presence":
          setPresence(m.users as PresenceUser[]);
          // Whoever left stops typing.
          setTypists((list) => list.filter((t) => (m.users as PresenceUser[]).some((u) => u.id === t.id && u.state === "typing")));
          break;
        case "typing": {
          const t = { id: m.user_id as string, internal: Boolean(m.internal) };
          if (t.id === selfId) break;
          setTypists((list) => {
            const rest = list.filter((x) => !(x.id === t.id && x.internal === t.internal));
            return m.is_typing ? [...rest, t] : rest;
          });
          break;
        }
        case "comment.created": {
          const comment = m.comment as Comment;
          addComment(client, ticketId, comment);
          if (comment.author.id !== selfId) {
            announceToScreenReader(`${comment.internal ? "Internal note" : "New message"} from ${comment.author.name}`);
            // They sent what they were typing.
            setTypists((list) => list.filter((x) => x.id !== comment.author.id));
          }
          break;
        }
        case "ticket.updated":
        case "ticket.assigned":
          putTicket(client, m.ticket as Ticket);
          void client.invalidateQueries({ queryKey: ["history", ticketId] });
          // Someone logged, changed or removed time (staff only): the entries list follows the total.
          if (m.type === "ticket.updated" && "time_spent_minutes" in ((m.changes as Record<string, unknown> | undefined) ?? {})) readAgain(client, ["time-entries", ticketId]);
          break;
        case "collision":
          setCollision((m.users as PresenceUser[]).filter((u) => u.id !== selfId));
          break;
      }
    };
    // Events sent while the socket was down are not replayed: after a reconnect the page reads again.
    let opened = false;
    const onStatus = (next: LiveStatus) => {
      setStatus(next);
      if (next !== "open") return;
      if (opened) {
        readAgain(client, commentsKey(ticketId));
        readAgain(client, ticketKey(ticketId));
      }
      opened = true;
    };
    const live = new LiveSocket(`/api/v1/tickets/${encodeURIComponent(ticketId)}/live`, onMessage, onStatus).start();
    socket.current = live;
    return () => {
      live.stop();
      socket.current = null;
    };
  }, [ticketId, selfId, client]);

  /** Call on every keystroke of a composer; `false` when the text was sent or cleared. */
  const typing = useCallback((isTyping: boolean, internal = false) => {
    const state = typingState.current;
    clearTimeout(state.idle);
    const now = Date.now();
    if (isTyping) {
      if (!state.on || state.internal !== internal || now - state.sentAt > TYPING_REFRESH_MS) {
        socket.current?.send({ type: "typing", is_typing: true, internal });
        Object.assign(state, { on: true, internal, sentAt: now });
      }
      state.idle = setTimeout(() => {
        socket.current?.send({ type: "typing", is_typing: false, internal: state.internal });
        state.on = false;
      }, TYPING_IDLE_MS);
    } else if (state.on) {
      socket.current?.send({ type: "typing", is_typing: false, internal: state.internal });
      state.on = false;
    }
  }, []);

  const others = presence.filter((u) => u.id !== selfId);
  const named = (id: string) => presence.find((u) => u.id === id)?.name ?? "Someone";
  const typingNames = typists.map((t) => ({ ...t, name: named(t.id) }));
  return { status, presence, others, typists: typingNames, collision, clearCollision: () => setCollision(null), typing };
}
