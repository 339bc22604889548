import { queryOptions, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok, uploadFiles, type Attachment, type Comment, type Ticket } from "../api/client";
import { ticketStatusesQueryOptions } from "./CustomFields";
import { addComment, commentsKey, ticketKey } from "./live";

/** Conversations are read whole (pages of 100, oldest first), up to this many comments. */
const MAX_COMMENT_PAGES = 20;

export const isNotFound = (error: unknown) => (error as { status?: number } | null)?.status === 404;
const noRetryOn4xx = (count: number, error: unknown) => count < 2 && !((error as { status?: number }).status! >= 400 && (error as { status?: number }).status! < 500);

/**
 * A ticket page's three reads. They go out together (the conversation does not wait for the ticket:
 * a ticket the caller may not see answers 404 to all three alike), and a route may start them before
 * its page renders (`prefetchTicketPage`).
 */
export const ticketQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ticketKey(id),
    queryFn: () => ok(api.GET("/api/v1/tickets/{id}", { params: { path: { id } } })) as Promise<Ticket>,
    retry: noRetryOn4xx,
  });

export const commentsQueryOptions = (id: string) =>
  queryOptions({
    queryKey: commentsKey(id),
    retry: noRetryOn4xx,
    queryFn: async () => {
      const all: Comment[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_COMMENT_PAGES; page++) {
        const res = await ok(api.GET("/api/v1/tickets/{id}/comments", { params: { path: { id }, query: { limit: 100, cursor } } }));
        all.push(...(res.data as Comment[]));
        if (!res.next_cursor) break;
        cursor = res.next_cursor;
      }
      return all;
    },
  });

export const attachmentsQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ["attachments", id],
    retry: noRetryOn4xx,
    queryFn: async () => (await ok(api.GET("/api/v1/tickets/{id}/attachments", { params: { path: { id }, query: { limit: 100 } } }))).data as Attachment[],
  });

export const useTicket = (id: string) => useQuery(ticketQueryOptions(id));
export const useComments = (id: string) => useQuery(commentsQueryOptions(id));
export const useAttachments = (id: string) => useQuery(attachmentsQueryOptions(id));

/**
 * Starts a ticket page's reads as soon as the router knows the ticket (a deep link, a click), before
 * the page renders; they wait for the session's token, not for the app around them. The status
 * labels (for the ticket's badge) come along unless cached. On a cold deep link boot.ts has already
 * sent these same requests (ticketPageReads): keep the two lists alike. The promise settles when
 * all of them have.
 */
export function prefetchTicketPage(client: QueryClient, id: string): Promise<void> {
  // (A prefetch never rejects: a failed read is the page's to show.)
  return Promise.all([
    client.prefetchQuery(ticketQueryOptions(id)),
    client.prefetchQuery(commentsQueryOptions(id)),
    client.prefetchQuery(attachmentsQueryOptions(id)),
    client.prefetchQuery(ticketStatusesQueryOptions),
  ]).then(() => undefined);
}

/** A fresh idempotency key per attempt of a create, so a retried click never makes two. */
export const idempotencyKey = () => crypto.randomUUID();

/**
 * Sending a comment from a reply box (portal and console): the comment goes into the cached
 * conversation at once (its live event is then a no-op), the chosen files are uploaded to the ticket,
 * and the ticket is read again (a reply may reopen it, a first response stops its SLA clock).
 */
export function useSendComment(ticketId: string) {
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  /** `timeMinutes` (staff): time logged with the comment, as one of the ticket's time entries. */
  async function send(body: string, internal: boolean, files: HTMLInputElement | null, timeMinutes?: number): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      const comment = (await ok(
        api.POST("/api/v1/tickets/{id}/comments", { params: { path: { id: ticketId } }, body: { body, internal, ...(timeMinutes ? { time_minutes: timeMinutes } : {}) } }),
      )) as Comment;
      if (timeMinutes) void client.invalidateQueries({ queryKey: ["time-entries", ticketId] });
      addComment(client, ticketId, comment);
      const chosen = [...(files?.files ?? [])];
      if (chosen.length) {
        await uploadFiles(ticketId, chosen);
        if (files) files.value = "";
        void client.invalidateQueries({ queryKey: ["attachments", ticketId] });
      }
      void client.invalidateQueries({ queryKey: ticketKey(ticketId) });
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { send, busy, error };
}
