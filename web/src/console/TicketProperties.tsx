import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { allowedTransitions } from "../../../src/domain/ticket-status";
import { api, ApiError, ok, type Ticket } from "../api/client";
import { fieldEdits, statusChoices, toDraft, type FieldDraft } from "../lib/custom-fields";
import { statusLabel } from "../lib/format";
import { ErrorAlert, Dialog } from "../ui/components";
import { FieldInput, useTicketFields, useTicketStatuses } from "../ui/CustomFields";
import { announceToScreenReader, useSession } from "../ui/hooks";
import { putTicket } from "../ui/live";
import { NamedOptions, useStaff, useTeams } from "./directory";

/** The reopen window's default (REOPEN_WINDOW_DAYS); if a deployment shortened it, the API's 422 says so. */
const REOPEN_WINDOW_DAYS = 7;

interface Draft {
  /** A custom status key or a category's own name (PATCH `custom_status` takes either). */
  status: string;
  priority: string;
  category: string;
  tags: string;
  assignee_id: string;
  team_id: string;
}
const draftOf = (t: Ticket): Draft => ({
  status: t.custom_status ?? t.status,
  priority: t.priority,
  category: t.category ?? "",
  tags: t.tags.join(", "),
  assignee_id: t.assignee_id ?? "",
  team_id: t.team_id ?? "",
});

/** The fields that differ from the ticket, as a PATCH body. */
export function changedFields(ticket: Ticket, draft: Draft): Record<string, unknown> {
  const before = draftOf(ticket);
  const out: Record<string, unknown> = {};
  if (draft.status !== before.status) out.custom_status = draft.status;
  if (draft.priority !== before.priority) out.priority = draft.priority;
  if (draft.category.trim() !== before.category) out.category = draft.category.trim() || null;
  const tags = draft.tags.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean);
  if (tags.join(",") !== ticket.tags.join(",")) out.tags = tags;
  if (draft.assignee_id !== before.assignee_id) out.assignee_id = draft.assignee_id || null;
  if (draft.team_id !== before.team_id) out.team_id = draft.team_id || null;
  return out;
}

/** The draft keys a 409's `conflicting_fields` (wire names) take back to the ticket's values. */
const draftKeyOf = (field: string) => (field === "custom_status" ? "status" : field);

/**
 * Status (custom statuses under their category), priority, category, tags, assignee, team and custom
 * fields, saved as one PATCH with If-Match; a conflict says what changed.
 */
export function TicketProperties({ ticket }: { ticket: Ticket }) {
  const client = useQueryClient();
  const staff = useStaff();
  const teams = useTeams();
  const fieldCatalog = useTicketFields();
  const customStatuses = useTicketStatuses();
  const { user } = useSession();
  // Only what the user touched is theirs; everything else follows the ticket as it changes live.
  const [touched, setTouched] = useState<Partial<Draft>>({});
  const [touchedFields, setTouchedFields] = useState<Record<string, FieldDraft>>({});
  // The version the edit started from: the server merges others' changes of other fields, 409s on the same ones.
  const [baseVersion, setBaseVersion] = useState(ticket.version);
  const [conflict, setConflict] = useState<string[] | null>(null);
  const [escalating, setEscalating] = useState(false);
  const draft: Draft = { ...draftOf(ticket), ...touched };

  // Inactive fields stay shown (with their value) only on tickets that hold one.
  const fieldDefs = (fieldCatalog.data ?? []).filter((d) => d.active || ticket.custom_fields[d.key] !== undefined);
  const custom = fieldEdits(fieldDefs, ticket.custom_fields, touchedFields);
  const changes = { ...changedFields(ticket, draft), ...(Object.keys(custom.edits).length ? { custom_fields: custom.edits } : {}) };
  const invalid = Object.keys(custom.errors).length > 0;

  const save = useMutation({
    mutationFn: async () =>
      (await ok(api.PATCH("/api/v1/tickets/{id}", { params: { path: { id: ticket.id }, header: { "if-match": `"${baseVersion}"` } }, body: changes as never }))) as Ticket,
    onSuccess: (next) => {
      putTicket(client, next);
      setTouched({});
      setTouchedFields({});
      setConflict(null);
      announceToScreenReader("Ticket saved");
    },
    onError: (err) => {
      if (err instanceof ApiError && err.status === 409 && err.problem.current) {
        const current = err.problem.current as Ticket;
        const fields = (err.problem.conflicting_fields as string[]) ?? [];
        putTicket(client, current);
        // Their values of the conflicting fields show; the user's other edits stay.
        const theirs = new Set(fields.map(draftKeyOf));
        setTouched((t) => Object.fromEntries(Object.entries(t).filter(([k]) => !theirs.has(k))));
        setTouchedFields((t) => Object.fromEntries(Object.entries(t).filter(([k]) => !theirs.has(`custom_fields.${k}`))));
        setBaseVersion(current.version);
        setConflict(fields);
      }
    },
  });
  const assign = useMutation({
    mutationFn: async (body: { assignee_id: string } | { strategy: "auto" }) =>
      (await ok(api.POST("/api/v1/tickets/{id}/assign", { params: { path: { id: ticket.id } }, body }))) as Ticket,
    onSuccess: (next) => {
      putTicket(client, next);
      announceToScreenReader("Assigned");
    },
  });

  const serverError = (key: string) => (save.error instanceof ApiError ? save.error.fieldErrors[`custom_fields.${key}`]?.[0] : undefined);
  const editing = Object.keys(touched).length > 0 || Object.keys(touchedFields).length > 0;
  const set = (patch: Partial<Draft>) => {
    if (!editing) setBaseVersion(ticket.version);
    setTouched((t) => ({ ...t, ...patch }));
  };
  const setField = (key: string, value: FieldDraft) => {
    if (!editing) setBaseVersion(ticket.version);
    setTouchedFields((t) => ({ ...t, [key]: value }));
  };
  const categories = [ticket.status, ...allowedTransitions({ from: ticket.status, closedAt: ticket.closed_at, reopenWindowDays: REOPEN_WINDOW_DAYS, now: new Date() })];
  const statuses = statusChoices(categories, customStatuses.data ?? [], ticket.custom_status, statusLabel);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (Object.keys(changes).length && !invalid) save.mutate();
  };

  return (
    <section className="card properties" aria-labelledby="properties-title">
      <h2 id="properties-title">Properties</h2>
      {conflict ? (
        <div className="alert warning" role="alert">
          Someone else changed {conflict.join(", ") || "this ticket"} meanwhile. The form shows their values; check and save again.
        </div>
      ) : null}
      <ErrorAlert error={save.error instanceof ApiError && save.error.status === 409 ? null : save.error} />
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="prop-status">Status</label>
          <select id="prop-status" value={draft.status} onChange={(e) => set({ status: e.target.value })}>
            {statuses.map((s) => (
              <option key={s.value} value={s.value}>
                {s.value === s.category ? s.label : `${statusLabel(s.category)}: ${s.label}`}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="prop-priority">Priority</label>
          <select id="prop-priority" value={draft.priority} onChange={(e) => set({ priority: e.target.value })}>
            {["low", "medium", "high", "critical"].map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="prop-assignee">Assignee</label>
          <select id="prop-assignee" value={draft.assignee_id} onChange={(e) => set({ assignee_id: e.target.value })}>
            <option value="">Unassigned</option>
            <NamedOptions items={staff.data} />
          </select>
        </div>
        <div className="field">
          <label htmlFor="prop-team">Team</label>
          <select id="prop-team" value={draft.team_id} onChange={(e) => set({ team_id: e.target.value })}>
            <option value="">No team</option>
            <NamedOptions items={teams.data} />
          </select>
        </div>
        <div className="field">
          <label htmlFor="prop-category">Category</label>
          <input id="prop-category" value={draft.category} maxLength={100} onChange={(e) => set({ category: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="prop-tags">Tags</label>
          <input id="prop-tags" value={draft.tags} aria-describedby="prop-tags-hint" onChange={(e) => set({ tags: e.target.value })} />
          <p className="hint" id="prop-tags-hint">
            Separated by commas.
          </p>
        </div>
        {fieldDefs.map((def) => (
          <FieldInput
            key={def.key}
            def={def}
            idPrefix="prop-cf"
            draft={touchedFields[def.key] ?? toDraft(def, ticket.custom_fields[def.key])}
            onChange={(d) => setField(def.key, d)}
            error={custom.errors[def.key] ?? serverError(def.key)}
          />
        ))}
        <button type="submit" disabled={!Object.keys(changes).length || invalid || save.isPending}>
          {save.isPending ? "Saving…" : "Save changes"}
        </button>
      </form>
      <div className="property-actions">
        <button type="button" className="secondary" disabled={ticket.assignee_id === user?.id || assign.isPending} onClick={() => user && assign.mutate({ assignee_id: user.id })} aria-keyshortcuts="a">
          Assign to me
        </button>
        <button type="button" className="secondary" disabled={assign.isPending} onClick={() => assign.mutate({ strategy: "auto" })}>
          Auto-assign
        </button>
        <button type="button" className="secondary" onClick={() => setEscalating(true)}>
          Escalate
        </button>
      </div>
      <ErrorAlert error={assign.error} />
      <EscalateDialog ticket={ticket} open={escalating} onClose={() => setEscalating(false)} />
    </section>
  );
}

function EscalateDialog({ ticket, open, onClose }: { ticket: Ticket; open: boolean; onClose: () => void }) {
  const client = useQueryClient();
  const staff = useStaff();
  const [reason, setReason] = useState("");
  const [to, setTo] = useState("");
  const escalate = useMutation({
    mutationFn: async () =>
      (await ok(api.POST("/api/v1/tickets/{id}/escalate", { params: { path: { id: ticket.id } }, body: { reason, ...(to ? { to_user_id: to } : {}) } }))) as Ticket,
    onSuccess: (next) => {
      putTicket(client, next);
      announceToScreenReader("Escalated");
      setReason("");
      onClose();
    },
  });
  return (
    <Dialog open={open} title="Escalate ticket" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          escalate.mutate();
        }}
      >
        <ErrorAlert error={escalate.error} />
        <div className="field">
          <label htmlFor="escalate-reason">Reason</label>
          <textarea id="escalate-reason" required maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="escalate-to">Escalate to</label>
          <select id="escalate-to" value={to} onChange={(e) => setTo(e.target.value)}>
            <option value="">The team's manager (default)</option>
            <NamedOptions items={staff.data?.filter((u) => u.role !== "agent")} />
          </select>
        </div>
        <button type="submit" disabled={!reason.trim() || escalate.isPending}>
          Escalate
        </button>
      </form>
    </Dialog>
  );
}
