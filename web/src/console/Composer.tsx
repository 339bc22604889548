import { forwardRef, useImperativeHandle, useRef, useState, type FormEvent } from "react";
import type { Ticket } from "../api/client";
import { checkMinutes } from "../lib/reports";
import { ErrorAlert } from "../ui/components";
import { announceToScreenReader } from "../ui/hooks";
import { useSendComment } from "../ui/queries";
import { mentionHandle } from "../../../src/domain/notifications";
import { useStaff } from "./directory";

/** Suggestions shown for a partly typed @mention. */
const MAX_MENTION_SUGGESTIONS = 5;
/** An @mention being typed at the caret: `@` after a space or the start, then its first letters. */
const MENTION_AT_CARET = /(?:^|\s)@([\p{L}\p{N}._-]{1,64})$/u;

/**
 * Staff whose handle (the Worker's own mentionHandle: "Sam Agent" is @samagent) or email starts with
 * what follows the @ being typed in an internal note; choosing one completes it, and they are notified.
 */
function MentionSuggestions({ body, caret, onPick }: { body: string; caret: number; onPick: (start: number, handle: string) => void }) {
  const staff = useStaff();
  const typed = body.slice(0, caret).match(MENTION_AT_CARET)?.[1];
  if (!typed) return null;
  const prefix = mentionHandle(typed);
  const matches = (staff.data ?? []).filter((u) => mentionHandle(u.name).startsWith(prefix) || u.email.toLowerCase().startsWith(typed.toLowerCase())).slice(0, MAX_MENTION_SUGGESTIONS);
  if (!matches.length) return null;
  return (
    <ul className="mention-suggestions" aria-label="Mention">
      {matches.map((u) => (
        <li key={u.id}>
          <button type="button" className="secondary" onClick={() => onPick(caret - typed.length - 1, mentionHandle(u.name))}>
            Mention {u.name} <span className="muted">@{mentionHandle(u.name)}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

export type ComposerMode = "reply" | "note";
export interface ComposerHandle {
  focus(mode: ComposerMode): void;
  insert(text: string): void;
}

/**
 * The reply box: a public reply to the customer or an internal note (staff only), set apart by colour
 * and label. Typing is announced to the room (internal notes as internal typing, which customers never see).
 */
export const Composer = forwardRef<ComposerHandle, { ticket: Ticket; onTyping: (typing: boolean, internal: boolean) => void; othersReplying: string[] }>(
  function Composer({ ticket, onTyping, othersReplying }, ref) {
    const sending = useSendComment(ticket.id);
    const { busy, error } = sending;
    const [mode, setMode] = useState<ComposerMode>("reply");
    const [body, setBody] = useState("");
    const [caret, setCaret] = useState(0);
    // Time logged with the reply or note (optional): "45", "1:30", "1h 30m".
    const [time, setTime] = useState("");
    const [timeProblem, setTimeProblem] = useState<string | null>(null);
    const text = useRef<HTMLTextAreaElement>(null);
    const files = useRef<HTMLInputElement>(null);
    const internal = mode === "note";

    useImperativeHandle(ref, () => ({
      focus(next) {
        setMode(next);
        text.current?.focus();
      },
      insert(snippet) {
        setBody((b) => (b ? `${b}\n${snippet}` : snippet));
        text.current?.focus();
      },
    }));

    async function send(event?: FormEvent) {
      event?.preventDefault();
      if (!body.trim() || busy) return;
      const checked = time.trim() ? checkMinutes(time) : null;
      if (checked && "error" in checked) return setTimeProblem(checked.error);
      setTimeProblem(null);
      // Emptied as it goes, not when the answer comes: what is typed meanwhile (the next note) stays.
      const sent = body;
      const sentTime = time;
      setBody("");
      setTime("");
      if (await sending.send(sent, internal, files.current, checked?.minutes)) {
        onTyping(false, internal);
        announceToScreenReader(internal ? "Internal note added" : "Reply sent");
      } else {
        // Not sent (the error is shown): the text comes back, unless a new one was started.
        setBody((b) => b || sent);
        setTime((t) => t || sentTime);
      }
    }

    return (
      <form className={`composer${internal ? " internal" : ""}`} onSubmit={send} aria-label={internal ? "Internal note" : "Reply to the customer"}>
        <div className="tabs" role="group" aria-label="Write a">
          <button type="button" aria-pressed={!internal} onClick={() => setMode("reply")} aria-keyshortcuts="r">
            Public reply
          </button>
          <button type="button" aria-pressed={internal} onClick={() => setMode("note")} aria-keyshortcuts="n">
            Internal note
          </button>
        </div>
        {!internal && othersReplying.length ? (
          <div className="alert warning" role="alert" data-testid="collision">
            {othersReplying.join(", ")} {othersReplying.length > 1 ? "are" : "is"} already replying to this ticket.
          </div>
        ) : null}
        <ErrorAlert error={error} />
        <label htmlFor="composer-body" className="visually-hidden">
          {internal ? "Internal note, only staff see it" : "Public reply, the customer sees it"}
        </label>
        <textarea
          id="composer-body"
          ref={text}
          value={body}
          maxLength={50_000}
          placeholder={internal ? "Internal note: only staff see this" : `Reply to ${ticket.requester.name}`}
          onChange={(e) => {
            setBody(e.target.value);
            setCaret(e.target.selectionStart);
            onTyping(e.target.value.length > 0, internal);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onBlur={() => onTyping(false, internal)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void send();
          }}
        />
        {internal ? (
          <MentionSuggestions
            body={body}
            caret={caret}
            onPick={(start, handle) => {
              const next = `${body.slice(0, start)}@${handle} ${body.slice(caret)}`;
              const at = start + handle.length + 2;
              setBody(next);
              setCaret(at);
              text.current?.focus();
              requestAnimationFrame(() => text.current?.setSelectionRange(at, at));
            }}
          />
        ) : null}
        <div className="composer-actions">
          <label htmlFor="composer-files" className="visually-hidden">
            Attach files
          </label>
          <input id="composer-files" type="file" multiple ref={files} />
          <span className="composer-time">
            <label htmlFor="composer-time">Log time</label>
            <input
              id="composer-time"
              value={time}
              autoComplete="off"
              placeholder="15 or 1:30"
              onChange={(e) => setTime(e.target.value)}
              aria-invalid={timeProblem ? true : undefined}
              aria-describedby={timeProblem ? "composer-time-error" : undefined}
            />
          </span>
          <button type="submit" disabled={busy || !body.trim()} aria-keyshortcuts="Control+Enter">
            {busy ? "Sending…" : internal ? "Add internal note" : "Send reply"}
          </button>
        </div>
        {timeProblem ? (
          <p className="field-error" id="composer-time-error" role="alert">
            {timeProblem}
          </p>
        ) : null}
      </form>
    );
  },
);
