import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ok } from "../../api/client";
import { formatOptions, parseOptions, type TicketField, type TicketStatusDef } from "../../lib/custom-fields";
import { statusLabel } from "../../lib/format";
import { ErrorAlert, Spinner } from "../../ui/components";
import { useTicketFields, useTicketStatuses } from "../../ui/CustomFields";
import { announceToScreenReader, useDocumentTitle } from "../../ui/hooks";
import { CONSOLE } from "../Layout";

const FIELD_TYPES: [TicketField["type"], string][] = [
  ["text", "Text (one line)"],
  ["textarea", "Text (paragraph)"],
  ["integer", "Whole number"],
  ["decimal", "Decimal number"],
  ["checkbox", "Checkbox"],
  ["date", "Date"],
  ["dropdown", "Dropdown"],
  ["multiselect", "Multiple choice"],
];
const typeLabel = (t: string) => FIELD_TYPES.find(([v]) => v === t)?.[1] ?? t;
const hasOptions = (t: string) => t === "dropdown" || t === "multiselect";
const CATEGORIES = ["open", "in_progress", "pending", "resolved", "closed"] as const;

interface Flags {
  customer_visible: boolean;
  customer_editable: boolean;
  required_to_resolve: boolean;
  active: boolean;
}

/** Who sees and sets a field; editable needs visible (the API says so too), so unticking visible unticks it. */
function FlagBoxes({ id, flags, onChange }: { id: string; flags: Flags; onChange: (f: Flags) => void }) {
  const box = (key: keyof Flags, label: string) => (
    <label className="checkbox" htmlFor={`${id}-${key}`}>
      <input
        id={`${id}-${key}`}
        type="checkbox"
        checked={flags[key]}
        onChange={(e) => {
          const next = { ...flags, [key]: e.target.checked };
          if (key === "customer_visible" && !e.target.checked) next.customer_editable = false;
          if (key === "customer_editable" && e.target.checked) next.customer_visible = true;
          onChange(next);
        }}
      />{" "}
      {label}
    </label>
  );
  return (
    <fieldset className="members">
      <legend>Use</legend>
      {box("customer_visible", "Customers see it")}
      {box("customer_editable", "Customers fill it in")}
      {box("required_to_resolve", "Needed to resolve")}
      {box("active", "Active")}
    </fieldset>
  );
}

function FieldEditor({ field }: { field: TicketField }) {
  const client = useQueryClient();
  const [label, setLabel] = useState(field.label);
  const [options, setOptions] = useState(formatOptions(field.options));
  const [flags, setFlags] = useState<Flags>(field);
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PATCH("/api/v1/ticket-fields/{id}", {
          params: { path: { id: field.id } },
          body: {
            label,
            customer_visible: flags.customer_visible,
            customer_editable: flags.customer_editable,
            required_to_resolve: flags.required_to_resolve,
            active: flags.active,
            ...(hasOptions(field.type) ? { options: parseOptions(options) } : {}),
          },
        }),
      ),
    onSuccess: () => {
      announceToScreenReader(`${label} saved`);
      void client.invalidateQueries({ queryKey: ["ticket-fields"] });
    },
  });
  const id = `field-${field.key}`;
  return (
    <form
      className="card"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h2 id={`${id}-title`}>{field.label}</h2>
      <p className="muted">
        <code>{field.key}</code> · {typeLabel(field.type)}
        {field.active ? "" : " · inactive"}
      </p>
      <ErrorAlert error={save.error} />
      <div className="field">
        <label htmlFor={`${id}-label`}>Label</label>
        <input id={`${id}-label`} required maxLength={255} value={label} onChange={(e) => setLabel(e.target.value)} />
      </div>
      {hasOptions(field.type) ? (
        <div className="field">
          <label htmlFor={`${id}-options`}>Options</label>
          <textarea id={`${id}-options`} rows={4} value={options} onChange={(e) => setOptions(e.target.value)} aria-describedby="options-hint" />
        </div>
      ) : null}
      <FlagBoxes id={id} flags={flags} onChange={setFlags} />
      <button type="submit" disabled={save.isPending}>
        Save {field.label}
      </button>
    </form>
  );
}

function NewField() {
  const client = useQueryClient();
  const [key, setKey] = useState("");
  const [label, setLabel] = useState("");
  const [type, setType] = useState<TicketField["type"]>("text");
  const [options, setOptions] = useState("");
  const [flags, setFlags] = useState<Flags>({ customer_visible: false, customer_editable: false, required_to_resolve: false, active: true });
  const create = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/ticket-fields", { body: { key, label, type, ...flags, ...(hasOptions(type) ? { options: parseOptions(options) } : {}), position: 0 } })),
    onSuccess: () => {
      announceToScreenReader(`${label} added`);
      setKey("");
      setLabel("");
      setOptions("");
      void client.invalidateQueries({ queryKey: ["ticket-fields"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="card" aria-labelledby="new-field-title" onSubmit={submit}>
      <h2 id="new-field-title">New field</h2>
      <ErrorAlert error={create.error} />
      <div className="field">
        <label htmlFor="new-field-label">Label</label>
        <input id="new-field-label" required maxLength={255} value={label} onChange={(e) => setLabel(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="new-field-key">Key</label>
        <input id="new-field-key" required pattern="[a-z][a-z0-9_]{0,49}" value={key} onChange={(e) => setKey(e.target.value)} aria-describedby="new-field-key-hint" />
        <p className="hint" id="new-field-key-hint">
          Lowercase letters, digits and _, starting with a letter; fixed once made (the API and filters use it: <code>cf.&lt;key&gt;=</code>).
        </p>
      </div>
      <div className="field">
        <label htmlFor="new-field-type">Type</label>
        <select id="new-field-type" value={type} onChange={(e) => setType(e.target.value as TicketField["type"])}>
          {FIELD_TYPES.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </div>
      {hasOptions(type) ? (
        <div className="field">
          <label htmlFor="new-field-options">Options</label>
          <textarea id="new-field-options" rows={4} required value={options} onChange={(e) => setOptions(e.target.value)} aria-describedby="options-hint" />
        </div>
      ) : null}
      <FlagBoxes id="new-field" flags={flags} onChange={setFlags} />
      <button type="submit" disabled={create.isPending}>
        Add field
      </button>
    </form>
  );
}

function StatusEditor({ status }: { status: TicketStatusDef }) {
  const client = useQueryClient();
  const [label, setLabel] = useState(status.label);
  const [active, setActive] = useState(status.active);
  const save = useMutation({
    mutationFn: () => ok(api.PATCH("/api/v1/ticket-statuses/{id}", { params: { path: { id: status.id } }, body: { label, active } })),
    onSuccess: () => {
      announceToScreenReader(`${label} saved`);
      void client.invalidateQueries({ queryKey: ["ticket-statuses"] });
    },
  });
  const id = `status-${status.key}`;
  return (
    <tr>
      <td>
        <label htmlFor={`${id}-label`} className="visually-hidden">
          Label of {status.key}
        </label>
        <input id={`${id}-label`} required maxLength={255} value={label} onChange={(e) => setLabel(e.target.value)} />
        <ErrorAlert error={save.error} />
      </td>
      <td>
        <code>{status.key}</code>
      </td>
      <td>{statusLabel(status.category)}</td>
      <td>
        <label htmlFor={`${id}-active`} className="checkbox">
          <input id={`${id}-active`} type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} /> Active
        </label>
      </td>
      <td>
        <button type="button" className="secondary" disabled={save.isPending} onClick={() => save.mutate()}>
          Save {status.label}
        </button>
      </td>
    </tr>
  );
}

function NewStatus() {
  const client = useQueryClient();
  const [key, setKey] = useState("");
  const [label, setLabel] = useState("");
  const [category, setCategory] = useState<(typeof CATEGORIES)[number]>("pending");
  const create = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/ticket-statuses", { body: { key, label, category, active: true, position: 0 } })),
    onSuccess: () => {
      setKey("");
      setLabel("");
      void client.invalidateQueries({ queryKey: ["ticket-statuses"] });
    },
  });
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <label htmlFor="new-status-label">New status</label>
      <input id="new-status-label" required maxLength={255} value={label} onChange={(e) => setLabel(e.target.value)} />
      <label htmlFor="new-status-key">Key</label>
      <input id="new-status-key" required pattern="[a-z][a-z0-9_]{0,49}" value={key} onChange={(e) => setKey(e.target.value)} />
      <label htmlFor="new-status-category">A kind of</label>
      <select id="new-status-category" value={category} onChange={(e) => setCategory(e.target.value as typeof category)}>
        {CATEGORIES.map((c) => (
          <option key={c} value={c}>
            {statusLabel(c)}
          </option>
        ))}
      </select>
      <button type="submit" disabled={create.isPending}>
        Add status
      </button>
      <ErrorAlert error={create.error} />
    </form>
  );
}

/** Admins: custom ticket fields (API.md "Custom fields") and custom statuses ("Custom statuses"). */
export function FieldsPage() {
  useDocumentTitle("Fields and statuses", CONSOLE);
  const fields = useTicketFields();
  const statuses = useTicketStatuses();
  return (
    <section aria-labelledby="fields-title">
      <h1 id="fields-title">Fields and statuses</h1>
      <p className="hint" id="options-hint">
        Options: one a line, <code>value = Label</code>, or just a label.
      </p>
      <h2>Custom statuses</h2>
      <p className="muted">Each is a kind of a status category: the workflow, SLA pauses and filters follow the category.</p>
      <NewStatus />
      <ErrorAlert error={statuses.error} />
      {statuses.data?.length ? (
        <table className="list">
          <caption className="visually-hidden">Custom statuses</caption>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Key</th>
              <th scope="col">Kind of</th>
              <th scope="col">Active</th>
              <th scope="col">
                <span className="visually-hidden">Save</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {statuses.data.map((st) => (
              <StatusEditor key={st.id} status={st} />
            ))}
          </tbody>
        </table>
      ) : null}
      <h2>Ticket fields</h2>
      <ErrorAlert error={fields.error} />
      {fields.isPending ? (
        <Spinner />
      ) : (
        <div className="card-grid">
          <NewField />
          {fields.data?.map((f) => (
            <FieldEditor key={f.id} field={f} />
          ))}
        </div>
      )}
    </section>
  );
}
