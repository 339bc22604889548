import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, ok } from "../api/client";
import { customStatusLabel, formatFieldValue, type FieldDraft, type TicketField, type TicketStatusDef } from "../lib/custom-fields";
import { statusLabel } from "../lib/format";
import { StatusBadge } from "./components";

/** Definitions change rarely (an admin's edit); a few minutes stale is fine, a reload shows a new one at once. */
const DEFINITIONS_STALE_MS = 5 * 60_000;

/** Custom field definitions: staff get every field, customers the active ones they may see. */
export function useTicketFields() {
  return useQuery({
    queryKey: ["ticket-fields"],
    staleTime: DEFINITIONS_STALE_MS,
    queryFn: async () => (await ok(api.GET("/api/v1/ticket-fields"))).data as TicketField[],
  });
}

/** The statuses' labels (a ticket's badge shows its custom status): a ticket page reads them with the ticket. */
export const ticketStatusesQueryOptions = queryOptions({
  queryKey: ["ticket-statuses"],
  staleTime: DEFINITIONS_STALE_MS,
  queryFn: async () => (await ok(api.GET("/api/v1/ticket-statuses"))).data as TicketStatusDef[],
});

export const useTicketStatuses = () => useQuery(ticketStatusesQueryOptions);

const MAX_CHARS = { text: 255, textarea: 10_000 } as const;

/** One custom field as a form control of its type; `error` is shown under it and tied to it for screen readers. */
export function FieldInput({ def, draft, onChange, idPrefix, error }: { def: TicketField; draft: FieldDraft; onChange: (d: FieldDraft) => void; idPrefix: string; error?: string | undefined }) {
  const id = `${idPrefix}-${def.key}`;
  const errorId = `${id}-error`;
  const described = error ? { "aria-invalid": true as const, "aria-describedby": errorId } : {};
  const message = error ? (
    <p className="field-error" id={errorId}>
      {error}
    </p>
  ) : null;
  const required = def.required_to_resolve ? <span className="muted small"> (needed to resolve)</span> : null;

  if (def.type === "checkbox")
    return (
      <div className="field checkbox-field">
        <label htmlFor={id}>
          <input id={id} type="checkbox" checked={draft === true} onChange={(e) => onChange(e.target.checked)} {...described} /> {def.label}
          {required}
        </label>
        {message}
      </div>
    );
  if (def.type === "multiselect") {
    const chosen = Array.isArray(draft) ? draft : [];
    return (
      <fieldset className="field options-field" {...(error ? { "aria-describedby": errorId } : {})}>
        <legend>
          {def.label}
          {required}
        </legend>
        {def.options?.map((o) => (
          <label key={o.value} htmlFor={`${id}-${o.value}`}>
            <input
              id={`${id}-${o.value}`}
              type="checkbox"
              checked={chosen.includes(o.value)}
              onChange={(e) => onChange(e.target.checked ? [...chosen, o.value] : chosen.filter((v) => v !== o.value))}
            />{" "}
            {o.label}
          </label>
        ))}
        {message}
      </fieldset>
    );
  }
  const text = typeof draft === "string" ? draft : "";
  let control;
  if (def.type === "dropdown")
    control = (
      <select id={id} value={text} onChange={(e) => onChange(e.target.value)} {...described}>
        <option value="">—</option>
        {def.options?.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  else if (def.type === "textarea") control = <textarea id={id} rows={3} maxLength={MAX_CHARS.textarea} value={text} onChange={(e) => onChange(e.target.value)} {...described} />;
  else {
    const kind =
      def.type === "date"
        ? { type: "date" }
        : def.type === "integer"
          ? { type: "text", inputMode: "numeric" as const }
          : def.type === "decimal"
            ? { type: "text", inputMode: "decimal" as const }
            : { type: "text", maxLength: MAX_CHARS.text };
    control = <input id={id} {...kind} value={text} onChange={(e) => onChange(e.target.value)} {...described} />;
  }
  return (
    <div className="field">
      <label htmlFor={id}>
        {def.label}
        {required}
      </label>
      {control}
      {message}
    </div>
  );
}

/** Values of the given fields as a description list (fields without a value are left out). */
export function FieldValueList({ defs, values, label }: { defs: readonly TicketField[]; values: Record<string, unknown>; label: string }) {
  const shown = defs.filter((d) => values[d.key] !== undefined && values[d.key] !== null);
  if (!shown.length) return null;
  return (
    <dl className="field-values" aria-label={label}>
      {shown.map((d) => (
        <div key={d.key}>
          <dt>{d.label}</dt>
          <dd>{formatFieldValue(d, values[d.key])}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A ticket's status as people know it: its custom status (e.g. "Waiting on vendor") or its category. */
export function TicketStatusBadge({ ticket }: { ticket: { status: string; custom_status?: string } }) {
  const statuses = useTicketStatuses();
  return <StatusBadge status={ticket.status} label={customStatusLabel(ticket, statuses.data, statusLabel)} />;
}
