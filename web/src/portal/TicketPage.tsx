import { useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { useRef, useState, type FormEvent } from "react";
import { api, ApiError, ok, type Ticket } from "../api/client";
import { fieldEdits, toDraft, type FieldDraft } from "../lib/custom-fields";
import { FieldInput, FieldValueList, TicketStatusBadge, useTicketFields } from "../ui/CustomFields";
import { ErrorAlert, Spinner, TimeAgo } from "../ui/components";
import { Conversation, TypingLine } from "../ui/Conversation";
import { useDocumentTitle, useSession } from "../ui/hooks";
import { putTicket, useTicketRoom } from "../ui/live";
import { isNotFound, useAttachments, useComments, useSendComment, useTicket } from "../ui/queries";
import { PORTAL } from "./Layout";
import { SatisfactionSurveyCard } from "./Satisfaction";

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
  const comments = useComments(id);
  const attachments = useAttachments(id);
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
        <TicketStatusBadge ticket={t} />
        <span>{t.number}</span>
        <span>
          opened <TimeAgo iso={t.created_at} />
        </span>
        {staffHere.length ? <span data-testid="staff-viewing">{staffHere.map((u) => u.name).join(", ")} from our team is here</span> : null}
      </div>
      <StatusActions ticket={t} />
      <SatisfactionSurveyCard ticket={t} />
      <TicketDetails ticket={t} />
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

/** The custom fields the customer may see; those they may edit, editable while the ticket is not finished. */
function TicketDetails({ ticket }: { ticket: Ticket }) {
  const client = useQueryClient();
  const defs = useTicketFields().data ?? [];
  const [editing, setEditing] = useState(false);
  const [drafts, setDrafts] = useState<Record<string, FieldDraft>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const editable = ["closed", "cancelled"].includes(ticket.status) ? [] : defs.filter((d) => d.customer_editable);
  const custom = fieldEdits(editable, ticket.custom_fields, drafts);
  const serverError = (key: string) => (error instanceof ApiError ? error.fieldErrors[`custom_fields.${key}`]?.[0] : undefined);
  if (!defs.length) return null;

  async function save(event: FormEvent) {
    event.preventDefault();
    if (Object.keys(custom.errors).length || !Object.keys(custom.edits).length) return;
    setBusy(true);
    setError(null);
    try {
      const next = (await ok(
        api.PATCH("/api/v1/tickets/{id}", { params: { path: { id: ticket.id }, header: { "if-match": `"${ticket.version}"` } }, body: { custom_fields: custom.edits } }),
      )) as Ticket;
      putTicket(client, next);
      setDrafts({});
      setEditing(false);
    } catch (err) {
      setError(err);
      void client.invalidateQueries({ queryKey: ["ticket", ticket.id] });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="ticket-details" aria-labelledby="details-title">
      <h2 id="details-title">Details</h2>
      {editing ? (
        <form onSubmit={save}>
          <ErrorAlert error={error} />
          {editable.map((def) => (
            <FieldInput
              key={def.key}
              def={def}
              idPrefix="details-cf"
              draft={drafts[def.key] ?? toDraft(def, ticket.custom_fields[def.key])}
              onChange={(d) => setDrafts((all) => ({ ...all, [def.key]: d }))}
              error={custom.errors[def.key] ?? serverError(def.key)}
            />
          ))}
          <div className="composer-actions">
            <button type="submit" disabled={busy || !Object.keys(custom.edits).length || Object.keys(custom.errors).length > 0}>
              {busy ? "Saving…" : "Save details"}
            </button>
            <button type="button" className="secondary" onClick={() => (setEditing(false), setDrafts({}), setError(null))}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <FieldValueList defs={defs} values={ticket.custom_fields} label="Details of this request" />
          {!Object.keys(ticket.custom_fields).length ? <p className="muted">No details given.</p> : null}
          {editable.length ? (
            <button type="button" className="secondary" onClick={() => setEditing(true)}>
              Edit details
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}

function ReplyForm({ ticket, onTyping }: { ticket: Ticket; onTyping: (typing: boolean) => void }) {
  const { send, busy, error } = useSendComment(ticket.id);
  const [body, setBody] = useState("");
  const files = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!body.trim()) return;
    // Emptied as it goes, not when the answer comes: what is typed meanwhile stays.
    const sent = body;
    setBody("");
    if (await send(sent, false, files.current)) onTyping(false);
    // Not sent (the error is shown): the text comes back, unless a new one was started.
    else setBody((b) => b || sent);
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
