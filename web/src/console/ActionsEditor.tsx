import { useQuery } from "@tanstack/react-query";
import { api, ok, type Schemas } from "../api/client";
import { ACTION_TYPES, errorsUnder, newAction, PRIORITIES, splitList, STATUSES, type RuleAction } from "../lib/automation";
import { statusLabel } from "../lib/format";
import { useTicketFields, useTicketStatuses } from "../ui/CustomFields";
import { NamedOptions, useStaff, useTeams } from "./directory";

const STAFF_ROLES = ["agent", "manager", "admin"] as const;
const EMAIL_TO = ["requester", "assignee", "team_manager"];

/** Messages of the API under a row (`actions.2…`), tied to the row's inputs for screen readers. */
export function RowErrors({ id, messages }: { id: string; messages: string[] }) {
  if (!messages.length) return null;
  return (
    <ul className="field-error row-errors" id={id}>
      {messages.map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}

function useWebhooks(enabled: boolean) {
  return useQuery({
    queryKey: ["webhooks"],
    enabled,
    queryFn: async () => (await ok(api.GET("/api/v1/webhooks", { params: { query: { limit: 100 } } }))).data as Schemas["Webhook"][],
  });
}

/** One action's value as form controls of its type. */
function ActionValue({ action, id, onChange, invalid }: { action: RuleAction; id: string; onChange: (a: RuleAction) => void; invalid: Record<string, unknown> }) {
  const staff = useStaff();
  const teams = useTeams();
  const statuses = useTicketStatuses();
  const fields = useTicketFields();
  const webhooks = useWebhooks(action.type === "webhook");
  const v = action.value as any;
  const set = (value: unknown) => onChange({ ...action, value });
  const merge = (patch: Record<string, unknown>) => set({ ...v, ...patch });
  switch (action.type) {
    case "add_comment":
      return (
        <>
          <div className="field">
            <label htmlFor={`${id}-body`}>Text</label>
            <textarea id={`${id}-body`} rows={4} maxLength={10_000} value={v?.body ?? ""} onChange={(e) => merge({ body: e.target.value })} aria-describedby={`${id}-hint`} {...invalid} />
            <p className="hint" id={`${id}-hint`}>
              Placeholders: {"{{requester.name}}"}, {"{{ticket.number}}"}, {"{{ticket.subject}}"}, {"{{assignee.name}}"}, {"{{current_user.name}}"}, {"{{ticket.url}}"}
            </p>
          </div>
          <label className="checkbox" htmlFor={`${id}-internal`}>
            <input id={`${id}-internal`} type="checkbox" checked={Boolean(v?.internal)} onChange={(e) => merge({ internal: e.target.checked })} /> Internal note (staff only)
          </label>
        </>
      );
    case "set_status":
      return (
        <div className="field">
          <label htmlFor={`${id}-value`}>Status</label>
          <select id={`${id}-value`} value={String(v ?? "")} onChange={(e) => set(e.target.value)} {...invalid}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
            {statuses.data
              ?.filter((s) => s.active)
              .map((s) => (
                <option key={s.key} value={s.key}>
                  {statusLabel(s.category)}: {s.label}
                </option>
              ))}
          </select>
        </div>
      );
    case "set_priority":
      return (
        <div className="field">
          <label htmlFor={`${id}-value`}>Priority</label>
          <select id={`${id}-value`} value={String(v ?? "")} onChange={(e) => set(e.target.value)} {...invalid}>
            {PRIORITIES.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </div>
      );
    case "assign":
      return (
        <div className="field">
          <label htmlFor={`${id}-value`}>Assignee</label>
          <select id={`${id}-value`} value={v === null ? "" : String(v)} onChange={(e) => set(e.target.value === "" ? null : e.target.value)} {...invalid}>
            <option value="auto">Automatically (the team's routing)</option>
            <option value="">Nobody (unassign)</option>
            <NamedOptions items={staff.data} />
          </select>
        </div>
      );
    case "set_team":
      return (
        <div className="field">
          <label htmlFor={`${id}-value`}>Team</label>
          <select id={`${id}-value`} value={v ?? ""} onChange={(e) => set(e.target.value || null)} {...invalid}>
            <option value="">No team</option>
            <NamedOptions items={teams.data} />
          </select>
        </div>
      );
    case "set_category":
      return (
        <div className="field">
          <label htmlFor={`${id}-value`}>Category (empty clears it)</label>
          <input id={`${id}-value`} maxLength={100} value={v ?? ""} onChange={(e) => set(e.target.value.trim() ? e.target.value : null)} {...invalid} />
        </div>
      );
    case "add_tags":
    case "remove_tags":
    case "set_tags":
      return (
        <div className="field">
          <label htmlFor={`${id}-value`}>Tags (comma-separated)</label>
          <input id={`${id}-value`} defaultValue={(v as string[] | undefined)?.join(", ") ?? ""} onChange={(e) => set(splitList(e.target.value))} {...invalid} />
        </div>
      );
    case "set_custom_field": {
      const def = fields.data?.find((f) => f.key === v?.key);
      return (
        <>
          <div className="field">
            <label htmlFor={`${id}-key`}>Field</label>
            <select id={`${id}-key`} value={v?.key ?? ""} onChange={(e) => merge({ key: e.target.value })} {...invalid}>
              <option value="">Choose a field</option>
              {fields.data?.map((f) => (
                <option key={f.key} value={f.key}>
                  {f.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-value`}>Value{def?.type === "multiselect" ? " (comma-separated)" : ""}</label>
            <input
              id={`${id}-value`}
              value={Array.isArray(v?.value) ? v.value.join(", ") : String(v?.value ?? "")}
              onChange={(e) => {
                const text = e.target.value;
                const value =
                  def?.type === "multiselect" ? splitList(text) : def?.type === "checkbox" ? text === "true" : (def?.type === "integer" || def?.type === "decimal") && text.trim() !== "" && !Number.isNaN(Number(text)) ? Number(text) : text;
                merge({ value });
              }}
              {...invalid}
            />
          </div>
        </>
      );
    }
    case "send_email":
      return (
        <>
          <div className="field">
            <label htmlFor={`${id}-to`}>To (requester, assignee, team_manager or an address)</label>
            <input id={`${id}-to`} list={`${id}-to-list`} value={v?.to ?? ""} onChange={(e) => merge({ to: e.target.value })} {...invalid} />
            <datalist id={`${id}-to-list`}>
              {EMAIL_TO.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
          </div>
          <div className="field">
            <label htmlFor={`${id}-subject`}>Subject</label>
            <input id={`${id}-subject`} maxLength={200} value={v?.subject ?? ""} onChange={(e) => merge({ subject: e.target.value })} {...invalid} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-body`}>Body</label>
            <textarea id={`${id}-body`} rows={4} value={v?.body ?? ""} onChange={(e) => merge({ body: e.target.value })} {...invalid} />
          </div>
        </>
      );
    case "notify":
      return (
        <>
          <fieldset className="options-field">
            <legend>Roles to notify</legend>
            {STAFF_ROLES.map((r) => (
              <label key={r} htmlFor={`${id}-role-${r}`}>
                <input
                  id={`${id}-role-${r}`}
                  type="checkbox"
                  checked={(v?.roles ?? []).includes(r)}
                  onChange={(e) => merge({ roles: e.target.checked ? [...(v?.roles ?? []), r] : (v?.roles ?? []).filter((x: string) => x !== r) })}
                />
                {r}s
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor={`${id}-title`}>Title</label>
            <input id={`${id}-title`} maxLength={200} value={v?.title ?? ""} onChange={(e) => merge({ title: e.target.value })} {...invalid} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-body`}>Text</label>
            <input id={`${id}-body`} maxLength={2000} value={v?.body ?? ""} onChange={(e) => merge({ body: e.target.value })} />
          </div>
        </>
      );
    case "webhook":
      return (
        <div className="field">
          <label htmlFor={`${id}-value`}>Webhook</label>
          <select id={`${id}-value`} value={v?.webhook_id ?? ""} onChange={(e) => set({ webhook_id: e.target.value })} {...invalid}>
            <option value="">Choose a webhook</option>
            {webhooks.data?.map((w) => (
              <option key={w.id} value={w.id}>
                {w.url}
              </option>
            ))}
          </select>
        </div>
      );
    default:
      return null;
  }
}

/**
 * The actions of a macro or rule as rows (type, then the value's controls), with the API's messages
 * for a row shown under it (`actions.<i>…`).
 */
export function ActionsEditor({
  actions,
  onChange,
  forRules,
  idPrefix,
  errors,
}: {
  actions: RuleAction[];
  onChange: (actions: RuleAction[]) => void;
  forRules: boolean;
  idPrefix: string;
  errors?: Record<string, string[]> | undefined;
}) {
  const types = ACTION_TYPES.filter((t) => forRules || !t.rulesOnly);
  const replace = (i: number, a: RuleAction) => onChange(actions.map((x, j) => (j === i ? a : x)));
  return (
    <fieldset className="rows-editor">
      <legend>Actions</legend>
      {actions.length ? null : <p className="empty">No actions yet.</p>}
      <ol className="rows">
        {actions.map((action, i) => {
          const id = `${idPrefix}-action-${i}`;
          const messages = errorsUnder(errors, `actions.${i}`);
          const invalid = messages.length ? { "aria-invalid": true, "aria-describedby": `${id}-errors` } : {};
          return (
            <li key={i} className="row-card" data-testid="action-row">
              <div className="row-head">
                <div className="field">
                  <label htmlFor={`${id}-type`}>Action {i + 1}</label>
                  <select id={`${id}-type`} value={action.type} onChange={(e) => replace(i, newAction(e.target.value))} {...invalid}>
                    {types.map((t) => (
                      <option key={t.type} value={t.type}>
                        {t.label}
                      </option>
                    ))}
                  </select>
                </div>
                <button type="button" className="link" onClick={() => onChange(actions.filter((_, j) => j !== i))}>
                  Remove<span className="visually-hidden"> action {i + 1}</span>
                </button>
              </div>
              <ActionValue key={action.type} action={action} id={id} onChange={(a) => replace(i, a)} invalid={invalid} />
              <RowErrors id={`${id}-errors`} messages={messages} />
            </li>
          );
        })}
      </ol>
      <button type="button" className="secondary" onClick={() => onChange([...actions, newAction("add_comment")])}>
        Add an action
      </button>
    </fieldset>
  );
}
