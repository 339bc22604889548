import { useEffect, useId, useRef, type ReactNode } from "react";
import { formatBytes, formatDateTime, formatDuration, initials, priorityLabel, relativeTime, statusLabel } from "../lib/format";
import { slaBadges, slaText, type TicketSla } from "../lib/sla";
import { ApiError, downloadAttachment, type Attachment } from "../api/client";
import { useAnnouncements, useNow } from "./hooks";

export function Avatar({ name, state, size = "md" }: { name: string; state?: string; size?: "sm" | "md" }) {
  return (
    <span className={`avatar avatar-${size}${state ? ` avatar-${state}` : ""}`} aria-hidden="true" title={name}>
      {initials(name)}
    </span>
  );
}

/** A status category's badge; `label` names a custom status of that category instead of the category. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`badge status-${status}`}>{label ?? statusLabel(status)}</span>;
}

export function PriorityBadge({ priority }: { priority: string }) {
  return <span className={`badge priority-${priority}`}>{priorityLabel(priority)}</span>;
}

/** A time shown relative ("5 minutes ago") with the exact local time on hover and for machines. */
export function TimeAgo({ iso }: { iso: string }) {
  const now = useNow(30_000);
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {relativeTime(iso, now)}
    </time>
  );
}

/** The running SLA targets, counting down each second. */
export function SlaBadges({ ticket, compact = false }: { ticket: TicketSla; compact?: boolean }) {
  const now = useNow(1000);
  const badges = slaBadges(ticket, now);
  if (!badges.length) return null;
  const shown = compact ? badges.slice(0, 1) : badges;
  return (
    <span className="sla-badges">
      {shown.map((b) => (
        <span key={b.target} className={`badge sla sla-${b.state}`} title={`Due ${formatDateTime(b.dueAt)}`}>
          {slaText(b, formatDuration)}
        </span>
      ))}
    </span>
  );
}

export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  return (
    <div className="alert error" role="alert">
      {text}
    </div>
  );
}

export function Spinner({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="loading" role="status">
      {label}
    </p>
  );
}

/** A modal dialog on the native <dialog>: focus moves in and is trapped, Escape closes it. */
export function Dialog({ open, title, onClose, children }: { open: boolean; title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={onClose}>
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      {open ? children : null}
    </dialog>
  );
}

export function AttachmentList({ attachments }: { attachments: Attachment[] }) {
  if (!attachments.length) return null;
  return (
    <ul className="attachments" aria-label="Attachments">
      {attachments.map((a) => (
        <li key={a.id}>
          <button type="button" className="link" onClick={() => void downloadAttachment(a)}>
            {a.filename}
          </button>{" "}
          <span className="muted">({formatBytes(a.size)})</span>
        </li>
      ))}
    </ul>
  );
}

/** The page's polite live region: new messages and saved changes are announced here. */
export function Announcer() {
  const current = useAnnouncements();
  return (
    <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
      {current ? <span key={current.at}>{current.text}</span> : null}
    </div>
  );
}

/** Who else is here, as avatars with names for screen readers. */
export function PresenceList({ users, selfId }: { users: { id: string; name: string; role: string; state: string }[]; selfId: string | undefined }) {
  const others = users.filter((u) => u.id !== selfId);
  if (!others.length) return null;
  return (
    <div className="presence" aria-label="Also here">
      <ul>
        {others.map((u) => (
          <li key={u.id} title={`${u.name} (${u.role}) is ${u.state}`}>
            <Avatar name={u.name} state={u.state} size="sm" />
            <span className="presence-name">
              {u.name}
              <span className="visually-hidden"> is {u.state}</span>
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
