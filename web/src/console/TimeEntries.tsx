import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { api, ok, type Ticket, type TimeEntry } from "../api/client";
import { formatDateTime } from "../lib/format";
import { checkMinutes, formatMinutes } from "../lib/reports";
import { ErrorAlert } from "../ui/components";
import { announceToScreenReader, useSession } from "../ui/hooks";
import { ticketKey } from "../ui/live";
import { LoadMore } from "../ui/mount";

export const timeEntriesKey = (ticketId: string) => ["time-entries", ticketId] as const;

/** After a change: the list and the ticket's total are read again. */
function useRefreshTime(ticket: Ticket) {
  const client = useQueryClient();
  return () => {
    void client.invalidateQueries({ queryKey: timeEntriesKey(ticket.id) });
    void client.invalidateQueries({ queryKey: ticketKey(ticket.id) });
  };
}

/** A duration box that takes "45", "1:30", "1h 30m" or "1.5h", with its problem said under it. */
function MinutesInput({ id, value, onChange, error, label = "Time spent" }: { id: string; value: string; onChange: (v: string) => void; error?: string | null; label?: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        inputMode="text"
        autoComplete="off"
        placeholder="45 or 1:30"
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : `${id}-hint`}
      />
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : (
        <p className="muted small" id={`${id}-hint`}>
          Minutes, 1:30, 1h 30m or 1.5h
        </p>
      )}
    </div>
  );
}

function EntryForm({ ticket, entry, onDone }: { ticket: Ticket; entry?: TimeEntry; onDone?: () => void }) {
  const prefix = useId();
  const refresh = useRefreshTime(ticket);
  const [minutes, setMinutes] = useState(entry ? String(entry.minutes) : "");
  const [note, setNote] = useState(entry?.note ?? "");
  const [billable, setBillable] = useState(entry?.billable ?? true);
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: async (m: number) => {
      const body = { minutes: m, note: note.trim() || null, billable };
      if (entry) return ok(api.PATCH("/api/v1/time-entries/{id}", { params: { path: { id: entry.id } }, body }));
      return ok(api.POST("/api/v1/tickets/{id}/time-entries", { params: { path: { id: ticket.id } }, body }));
    },
    onSuccess: () => {
      refresh();
      announceToScreenReader(entry ? "Time entry saved" : "Time logged");
      if (!entry) {
        setMinutes("");
        setNote("");
      }
      onDone?.();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    const checked = checkMinutes(minutes);
    if ("error" in checked) return setProblem(checked.error);
    setProblem(null);
    save.mutate(checked.minutes);
  }
  return (
    <form className="time-form" onSubmit={submit} aria-label={entry ? "Change the time entry" : "New time entry"} noValidate>
      <ErrorAlert error={save.error} />
      <MinutesInput id={`${prefix}-minutes`} value={minutes} onChange={setMinutes} error={problem} />
      <div className="field">
        <label htmlFor={`${prefix}-note`}>Note (optional)</label>
        <input id={`${prefix}-note`} value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={billable} onChange={(e) => setBillable(e.target.checked)} /> Billable
      </label>
      <div className="composer-actions">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : entry ? "Save" : "Log time"}
        </button>
        {onDone ? (
          <button type="button" className="secondary" onClick={onDone}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

function EntryItem({ ticket, entry, mayChange }: { ticket: Ticket; entry: TimeEntry; mayChange: boolean }) {
  const refresh = useRefreshTime(ticket);
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/api/v1/time-entries/{id}", { params: { path: { id: entry.id } } })),
    onSuccess: () => {
      refresh();
      announceToScreenReader("Time entry deleted");
    },
  });
  if (editing) return <EntryForm ticket={ticket} entry={entry} onDone={() => setEditing(false)} />;
  const what = `${formatMinutes(entry.minutes)} by ${entry.author.name}`;
  return (
    <>
      <div className="time-entry-head">
        <strong>{formatMinutes(entry.minutes)}</strong>
        <span className="muted small">{entry.billable ? "billable" : "non-billable"}</span>
      </div>
      <div className="muted small">
        {entry.author.name}, <time dateTime={entry.started_at}>{formatDateTime(entry.started_at)}</time>
        {entry.comment_id ? " (with a reply)" : ""}
      </div>
      {entry.note ? <p className="message-body">{entry.note}</p> : null}
      <ErrorAlert error={remove.error} />
      {mayChange ? (
        <div className="time-entry-actions">
          <button type="button" className="link" onClick={() => setEditing(true)}>
            Edit<span className="visually-hidden"> {what}</span>
          </button>
          <button type="button" className="link" disabled={remove.isPending} onClick={() => remove.mutate()}>
            Delete<span className="visually-hidden"> {what}</span>
          </button>
        </div>
      ) : null}
    </>
  );
}

/** The ticket's time: its total, the entries (own ones editable; managers and admins any), and a form to log more. */
export function TimeEntries({ ticket }: { ticket: Ticket }) {
  const { user } = useSession();
  const manager = user?.role === "manager" || user?.role === "admin";
  const entries = useInfiniteQuery({
    queryKey: timeEntriesKey(ticket.id),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => ok(api.GET("/api/v1/tickets/{id}/time-entries", { params: { path: { id: ticket.id }, query: { limit: 50, cursor: pageParam } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = entries.data?.pages.flatMap((p) => p.data) ?? [];
  const total = entries.data?.pages[0]?.time_spent_minutes ?? ticket.time_spent_minutes;
  return (
    <section className="card time-entries" aria-labelledby="time-title">
      <h2 id="time-title">Time</h2>
      <p data-testid="time-spent">
        Time spent: <strong>{formatMinutes(total)}</strong>
      </p>
      <ErrorAlert error={entries.error} />
      {rows.length ? (
        <ul aria-label="Time entries">
          {rows.map((e) => (
            <li key={e.id}>
              <EntryItem ticket={ticket} entry={e} mayChange={manager || e.author.id === user?.id} />
            </li>
          ))}
        </ul>
      ) : null}
      <LoadMore query={entries} label="More time entries" />
      <EntryForm ticket={ticket} />
    </section>
  );
}
