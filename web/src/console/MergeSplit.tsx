import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api, ApiError, ok, type Ticket } from "../api/client";
import { ErrorAlert } from "../ui/components";
import { announceToScreenReader } from "../ui/hooks";
import { commentsKey, putTicket, ticketKey } from "../ui/live";
import { useTicket } from "../ui/queries";

const LINK_LABELS: Record<string, string> = {
  merged_into: "Merged into",
  merged_from: "Merged from",
  split_into: "Split into",
  split_from: "Split from",
};

/** A linked ticket by its number and subject (read on demand; usually already cached). */
export function LinkedTicket({ id }: { id: string }) {
  const t = useTicket(id);
  return (
    <Link to="/tickets/$id" params={{ id }}>
      {t.data ? `${t.data.number} ${t.data.subject}` : "another ticket"}
    </Link>
  );
}

/** The ticket's merges and splits, both ways, as links (API.md `links`). */
export function TicketLinks({ ticket }: { ticket: Ticket }) {
  if (!ticket.links.length) return null;
  return (
    <ul className="ticket-links" aria-label="Linked tickets">
      {ticket.links.map((l) => (
        <li key={`${l.type}-${l.ticket_id}`}>
          {LINK_LABELS[l.type] ?? l.type} <LinkedTicket id={l.ticket_id} />
        </li>
      ))}
    </ul>
  );
}

/**
 * Merge this ticket into another (the target then holds its conversation; different requesters need a
 * confirmation), or split the comments chosen in the conversation out into a new ticket.
 */
export function MergeSplit({ ticket, chosen, onSplit }: { ticket: Ticket; chosen: string[]; onSplit: () => void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [into, setInto] = useState("");
  const [confirm, setConfirm] = useState(false);
  const [subject, setSubject] = useState("");
  const [made, setMade] = useState<Ticket | null>(null);
  const merge = useMutation({
    mutationFn: () =>
      ok(api.POST("/api/v1/tickets/{id}/merge", { params: { path: { id: ticket.id } }, body: { into: into.trim().replace(/^#/, ""), ...(confirm ? { confirm_requesters: true } : {}) } })) as Promise<Ticket>,
    onSuccess: (target) => {
      putTicket(client, target);
      void client.invalidateQueries({ queryKey: ticketKey(ticket.id) });
      void client.invalidateQueries({ queryKey: commentsKey(target.id) });
      void client.invalidateQueries({ queryKey: ["tickets"] });
      announceToScreenReader(`Merged into ${target.number}`);
      void navigate({ to: "/tickets/$id", params: { id: target.id } });
    },
  });
  const split = useMutation({
    mutationFn: () =>
      ok(api.POST("/api/v1/tickets/{id}/split", { params: { path: { id: ticket.id } }, body: { comment_ids: chosen, ...(subject.trim() ? { subject: subject.trim() } : {}) } })) as Promise<Ticket>,
    onSuccess: (created) => {
      setMade(created);
      setSubject("");
      onSplit();
      putTicket(client, created);
      void client.invalidateQueries({ queryKey: ticketKey(ticket.id) });
      void client.invalidateQueries({ queryKey: commentsKey(ticket.id) });
      void client.invalidateQueries({ queryKey: ["attachments", ticket.id] });
      void client.invalidateQueries({ queryKey: ["tickets"] });
      announceToScreenReader(`Split into ${created.number}`);
    },
  });
  // Different requesters: the API's 409 asks for a confirmation; the checkbox gives it.
  const needsConfirm = merge.error instanceof ApiError && merge.error.status === 409;
  if (ticket.merged_into_id) return null;
  return (
    <section className="card" aria-labelledby="merge-split-title">
      <h2 id="merge-split-title">Merge and split</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          merge.mutate();
        }}
      >
        <div className="field">
          <label htmlFor="merge-into">Merge this ticket into ticket #</label>
          <input
            id="merge-into"
            required
            maxLength={64}
            value={into}
            placeholder="number or id"
            onChange={(e) => {
              setInto(e.target.value);
              setConfirm(false);
              merge.reset();
            }}
            aria-describedby="merge-into-hint"
          />
          <p className="hint" id="merge-into-hint">
            This ticket is closed; its conversation and requester move to the other one.
          </p>
        </div>
        <ErrorAlert error={merge.error} />
        {needsConfirm ? (
          <label className="checkbox" htmlFor="merge-confirm">
            <input id="merge-confirm" type="checkbox" checked={confirm} onChange={(e) => setConfirm(e.target.checked)} /> Merge anyway: the requester of this ticket becomes a participant of the other
          </label>
        ) : null}
        <button type="submit" className="secondary" disabled={merge.isPending || (needsConfirm && !confirm)}>
          Merge
        </button>
      </form>
      <form
        className="split-form"
        onSubmit={(e) => {
          e.preventDefault();
          split.mutate();
        }}
      >
        <p className="hint" id="split-hint">
          {chosen.length ? `${chosen.length} ${chosen.length === 1 ? "comment" : "comments"} chosen in the conversation.` : "Choose comments in the conversation to move them to a new ticket."}
        </p>
        <div className="field">
          <label htmlFor="split-subject">Subject of the new ticket</label>
          <input id="split-subject" maxLength={200} value={subject} placeholder={ticket.subject} onChange={(e) => setSubject(e.target.value)} />
        </div>
        <ErrorAlert error={split.error} />
        <button type="submit" className="secondary" disabled={!chosen.length || split.isPending} aria-describedby="split-hint">
          Split into a new ticket
        </button>
        {made ? (
          <p role="status">
            Split into{" "}
            <Link to="/tickets/$id" params={{ id: made.id }}>
              {made.number} {made.subject}
            </Link>
          </p>
        ) : null}
      </form>
    </section>
  );
}
