import { useQuery } from "@tanstack/react-query";
import { api, ok, type Attachment, type Comment, type Ticket } from "../api/client";
import { commentsKey, ticketKey } from "./live";

/** Conversations are read whole (pages of 100, oldest first), up to this many comments. */
const MAX_COMMENT_PAGES = 20;

export const isNotFound = (error: unknown) => (error as { status?: number } | null)?.status === 404;
const noRetryOn4xx = (count: number, error: unknown) => count < 2 && !((error as { status?: number }).status! >= 400 && (error as { status?: number }).status! < 500);

export function useTicket(id: string) {
  return useQuery({
    queryKey: ticketKey(id),
    queryFn: () => ok(api.GET("/api/v1/tickets/{id}", { params: { path: { id } } })) as Promise<Ticket>,
    retry: noRetryOn4xx,
  });
}

export function useComments(id: string, enabled = true) {
  return useQuery({
    queryKey: commentsKey(id),
    enabled,
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
}

export function useAttachments(id: string, enabled = true) {
  return useQuery({
    queryKey: ["attachments", id],
    enabled,
    retry: noRetryOn4xx,
    queryFn: async () => (await ok(api.GET("/api/v1/tickets/{id}/attachments", { params: { path: { id }, query: { limit: 100 } } }))).data as Attachment[],
  });
}

/** A fresh idempotency key per attempt of a create, so a retried click never makes two. */
export const idempotencyKey = () => crypto.randomUUID();
