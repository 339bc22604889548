import type { Attachment, Comment, Ticket } from "../api/client";
import { AttachmentList, Avatar, TimeAgo } from "./components";

/**
 * A ticket's conversation: the request itself, then every comment in order. Internal notes (staff
 * only: a customer's API never returns them) are set apart by colour, border, label and, for screen
 * readers, their heading.
 */
export function Conversation({ ticket, comments, attachments, viewer }: { ticket: Ticket; comments: Comment[]; attachments: Attachment[]; viewer: "customer" | "staff" }) {
  const unlinked = attachments.filter((a) => !a.comment_id);
  const byComment = new Map<string, Attachment[]>();
  for (const a of attachments) if (a.comment_id) byComment.set(a.comment_id, [...(byComment.get(a.comment_id) ?? []), a]);
  return (
    <ol className="conversation" aria-label="Conversation">
      <li>
        <article className="message" aria-labelledby="message-request">
          <div className="message-head">
            <Avatar name={ticket.requester.name} size="sm" />
            <h3 className="author" id="message-request">
              {viewer === "customer" ? "You" : ticket.requester.name}
            </h3>
            <span className="muted">
              opened this request <TimeAgo iso={ticket.created_at} />
            </span>
          </div>
          <p className="message-body">{ticket.description}</p>
          <AttachmentList attachments={unlinked} />
        </article>
      </li>
      {comments.map((c) => {
        const staff = c.author.role !== "customer";
        const files = c.attachments ?? byComment.get(c.id) ?? [];
        return (
          <li key={c.id}>
            <article className={`message${c.internal ? " internal" : staff ? " from-staff" : ""}`} aria-labelledby={`message-${c.id}`} data-comment-id={c.id}>
              <div className="message-head">
                <Avatar name={c.author.name} size="sm" />
                <h3 className="author" id={`message-${c.id}`}>
                  {c.author.name}
                  {c.internal ? <span className="visually-hidden"> (internal note)</span> : null}
                </h3>
                {c.internal ? <span className="internal-label">Internal note</span> : staff && viewer === "staff" ? <span className="muted">public reply</span> : null}
                <span className="muted">
                  <TimeAgo iso={c.created_at} />
                </span>
              </div>
              <p className="message-body">{c.body}</p>
              <AttachmentList attachments={files} />
            </article>
          </li>
        );
      })}
    </ol>
  );
}

/** "Alex is typing…" for the people in `names`, in a polite live region. */
export function TypingLine({ typists }: { typists: { id: string; name: string; internal: boolean }[] }) {
  const publicOnes = typists.filter((t) => !t.internal).map((t) => t.name);
  const internalOnes = typists.filter((t) => t.internal).map((t) => t.name);
  const parts: string[] = [];
  if (publicOnes.length) parts.push(`${publicOnes.join(", ")} ${publicOnes.length > 1 ? "are" : "is"} typing…`);
  if (internalOnes.length) parts.push(`${internalOnes.join(", ")} ${internalOnes.length > 1 ? "are" : "is"} writing an internal note…`);
  return (
    <p className="typing-line" aria-live="polite" data-testid="typing">
      {parts.join(" ")}
    </p>
  );
}
