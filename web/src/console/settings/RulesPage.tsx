import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { api, ApiError, ok, type Schemas } from "../../api/client";
import {
  CONDITION_FIELDS,
  conditionValue,
  defaultValue,
  describeAction,
  enumValues,
  errorsUnder,
  fieldChoice,
  LIST_OPERATORS,
  NO_VALUE,
  OPERATORS,
  otherErrors,
  valueText,
  type RuleAction,
  type RuleCondition,
} from "../../lib/automation";
import { describeChange } from "../../lib/format";
import { useTicketFields } from "../../ui/CustomFields";
import { ErrorAlert, Spinner, TimeAgo } from "../../ui/components";
import { announceToScreenReader, useDocumentTitle, useSession } from "../../ui/hooks";
import { LoadMore } from "../../ui/mount";
import { ActionsEditor, RowErrors } from "../ActionsEditor";
import { NamedOptions, nameOf, useStaff, useTeams } from "../directory";
import { CONSOLE } from "../Layout";

type Rule = Schemas["Rule"];
type Kind = Rule["kind"];
type TestResult = Schemas["RuleTestResult"];
type Run = Schemas["RuleRun"];

const KINDS: { kind: Kind; label: string; hint: string }[] = [
  { kind: "trigger", label: "Triggers", hint: "run after each ticket change, in order" },
  { kind: "automation", label: "Automations", hint: "run on the clock, once per ticket until their conditions stop holding" },
];

const operatorLabel = (op: string) => OPERATORS.find((o) => o.value === op)?.label ?? op;

/** One condition as a sentence: "Subject contains “outage”". */
function describeCondition(c: RuleCondition, names: { user: (id: string) => string; team: (id: string) => string }) {
  const choice = fieldChoice(c.field);
  const show = (v: unknown) => (choice.kind === "user" ? (v ? names.user(String(v)) : "nobody") : choice.kind === "team" ? (v ? names.team(String(v)) : "no team") : valueText(v));
  const value = NO_VALUE.has(c.operator) ? "" : ` ${Array.isArray(c.value) ? c.value.map(show).join(", ") : `“${show(c.value)}”`}`;
  return `${choice.label} ${operatorLabel(c.operator)}${value}`;
}

/** A condition's value as the input its field and operator take. */
function ConditionValue({ c, id, onChange, invalid }: { c: RuleCondition; id: string; onChange: (value: unknown) => void; invalid: Record<string, unknown> }) {
  const staff = useStaff();
  const teams = useTeams();
  const kind = fieldChoice(c.field).kind;
  if (NO_VALUE.has(c.operator)) return null;
  const label = (
    <label htmlFor={`${id}-value`}>
      Value{LIST_OPERATORS.has(c.operator) ? " (comma-separated)" : ""}
    </label>
  );
  const set = (text: string) => onChange(conditionValue(kind, c.operator, text));
  const choices = enumValues(kind);
  let input;
  if (LIST_OPERATORS.has(c.operator) || (!choices && kind !== "user" && kind !== "team")) {
    input = (
      <input
        id={`${id}-value`}
        type={kind === "hours" && !LIST_OPERATORS.has(c.operator) ? "number" : "text"}
        min={kind === "hours" ? 0 : undefined}
        value={valueText(c.value)}
        onChange={(e) => set(e.target.value)}
        {...invalid}
      />
    );
  } else {
    input = (
      <select id={`${id}-value`} value={valueText(c.value)} onChange={(e) => set(e.target.value)} {...invalid}>
        {kind === "user" ? (
          <>
            <option value="">Nobody</option>
            <NamedOptions items={staff.data} />
          </>
        ) : kind === "team" ? (
          <>
            <option value="">No team</option>
            <NamedOptions items={teams.data} />
          </>
        ) : (
          choices!.map((v) => (
            <option key={v} value={v}>
              {kind === "boolean" ? (v === "true" ? "yes" : "no") : v.replace(/_/g, " ")}
            </option>
          ))
        )}
      </select>
    );
  }
  return (
    <div className="field">
      {label}
      {input}
    </div>
  );
}

/** The `all` or `any` list of a rule: a row per condition (field, operator, value). */
function ConditionsEditor({
  list,
  conditions,
  onChange,
  kind,
  idPrefix,
  errors,
}: {
  list: "all" | "any";
  conditions: RuleCondition[];
  onChange: (c: RuleCondition[]) => void;
  kind: Kind;
  idPrefix: string;
  errors?: Record<string, string[]> | undefined;
}) {
  const fields = useTicketFields();
  const offered = [
    ...CONDITION_FIELDS.filter((f) => f.scope === "both" || f.scope === kind),
    ...(fields.data ?? []).map((f) => ({ field: `custom_fields.${f.key}`, label: f.label })),
  ];
  const replace = (i: number, c: RuleCondition) => onChange(conditions.map((x, j) => (j === i ? c : x)));
  const fresh = (field: string, operator = "is"): RuleCondition => {
    const value = defaultValue(fieldChoice(field).kind, operator);
    return value === undefined ? { field, operator } : { field, operator, value };
  };
  return (
    <fieldset className="rows-editor">
      <legend>{list === "all" ? "All of these conditions" : "And at least one of these (if any)"}</legend>
      <ol className="rows">
        {conditions.map((c, i) => {
          const id = `${idPrefix}-${list}-${i}`;
          const messages = errorsUnder(errors, `conditions.${list}.${i}`);
          const invalid = messages.length ? { "aria-invalid": true, "aria-describedby": `${id}-errors` } : {};
          const known = offered.some((f) => f.field === c.field);
          return (
            <li key={i} className="row-card" data-testid={`condition-${list}`}>
              <div className="row-head">
                <div className="field">
                  <label htmlFor={`${id}-field`}>Condition {i + 1}</label>
                  <select id={`${id}-field`} value={c.field} onChange={(e) => replace(i, fresh(e.target.value))} {...invalid}>
                    {known ? null : <option value={c.field}>{c.field}</option>}
                    {offered.map((f) => (
                      <option key={f.field} value={f.field}>
                        {f.label}
                      </option>
                    ))}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor={`${id}-operator`}>Operator</label>
                  <select
                    id={`${id}-operator`}
                    value={c.operator}
                    onChange={(e) => {
                      const operator = e.target.value;
                      const keep = !NO_VALUE.has(operator) && LIST_OPERATORS.has(operator) === LIST_OPERATORS.has(c.operator) && c.value !== undefined;
                      replace(i, keep ? { ...c, operator } : fresh(c.field, operator));
                    }}
                    {...invalid}
                  >
                    {OPERATORS.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                </div>
                <button type="button" className="link" onClick={() => onChange(conditions.filter((_, j) => j !== i))}>
                  Remove<span className="visually-hidden"> condition {i + 1}</span>
                </button>
              </div>
              <ConditionValue c={c} id={id} invalid={invalid} onChange={(value) => replace(i, value === undefined ? { field: c.field, operator: c.operator } : { ...c, value })} />
              <RowErrors id={`${id}-errors`} messages={messages} />
            </li>
          );
        })}
      </ol>
      <button type="button" className="secondary" onClick={() => onChange([...conditions, fresh(kind === "trigger" && !conditions.length && list === "all" ? "event" : "status")])}>
        Add a condition<span className="visually-hidden"> to {list === "all" ? "all" : "any"}</span>
      </button>
    </fieldset>
  );
}

interface Draft {
  name: string;
  kind: Kind;
  active: boolean;
  position: string;
  all: RuleCondition[];
  any: RuleCondition[];
  actions: RuleAction[];
}

const draftOf = (rule: Rule | undefined, kind: Kind): Draft =>
  rule
    ? {
        name: rule.name,
        kind: rule.kind,
        active: rule.active,
        position: String(rule.position),
        all: rule.conditions.all as RuleCondition[],
        any: rule.conditions.any as RuleCondition[],
        actions: rule.actions as RuleAction[],
      }
    : { name: "", kind, active: false, position: "", all: kind === "trigger" ? [{ field: "event", operator: "is", value: "ticket.created" }] : [], any: [], actions: [] };

/**
 * A rule's form: name, kind (new rules), active, position, the structured condition and action
 * editors, or the same as JSON; the API's 400 entries (`conditions.all.2.value`) are shown at their row.
 */
function RuleForm({ rule, kind, onDone }: { rule?: Rule; kind: Kind; onDone: () => void }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(rule, kind));
  const [json, setJson] = useState<string | null>(null);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const body = (d: Draft) => ({
    name: d.name,
    active: d.active,
    ...(d.position.trim() ? { position: Number(d.position) } : {}),
    conditions: { all: d.all, any: d.any },
    actions: d.actions,
  });
  const save = useMutation({
    mutationFn: (d: Draft) =>
      rule
        ? ok(api.PATCH("/api/v1/rules/{id}", { params: { path: { id: rule.id } }, body: body(d) as never }))
        : ok(api.POST("/api/v1/rules", { body: { ...body(d), kind: d.kind } as never })),
    onSuccess: () => {
      announceToScreenReader(rule ? "Rule saved" : "Rule added");
      void client.invalidateQueries({ queryKey: ["rules"] });
      onDone();
    },
  });
  // JSON mode edits conditions and actions as the API takes them; leaving it parses them back.
  const toJson = () => setJson(JSON.stringify({ conditions: { all: draft.all, any: draft.any }, actions: draft.actions }, null, 2));
  const fromJson = (): Draft | null => {
    if (json === null) return draft;
    try {
      const parsed = JSON.parse(json) as { conditions?: { all?: RuleCondition[]; any?: RuleCondition[] }; actions?: RuleAction[] };
      if (!parsed || typeof parsed !== "object" || !Array.isArray(parsed.actions ?? [])) throw new Error("expected {conditions: {all, any}, actions: [...]}");
      const next = { ...draft, all: parsed.conditions?.all ?? [], any: parsed.conditions?.any ?? [], actions: parsed.actions ?? [] };
      setDraft(next);
      setJsonError(null);
      setJson(null);
      return next;
    } catch (err) {
      setJsonError(`Not valid JSON: ${(err as Error).message}`);
      return null;
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const d = fromJson();
    if (d) save.mutate(d);
  };
  const errors = save.error instanceof ApiError ? save.error.fieldErrors : undefined;
  const id = rule ? `rule-${rule.id}` : `new-${kind}`;
  const fieldError = (path: string) => errors?.[path] ?? [];
  const rest = otherErrors(errors, (p) => ["name", "position", "active", "kind"].includes(p) || /^(conditions\.(all|any)|actions)\.\d+/.test(p));
  const described = (path: string) => (fieldError(path).length ? { "aria-invalid": true as const, "aria-describedby": `${id}-${path}-errors` } : {});
  return (
    <form className="card rule-form" aria-labelledby={`${id}-title`} onSubmit={submit}>
      <h2 id={`${id}-title`}>{rule ? `Edit “${rule.name}”` : kind === "trigger" ? "New trigger" : "New automation"}</h2>
      {save.error && !errors ? <ErrorAlert error={save.error} /> : null}
      {errors ? (
        <div className="alert error" role="alert">
          {save.error!.message}: see the marked entries.{rest.length ? ` ${rest.join("; ")}` : ""}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} required maxLength={200} value={draft.name} onChange={(e) => set({ name: e.target.value })} {...described("name")} />
        <RowErrors id={`${id}-name-errors`} messages={fieldError("name")} />
      </div>
      <div className="inline-form">
        <div className="field">
          <label htmlFor={`${id}-position`}>Position</label>
          <input id={`${id}-position`} type="number" min={0} value={draft.position} placeholder="last" onChange={(e) => set({ position: e.target.value })} {...described("position")} />
          <RowErrors id={`${id}-position-errors`} messages={fieldError("position")} />
        </div>
        <label className="checkbox" htmlFor={`${id}-active`}>
          <input id={`${id}-active`} type="checkbox" checked={draft.active} onChange={(e) => set({ active: e.target.checked })} /> Active
        </label>
      </div>
      <p>
        <button type="button" className="link" aria-pressed={json !== null} onClick={() => (json === null ? toJson() : fromJson())}>
          {json === null ? "Edit conditions and actions as JSON" : "Back to the form"}
        </button>
      </p>
      {json !== null ? (
        <div className="field">
          <label htmlFor={`${id}-json`}>Conditions and actions (JSON)</label>
          <textarea id={`${id}-json`} className="json" rows={14} value={json} onChange={(e) => setJson(e.target.value)} {...(jsonError ? { "aria-invalid": true, "aria-describedby": `${id}-json-error` } : {})} />
          {jsonError ? (
            <p className="field-error" id={`${id}-json-error`}>
              {jsonError}
            </p>
          ) : null}
          {errors ? <RowErrors id={`${id}-json-errors`} messages={Object.entries(errors).flatMap(([p, m]) => m.map((x) => `${p}: ${x}`))} /> : null}
        </div>
      ) : (
        <>
          <ConditionsEditor list="all" conditions={draft.all} onChange={(all) => set({ all })} kind={draft.kind} idPrefix={id} errors={errors} />
          <ConditionsEditor list="any" conditions={draft.any} onChange={(any) => set({ any })} kind={draft.kind} idPrefix={id} errors={errors} />
          <ActionsEditor actions={draft.actions} onChange={(actions) => set({ actions })} forRules idPrefix={id} errors={errors} />
        </>
      )}
      <div className="composer-actions">
        <button type="submit" disabled={save.isPending}>
          {rule ? "Save rule" : "Add rule"}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** "Test against ticket #": what the rule would do to that ticket now, changing nothing. */
function RuleTest({ rule }: { rule: Rule }) {
  const [ticket, setTicket] = useState("");
  const [event, setEvent] = useState<"ticket.created" | "ticket.updated" | "comment.created" | "sla.breached">("ticket.updated");
  const test = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/rules/{id}/test", { params: { path: { id: rule.id } }, body: { ticket_id: ticket.trim().replace(/^#/, ""), event } })) as Promise<TestResult>,
  });
  const id = `rule-${rule.id}-test`;
  const r = test.data;
  return (
    <div className="rule-test">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          test.mutate();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-ticket`}>Test against ticket #</label>
          <input id={`${id}-ticket`} required maxLength={64} value={ticket} placeholder="number or id" onChange={(e) => setTicket(e.target.value)} />
        </div>
        {rule.kind === "trigger" ? (
          <div className="field">
            <label htmlFor={`${id}-event`}>As if</label>
            <select id={`${id}-event`} value={event} onChange={(e) => setEvent(e.target.value as typeof event)}>
              <option value="ticket.updated">it was updated</option>
              <option value="ticket.created">it was created</option>
              <option value="comment.created">a comment was added</option>
              <option value="sla.breached">its SLA was breached</option>
            </select>
          </div>
        ) : null}
        <button type="submit" className="secondary" disabled={test.isPending}>
          Test
        </button>
      </form>
      <ErrorAlert error={test.error} />
      {r ? (
        <div className="rule-test-result" role="status" data-testid="rule-test-result">
          <p>
            <strong>{r.matched ? "Matches: it would" : "Does not match: it would do nothing."}</strong>
          </p>
          {r.error ? <p className="field-error">But the change would be refused: {r.error}</p> : null}
          {r.matched ? (
            <ul>
              {Object.entries(r.changes).map(([field, change]) => (
                <li key={field}>set {describeChange(field, change)}</li>
              ))}
              {r.comment ? (
                <li>
                  {r.comment.internal ? "add an internal note" : "reply"}: <q>{r.comment.body}</q>
                </li>
              ) : null}
              {r.emails.map((m, i) => (
                <li key={`m${i}`}>
                  email {m.to}: <q>{m.subject}</q>
                </li>
              ))}
              {r.notifications.map((n, i) => (
                <li key={`n${i}`}>
                  notify {[...n.roles, ...n.user_ids].join(", ")}: <q>{n.title}</q>
                </li>
              ))}
              {r.webhooks.map((w) => (
                <li key={w}>call webhook {w}</li>
              ))}
              {!Object.keys(r.changes).length && !r.comment && !r.emails.length && !r.notifications.length && !r.webhooks.length && !r.error ? <li>nothing (no action changes this ticket)</li> : null}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

/** The rule's recent firings, newest first. */
function RuleRuns({ rule }: { rule: Rule }) {
  const runs = useInfiniteQuery({
    queryKey: ["rule-runs", rule.id],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => ok(api.GET("/api/v1/rules/{id}/runs", { params: { path: { id: rule.id }, query: { limit: 20, cursor: pageParam } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = runs.data?.pages.flatMap((p) => p.data as Run[]) ?? [];
  return (
    <div>
      <ErrorAlert error={runs.error} />
      {runs.isPending ? <Spinner /> : null}
      {runs.isSuccess && !rows.length ? <p className="empty">It has not fired yet.</p> : null}
      {rows.length ? (
        <table className="list">
          <caption className="visually-hidden">Runs of {rule.name}</caption>
          <thead>
            <tr>
              <th scope="col">Ticket</th>
              <th scope="col">When</th>
              <th scope="col">What it did</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((run) => (
              <tr key={run.id}>
                <td>
                  <Link to="/tickets/$id" params={{ id: run.ticket_id }}>
                    Ticket
                  </Link>
                </td>
                <td>
                  <TimeAgo iso={run.at} />
                </td>
                <td>
                  {run.error ? <span className="field-error">Failed: {run.error}</span> : null}
                  {Object.entries(run.changes).map(([f, c]) => (
                    <div key={f}>{describeChange(f, c)}</div>
                  ))}
                  {!run.error && !Object.keys(run.changes).length ? <span className="muted">no field changes</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <LoadMore query={runs} label="More runs" />
    </div>
  );
}

function RuleCard({ rule, admin }: { rule: Rule; admin: boolean }) {
  const client = useQueryClient();
  const staff = useStaff();
  const teams = useTeams();
  const [editing, setEditing] = useState(false);
  const [panel, setPanel] = useState<"test" | "runs" | null>(null);
  const refresh = () => void client.invalidateQueries({ queryKey: ["rules"] });
  const toggle = useMutation({
    mutationFn: () => ok(api.PATCH("/api/v1/rules/{id}", { params: { path: { id: rule.id } }, body: { active: !rule.active } })),
    onSuccess: (r) => (announceToScreenReader(r.active ? "Rule enabled" : "Rule disabled"), refresh()),
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/api/v1/rules/{id}", { params: { path: { id: rule.id } } })),
    onSuccess: () => (announceToScreenReader("Rule deleted"), refresh()),
  });
  if (editing) return <RuleForm rule={rule} kind={rule.kind} onDone={() => setEditing(false)} />;
  const names = { user: (id: string) => nameOf(staff.data, id), team: (id: string) => teams.data?.find((t) => t.id === id)?.name ?? id };
  const all = rule.conditions.all as RuleCondition[];
  const any = rule.conditions.any as RuleCondition[];
  return (
    <section className="card" aria-labelledby={`rule-${rule.id}-title`} data-testid="rule-card">
      <h3 id={`rule-${rule.id}-title`}>
        {rule.name} <span className={`badge ${rule.active ? "sla-ok" : ""}`}>{rule.active ? "active" : "off"}</span>
      </h3>
      <p className="muted small">Position {rule.position}</p>
      <div className="rule-summary">
        <p>
          <strong>When</strong> {all.length ? all.map((c) => describeCondition(c, names)).join(" and ") : "always"}
          {any.length ? `, and any of: ${any.map((c) => describeCondition(c, names)).join(" or ")}` : ""}
        </p>
        <p>
          <strong>Then</strong>
        </p>
        <ol className="action-summary">
          {(rule.actions as RuleAction[]).map((a, i) => (
            <li key={i}>{describeAction(a, names)}</li>
          ))}
        </ol>
      </div>
      <ErrorAlert error={toggle.error ?? remove.error} />
      <div className="composer-actions">
        {admin ? (
          <>
            <button type="button" className="secondary" onClick={() => setEditing(true)}>
              Edit<span className="visually-hidden"> {rule.name}</span>
            </button>
            <button type="button" className="secondary" disabled={toggle.isPending} onClick={() => toggle.mutate()}>
              {rule.active ? "Disable" : "Enable"}
              <span className="visually-hidden"> {rule.name}</span>
            </button>
          </>
        ) : null}
        <button type="button" className="secondary" aria-expanded={panel === "test"} onClick={() => setPanel((p) => (p === "test" ? null : "test"))}>
          Test<span className="visually-hidden"> {rule.name}</span>
        </button>
        <button type="button" className="secondary" aria-expanded={panel === "runs"} onClick={() => setPanel((p) => (p === "runs" ? null : "runs"))}>
          Runs<span className="visually-hidden"> of {rule.name}</span>
        </button>
        {admin ? (
          <button type="button" className="danger" onClick={() => window.confirm(`Delete the rule “${rule.name}”?`) && remove.mutate()}>
            Delete<span className="visually-hidden"> {rule.name}</span>
          </button>
        ) : null}
      </div>
      {panel === "test" ? <RuleTest rule={rule} /> : null}
      {panel === "runs" ? <RuleRuns rule={rule} /> : null}
    </section>
  );
}

/** Rules (API.md "Automation"): triggers and automations; admins write them, managers read and test them. */
export function RulesPage() {
  useDocumentTitle("Rules", CONSOLE);
  const { user } = useSession();
  const admin = user?.role === "admin";
  const [adding, setAdding] = useState<Kind | null>(null);
  const rules = useQuery({
    queryKey: ["rules"],
    queryFn: async () => {
      const all: Rule[] = [];
      let cursor: string | undefined;
      // Rules are a handful per deployment; pages of 100 until the end.
      for (let i = 0; i < 10; i++) {
        const page = await ok(api.GET("/api/v1/rules", { params: { query: { limit: 100, cursor } } }));
        all.push(...(page.data as Rule[]));
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      return all;
    },
  });
  return (
    <section aria-labelledby="rules-title">
      <h1 id="rules-title">Rules</h1>
      <ErrorAlert error={rules.error} />
      {rules.isPending ? <Spinner /> : null}
      {KINDS.map(({ kind, label, hint }) => {
        const list = (rules.data ?? []).filter((r) => r.kind === kind).sort((a, b) => a.position - b.position);
        return (
          <section key={kind} aria-labelledby={`rules-${kind}`} className="rules-group">
            <div className="page-head">
              <h2 id={`rules-${kind}`}>{label}</h2>
              <p className="muted">{hint}</p>
              {admin && adding !== kind ? (
                <button type="button" onClick={() => setAdding(kind)}>
                  {kind === "trigger" ? "New trigger" : "New automation"}
                </button>
              ) : null}
            </div>
            {adding === kind ? <RuleForm kind={kind} onDone={() => setAdding(null)} /> : null}
            {rules.isSuccess && !list.length ? <p className="empty">None yet.</p> : null}
            <div className="plain-list">
              {list.map((r) => (
                <RuleCard key={r.id} rule={r} admin={admin} />
              ))}
            </div>
          </section>
        );
      })}
    </section>
  );
}
