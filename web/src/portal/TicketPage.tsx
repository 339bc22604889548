import { useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { useRef, useState, type FormEvent } from "react";
import { api, ok, type Ticket } from "../api/client";
import { ErrorAlert, Spinner, StatusBadge, TimeAgo } from "../ui/components";
import { Conversation, TypingLine } from "../ui/Conversation";
import { useDocumentTitle, useSession } from "../ui/hooks";
import { putTicket, useTicketRoom } from "../ui/live";
import { isNotFound, useAttachments, useComments, useSendComment, useTicket } from "../ui/queries";
import { PORTAL } from "./Layout";

/** What a customer may do with their ticket's status (API.md "Roles"). */
function customerActions(status: string): { label: string; to: "cancelled" | "closed" | "open" }[] {
  if (["open", "in_progress", "pending"].includes(status)) return [{ label: "Cancel this request", to: "cancelled" }];
  if (status === "resolved") return [{ label: "Close: my problem is solved", to: "closed" }, { label: "Reopen", to: "open" }];
  if (status === "closed") return [{ label: "Reopen", to: "open" }];
  return [];
}

export function TicketPage() {
  const { id } = useParams({ strict: false }) as { id: string };
  const { user } = useSession();
  const ticket = useTicket(id);
  const visible = ticket.isSuccess;
  const comments = useComments(id, visible);
  const attachments = useAttachments(id, visible);
  const room = useTicketRoom(ticket.data?.id, user?.id);
  useDocumentTitle(ticket.data ? ticket.data.subject : isNotFound(ticket.error) ? "Ticket not found" : "Ticket", PORTAL);

  if (ticket.isPending) return <Spinner />;
  if (isNotFound(ticket.error))
    return (
      <section>
        <h1>Ticket not found</h1>
        <p>
          There is no ticket here that you can see. Go back to <Link to="/">your tickets</Link>.
        </p>
      </section>
    );
  if (!ticket.data) return <ErrorAlert error={ticket.error} />;
  const t = ticket.data;
  const staffHere = room.others.filter((u) => u.role !== "customer");

  return (
    <article aria-labelledby="ticket-title">
      <p>
        <Link to="/">← My tickets</Link>
      </p>
      <h1 id="ticket-title">{t.subject}</h1>
      <div className="ticket-meta">
        <StatusBadge status={t.status} />
        <span>{t.number}</span>
        <span>
          opened <TimeAgo iso={t.created_at} />
        </span>
        {staffHere.length ? <span data-testid="staff-viewing">{staffHere.map((u) => u.name).join(", ")} from our team is here</span> : null}
      </div>
      <StatusActions ticket={t} />
      <ErrorAlert error={comments.error} />
      <Conversation ticket={t} comments={comments.data ?? []} attachments={attachments.data ?? []} viewer="customer" />
      <TypingLine typists={room.typists} />
      {["cancelled"].includes(t.status) ? (
        <p className="muted">This request was cancelled.</p>
      ) : (
        <ReplyForm ticket={t} onTyping={room.typing} />
      )}
    </article>
  );
}

function StatusActions({ ticket }: { ticket: Ticket }) {
  const client = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const actions = customerActions(ticket.status);
  if (!actions.length) return null;
  async function change(to: "cancelled" | "closed" | "open") {
    setError(null);
    try {
      const next = (await ok(
        api.PATCH("/api/v1/tickets/{id}", { params: { path: { id: ticket.id }, header: { "if-match": `"${ticket.version}"` } }, body: { status: to } }),
      )) as Ticket;
      putTicket(client, next);
    } catch (err) {
      setError(err);
      void client.invalidateQueries({ queryKey: ["ticket", ticket.id] });
    }
  }
  return (
    <div className="ticket-actions">
      <ErrorAlert error={error} />
      {actions.map((a) => (
        <button key={a.to} type="button" className="secondary" onClick={() => void change(a.to)}>
          {a.label}
        </button>
      ))}
    </div>
  );
}

function ReplyForm({ ticket, onTyping }: { ticket: Ticket; onTyping: (typing: boolean) => void }) {
  const { send, busy, error } = useSendComment(ticket.id);
  const [body, setBody] = useState("");
  const files = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!body.trim()) return;
    if (await send(body, false, files.current)) {
      onTyping(false);
      setBody("");
    }
  }

  return (
    <form className="composer" onSubmit={submit} aria-labelledby="reply-title">
      <h2 id="reply-title">Reply</h2>
      <ErrorAlert error={error} />
      <label htmlFor="reply-body" className="visually-hidden">
        Your reply
      </label>
      <textarea
        id="reply-body"
        value={body}
        maxLength={50_000}
        onChange={(e) => {
          setBody(e.target.value);
          onTyping(e.target.value.length > 0);
        }}
        onBlur={() => onTyping(false)}
      />
      <div className="composer-actions">
        <label htmlFor="reply-files" className="visually-hidden">
          Attach files
        </label>
        <input id="reply-files" type="file" multiple ref={files} />
        <button type="submit" disabled={busy || !body.trim()}>
          {busy ? "Sending…" : "Send reply"}
        </button>
      </div>
    </form>
  );
}
