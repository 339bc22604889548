import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ApiError, ok } from "../../api/client";
import { describeAction, otherErrors, type RuleAction } from "../../lib/automation";
import { ErrorAlert, Spinner } from "../../ui/components";
import { announceToScreenReader, useDocumentTitle, useSession } from "../../ui/hooks";
import { ActionsEditor, RowErrors } from "../ActionsEditor";
import { nameOf, useStaff, useTeams } from "../directory";
import { CONSOLE } from "../Layout";
import { useMacros, type Macro } from "../MacroPanel";

interface Draft {
  name: string;
  description: string;
  scope: "shared" | "personal";
  actions: RuleAction[];
}
const EMPTY: Draft = { name: "", description: "", scope: "personal", actions: [{ type: "add_comment", value: { body: "", internal: false } }] };

/** A macro's form (new or edit): name, description, scope (shared: managers and admins), actions. */
function MacroForm({ macro, onDone }: { macro?: Macro; onDone: () => void }) {
  const client = useQueryClient();
  const { user } = useSession();
  const mayShare = user?.role === "manager" || user?.role === "admin";
  const [draft, setDraft] = useState<Draft>(
    macro ? { name: macro.name, description: macro.description, scope: macro.scope, actions: macro.actions as RuleAction[] } : { ...EMPTY, scope: mayShare ? "shared" : "personal" },
  );
  const save = useMutation({
    mutationFn: () =>
      macro
        ? ok(api.PATCH("/api/v1/macros/{id}", { params: { path: { id: macro.id } }, body: { name: draft.name, description: draft.description, actions: draft.actions as never } }))
        : ok(api.POST("/api/v1/macros", { body: { name: draft.name, description: draft.description, scope: draft.scope, actions: draft.actions as never } })),
    onSuccess: () => {
      announceToScreenReader(macro ? "Macro saved" : "Macro added");
      void client.invalidateQueries({ queryKey: ["macros"] });
      onDone();
    },
  });
  const errors = save.error instanceof ApiError ? save.error.fieldErrors : undefined;
  const id = macro ? `macro-${macro.id}` : "new-macro";
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const nameErrors = errors?.name ?? [];
  const rest = otherErrors(errors, (p) => p === "name" || p.startsWith("actions."));
  return (
    <form className="card macro-form" aria-labelledby={`${id}-title`} onSubmit={submit}>
      <h2 id={`${id}-title`}>{macro ? `Edit “${macro.name}”` : "New macro"}</h2>
      {save.error && !errors ? <ErrorAlert error={save.error} /> : null}
      {save.error && errors ? (
        <div className="alert error" role="alert">
          {save.error.message}: see the marked entries.{rest.length ? ` ${rest.join("; ")}` : ""}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          required
          maxLength={200}
          value={draft.name}
          onChange={(e) => setDraft({ ...draft, name: e.target.value })}
          {...(nameErrors.length ? { "aria-invalid": true, "aria-describedby": `${id}-name-errors` } : {})}
        />
        <RowErrors id={`${id}-name-errors`} messages={nameErrors} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description</label>
        <input id={`${id}-description`} maxLength={2000} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
      </div>
      {macro ? null : (
        <div className="field">
          <label htmlFor={`${id}-scope`}>Who can use it</label>
          <select id={`${id}-scope`} value={draft.scope} onChange={(e) => setDraft({ ...draft, scope: e.target.value as Draft["scope"] })}>
            {mayShare ? <option value="shared">Everyone (shared)</option> : null}
            <option value="personal">Only me (personal)</option>
          </select>
        </div>
      )}
      <ActionsEditor actions={draft.actions} onChange={(actions) => setDraft({ ...draft, actions })} forRules={false} idPrefix={id} errors={errors} />
      <div className="composer-actions">
        <button type="submit" disabled={save.isPending}>
          {macro ? "Save macro" : "Add macro"}
        </button>
        {macro ? (
          <button type="button" className="secondary" onClick={onDone}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

function MacroCard({ macro }: { macro: Macro }) {
  const client = useQueryClient();
  const { user } = useSession();
  const staff = useStaff();
  const teams = useTeams();
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/api/v1/macros/{id}", { params: { path: { id: macro.id } } })),
    onSuccess: () => {
      announceToScreenReader("Macro deleted");
      void client.invalidateQueries({ queryKey: ["macros"] });
    },
  });
  // Agents manage their own personal macros; managers and admins the shared ones too (the API decides).
  const mayEdit = macro.scope === "personal" ? macro.owner_id === user?.id : user?.role === "manager" || user?.role === "admin";
  if (editing) return <MacroForm macro={macro} onDone={() => setEditing(false)} />;
  return (
    <section className="card" aria-labelledby={`macro-${macro.id}-title`} data-testid="macro-card">
      <h2 id={`macro-${macro.id}-title`}>{macro.name}</h2>
      <p className="muted">
        {macro.scope === "shared" ? "Shared" : "Personal"} · used {macro.usage_count} {macro.usage_count === 1 ? "time" : "times"}
        {macro.description ? ` · ${macro.description}` : ""}
      </p>
      <ol className="action-summary">
        {(macro.actions as RuleAction[]).map((a, i) => (
          <li key={i}>{describeAction(a, { user: (id) => nameOf(staff.data, id), team: (id) => teams.data?.find((t) => t.id === id)?.name ?? id })}</li>
        ))}
      </ol>
      <ErrorAlert error={remove.error} />
      {mayEdit ? (
        <div className="composer-actions">
          <button type="button" className="secondary" onClick={() => setEditing(true)}>
            Edit<span className="visually-hidden"> {macro.name}</span>
          </button>
          <button type="button" className="danger" onClick={() => window.confirm(`Delete the macro “${macro.name}”?`) && remove.mutate()}>
            Delete<span className="visually-hidden"> {macro.name}</span>
          </button>
        </div>
      ) : null}
    </section>
  );
}

/** Macros (API.md "Automation"): shared ones and the caller's personal ones; write, edit and delete them. */
export function MacrosPage() {
  useDocumentTitle("Macros", CONSOLE);
  const macros = useMacros();
  const [formKey, setFormKey] = useState(0);
  return (
    <section aria-labelledby="macros-page-title">
      <h1 id="macros-page-title">Macros</h1>
      <p className="muted">A macro writes a reply or note (with placeholders filled for the ticket) and changes fields in one step, from the ticket page or a bulk change.</p>
      <ErrorAlert error={macros.error} />
      {macros.isPending ? (
        <Spinner />
      ) : (
        <div className="card-grid wide">
          <MacroForm key={formKey} onDone={() => setFormKey((k) => k + 1)} />
          {macros.data?.map((m) => (
            <MacroCard key={m.id} macro={m} />
          ))}
        </div>
      )}
    </section>
  );
}
