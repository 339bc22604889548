import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { api, ok, type Schemas, type Ticket } from "../api/client";
import { ticketChanges, type FieldChange } from "../lib/automation";
import { formatFieldValue } from "../lib/custom-fields";
import { priorityLabel, statusLabel } from "../lib/format";
import { useTicketFields } from "../ui/CustomFields";
import { ErrorAlert } from "../ui/components";
import { announceToScreenReader } from "../ui/hooks";
import { commentsKey, putTicket } from "../ui/live";
import { idempotencyKey } from "../ui/queries";
import { nameOf, useStaff, useTeams } from "./directory";

export type Macro = Schemas["Macro"];
type Preview = Schemas["MacroPreview"];

export function useMacros() {
  return useQuery({
    queryKey: ["macros"],
    queryFn: async () => (await ok(api.GET("/api/v1/macros", { params: { query: { limit: 100 } } }))).data as Macro[],
  });
}

/** A change of a preview in words: "Status: Open → Pending", "Assignee: Unassigned → Alex Agent". */
function useDescribeChange() {
  const staff = useStaff();
  const teams = useTeams();
  const fields = useTicketFields();
  const none = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length);
  return (c: FieldChange): { label: string; from: string; to: string } => {
    const show = (v: unknown): string => {
      if (c.field === "assignee_id") return nameOf(staff.data, v as string | null);
      if (none(v)) return "none";
      if (c.field === "status" || c.field === "custom_status") return statusLabel(String(v));
      if (c.field === "priority") return priorityLabel(String(v));
      if (c.field === "team_id") return teams.data?.find((t) => t.id === v)?.name ?? "a team";
      if (Array.isArray(v)) return v.join(", ");
      return String(v);
    };
    if (c.field.startsWith("custom_fields.")) {
      const def = fields.data?.find((d) => `custom_fields.${d.key}` === c.field);
      if (def) return { label: def.label, from: formatFieldValue(def, c.from), to: formatFieldValue(def, c.to) };
    }
    const labels: Record<string, string> = { status: "Status", custom_status: "Custom status", priority: "Priority", category: "Category", assignee_id: "Assignee", team_id: "Team", tags: "Tags" };
    return { label: labels[c.field] ?? c.field, from: show(c.from), to: show(c.to) };
  };
}

/** What a macro would do: the reply (or note) as it would be written, and each field change. */
export function MacroPreview({ ticket, preview }: { ticket: Ticket; preview: Preview }) {
  const describe = useDescribeChange();
  const changes = ticketChanges(ticket, preview.ticket);
  return (
    <div className="macro-preview" data-testid="macro-preview">
      {preview.comment ? (
        <>
          <h3>{preview.comment.internal ? "Internal note" : "Reply to the requester"}</h3>
          <p className={`message-body macro-comment${preview.comment.internal ? " internal" : ""}`}>{preview.comment.body}</p>
        </>
      ) : (
        <p className="muted">No reply.</p>
      )}
      <h3>Changes</h3>
      {changes.length ? (
        <ul className="macro-changes">
          {changes.map((c) => {
            const d = describe(c);
            return (
              <li key={c.field}>
                <strong>{d.label}</strong>: {d.from} → {d.to}
              </li>
            );
          })}
        </ul>
      ) : (
        <p className="muted">No field changes.</p>
      )}
    </div>
  );
}

/**
 * Macros on the ticket page: pick one, preview what it would write and change (dry run, nothing
 * changes), then apply it: one change of the ticket, its comment in the same write.
 */
export function MacroPanel({ ticket }: { ticket: Ticket }) {
  const client = useQueryClient();
  const macros = useMacros();
  const [chosen, setChosen] = useState("");
  const preview = useMutation({
    mutationFn: (macroId: string) =>
      ok(api.POST("/api/v1/tickets/{id}/macros/{macro_id}/apply", { params: { path: { id: ticket.id, macro_id: macroId }, query: { dry_run: "true" } } })) as Promise<Preview>,
  });
  const apply = useMutation({
    mutationFn: (macroId: string) =>
      ok(
        api.POST("/api/v1/tickets/{id}/macros/{macro_id}/apply", {
          params: { path: { id: ticket.id, macro_id: macroId }, query: { dry_run: "false" }, header: { "idempotency-key": idempotencyKey() } },
        }),
      ) as Promise<Ticket>,
    onSuccess: (after) => {
      putTicket(client, after);
      preview.reset();
      setChosen("");
      announceToScreenReader("Macro applied");
      void client.invalidateQueries({ queryKey: commentsKey(ticket.id) });
      void client.invalidateQueries({ queryKey: ["history", ticket.id] });
      void client.invalidateQueries({ queryKey: ["macros"] });
    },
  });
  const macro = macros.data?.find((m) => m.id === chosen);
  return (
    <section className="card" aria-labelledby="macros-title">
      <h2 id="macros-title">Macros</h2>
      {macros.data && !macros.data.length ? (
        <p className="empty">
          No macros yet. <Link to="/settings/macros">Write one</Link>.
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (chosen) preview.mutate(chosen);
          }}
        >
          <div className="field">
            <label htmlFor="macro-choice">Macro</label>
            <select
              id="macro-choice"
              value={chosen}
              onChange={(e) => {
                setChosen(e.target.value);
                preview.reset();
                apply.reset();
              }}
              // The keyboard path (`m`, arrows, Enter): a select does not submit its form on Enter by itself.
              onKeyDown={(e) => {
                if (e.key !== "Enter" || !chosen) return;
                e.preventDefault();
                preview.mutate(chosen);
              }}
            >
              <option value="">Choose a macro</option>
              {macros.data?.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                  {m.scope === "personal" ? " (mine)" : ""}
                </option>
              ))}
            </select>
            {macro?.description ? <p className="hint">{macro.description}</p> : null}
          </div>
          <button type="submit" className="secondary" disabled={!chosen || preview.isPending}>
            Preview
          </button>
        </form>
      )}
      <ErrorAlert error={preview.error ?? apply.error} />
      {preview.data && chosen ? (
        <>
          <MacroPreview ticket={ticket} preview={preview.data} />
          <div className="composer-actions">
            <button type="button" disabled={apply.isPending} onClick={() => apply.mutate(chosen)}>
              Apply macro
            </button>
            <button type="button" className="secondary" onClick={() => preview.reset()}>
              Cancel
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}
