import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import { api, ok, type Ticket } from "../api/client";
import { barFilterControl, barFilterValue, type TicketField } from "../lib/custom-fields";
import { statusLabel } from "../lib/format";
import { TicketStatusBadge, useTicketFields, useTicketStatuses } from "../ui/CustomFields";
import { ErrorAlert, PriorityBadge, SlaBadges, Spinner, TimeAgo } from "../ui/components";
import { useDocumentTitle, useSession, useToggleSet } from "../ui/hooks";
import { exportFiltersFromList } from "../lib/reports";
import { ExportButton, type ExportChoice } from "./Exports";
import { LoadMore } from "../ui/mount";
import { BulkBar } from "./BulkBar";
import { NamedOptions, nameOf, useStaff } from "./directory";
import { CONSOLE } from "./Layout";
import { useShortcuts } from "./shortcuts";
import { moveSelection, SORTS, ticketQuery, viewById, type ListSearch } from "./views";

const STATUSES = ["", "open", "in_progress", "pending", "resolved", "closed", "cancelled"];
const PRIORITIES = ["", "critical", "high", "medium", "low"];
const CHANNELS = ["", "web", "email", "chat", "phone", "social", "api"];
/** API.md "Bulk": at most 100 tickets per change. */
const MAX_BULK = 100;

/**
 * A whole-number or date field's filter: the list follows when the value is complete (a day picked,
 * Enter or leaving the box for a number), not at every keystroke; a value that is none clears it.
 */
function TypedFieldFilter({ def, control, value, onChange }: { def: TicketField; control: "integer" | "date"; value: string | undefined; onChange: (value: string | undefined) => void }) {
  const [text, setText] = useState(value ?? "");
  // Back/forward and the views change the URL under the box.
  useEffect(() => setText(value ?? ""), [value]);
  const commit = (raw: string) => {
    const next = barFilterValue(control, raw) ?? undefined;
    if (next !== value) onChange(next);
  };
  const id = `filter-cf-${def.key}`;
  return (
    <div className="field">
      <label htmlFor={id}>{def.label}</label>
      <input
        id={id}
        type={control === "integer" ? "number" : "date"}
        step={control === "integer" ? 1 : undefined}
        inputMode={control === "integer" ? "numeric" : undefined}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          // A date input reports a day only once it is whole (or "" when cleared).
          if (control === "date") commit(e.target.value);
        }}
        onBlur={(e) => commit(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit(e.currentTarget.value);
        }}
      />
    </div>
  );
}

function Filters({ search }: { search: ListSearch }) {
  const navigate = useNavigate();
  const staff = useStaff();
  const fields = useTicketFields();
  const customStatuses = useTicketStatuses();
  const set = (patch: Partial<ListSearch>) =>
    void navigate({ to: "/", search: (prev: ListSearch) => Object.fromEntries(Object.entries({ ...prev, ...patch }).filter(([, v]) => v !== undefined && v !== "")) as ListSearch });
  return (
    <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <div className="field">
        <label htmlFor="filter-status">Status</label>
        <select id="filter-status" value={search.status ?? ""} onChange={(e) => set({ status: e.target.value || undefined })}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s ? s.replace("_", " ") : "View default"}
            </option>
          ))}
        </select>
      </div>
      {customStatuses.data?.length ? (
        <div className="field">
          <label htmlFor="filter-custom-status">Custom status</label>
          <select id="filter-custom-status" value={search.custom_status ?? ""} onChange={(e) => set({ custom_status: e.target.value || undefined })}>
            <option value="">Any</option>
            {customStatuses.data.map((st) => (
              <option key={st.key} value={st.key}>
                {statusLabel(st.category)}: {st.label}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="filter-priority">Priority</label>
        <select id="filter-priority" value={search.priority ?? ""} onChange={(e) => set({ priority: e.target.value || undefined })}>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p || "Any"}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-assignee">Assignee</label>
        <select id="filter-assignee" value={search.assignee ?? ""} onChange={(e) => set({ assignee: e.target.value || undefined })}>
          <option value="">View default</option>
          <option value="me">Me</option>
          <option value="none">Unassigned</option>
          <NamedOptions items={staff.data} />
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-channel">Channel</label>
        <select id="filter-channel" value={search.channel ?? ""} onChange={(e) => set({ channel: e.target.value || undefined })}>
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {c || "Any"}
            </option>
          ))}
        </select>
      </div>
      {fields.data?.map((def) => {
        const control = barFilterControl(def);
        if (!control) return null;
        const key = `cf.${def.key}` as const;
        if (control !== "select")
          return (
            <TypedFieldFilter
              key={def.key}
              def={def}
              control={control}
              value={search[key] === undefined ? undefined : String(search[key])}
              // A number goes into the URL as a number (`cf.seats=250`; the router would quote the string "250").
              onChange={(value) => set({ [key]: control === "integer" && value !== undefined ? Number(value) : value })}
            />
          );
        const choices = def.type === "checkbox" ? [{ value: "true", label: "Yes" }, { value: "false", label: "No" }] : (def.options ?? []);
        return (
          <div className="field" key={def.key}>
            <label htmlFor={`filter-cf-${def.key}`}>{def.label}</label>
            <select id={`filter-cf-${def.key}`} value={String(search[key] ?? "")} onChange={(e) => set({ [key]: def.type === "checkbox" && e.target.value ? e.target.value === "true" : e.target.value || undefined })}>
              <option value="">Any</option>
              {choices.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </div>
        );
      })}
      <div className="field">
        <label htmlFor="filter-sort">Sort</label>
        <select id="filter-sort" value={search.sort ?? ""} onChange={(e) => set({ sort: e.target.value || undefined })}>
          <option value="">View default</option>
          {SORTS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </div>
    </form>
  );
}

function SaveSearch({ search }: { search: ListSearch }) {
  const client = useQueryClient();
  const [name, setName] = useState("");
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/api/v1/saved-searches", {
          body: {
            name: name || search.q!,
            query: search.q!,
            filters: {
              type: ["tickets"],
              ...(search.status ? { status: search.status.split(",") as never } : {}),
              ...(search.priority ? { priority: search.priority.split(",") as never } : {}),
            },
          },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ["saved-searches"] }),
  });
  if (!search.q || search.saved) return null;
  return (
    <form
      className="save-search"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <label htmlFor="save-search-name">Save this search as</label>
      <input id="save-search-name" value={name} placeholder={search.q} maxLength={100} onChange={(e) => setName(e.target.value)} />
      <button type="submit" className="secondary" disabled={save.isPending || save.isSuccess}>
        {save.isSuccess ? "Saved" : "Save"}
      </button>
      <ErrorAlert error={save.error} />
    </form>
  );
}

/** The list as it is (its view and filters, custom field filters included) as a tickets export. */
function listExport(title: string, query: Record<string, string>): ExportChoice {
  return { kind: "tickets", label: `The tickets of this list (${title}, with its filters)`, filters: exportFiltersFromList(query) };
}

export function TicketListPage() {
  const search = useSearch({ strict: false }) as ListSearch;
  const view = viewById(search.view);
  const title = search.q ? `Search: ${search.q}` : view.label;
  useDocumentTitle(title, CONSOLE);
  const query = ticketQuery(search);
  const staff = useStaff();
  const { user } = useSession();
  const mayExport = user?.role === "manager" || user?.role === "admin";
  const navigate = useNavigate();
  const tickets = useInfiniteQuery({
    queryKey: ["tickets", query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => ok(api.GET("/api/v1/tickets", { params: { query: { ...query, limit: 50, cursor: pageParam } as never } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows: Ticket[] = tickets.data?.pages.flatMap((p) => p.data as Ticket[]) ?? [];
  const [selected, setSelected] = useState(-1);
  const links = useRef<(HTMLAnchorElement | null)[]>([]);
  // Ticket ids checked for a bulk change (x or the row's checkbox), kept while the list refreshes.
  const [checked, toggle, setChecked] = useToggleSet();
  const checkedRows = rows.filter((t) => checked.has(t.id)).slice(0, MAX_BULK);
  const allChecked = rows.length > 0 && rows.every((t) => checked.has(t.id));

  useEffect(() => setSelected(-1), [JSON.stringify(query)]);
  const select = (index: number) => {
    setSelected(index);
    links.current[index]?.focus();
  };
  useShortcuts("list", {
    next: () => select(moveSelection(selected, 1, rows.length)),
    previous: () => select(moveSelection(selected, -1, rows.length)),
    open: () => {
      const t = rows[selected];
      if (t) void navigate({ to: "/tickets/$id", params: { id: t.id } });
    },
    toggle: () => {
      const t = rows[selected];
      if (t) toggle(t.id);
    },
  });

  return (
    <section aria-labelledby="list-title">
      <div className="page-head">
        <h1 id="list-title">{title}</h1>
        <p className="muted">
          <kbd>j</kbd>/<kbd>k</kbd> to move, <kbd>Enter</kbd> to open, <kbd>x</kbd> to select, <kbd>?</kbd> for all keys
        </p>
        {mayExport ? <ExportButton title={`Export: ${title}`} choices={[listExport(title, query)]} /> : null}
      </div>
      <Filters search={search} />
      <SaveSearch search={search} />
      <BulkBar
        selected={checkedRows}
        onClear={() => setChecked(new Set())}
        onDone={(changed) => setChecked((prev) => new Set([...prev].filter((id) => !changed.includes(id))))}
      />
      <ErrorAlert error={tickets.error} />
      {tickets.isPending ? <Spinner /> : null}
      {tickets.isSuccess && !rows.length ? <p className="empty">No tickets in this view.</p> : null}
      {rows.length ? (
        <table className="list tickets">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col" className="check-cell">
                <input
                  type="checkbox"
                  aria-label="Select all tickets shown"
                  checked={allChecked}
                  onChange={() => setChecked(allChecked ? new Set() : new Set(rows.slice(0, MAX_BULK).map((t) => t.id)))}
                />
              </th>
              <th scope="col">Subject</th>
              <th scope="col">Requester</th>
              <th scope="col">Status</th>
              <th scope="col">Priority</th>
              <th scope="col">SLA</th>
              <th scope="col">Assignee</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t, i) => (
              <tr key={t.id} aria-selected={i === selected} onClick={() => setSelected(i)}>
                <td className="check-cell">
                  <input type="checkbox" aria-label={`Select ${t.subject}`} checked={checked.has(t.id)} onChange={() => toggle(t.id)} />
                </td>
                <td>
                  <Link
                    to="/tickets/$id"
                    params={{ id: t.id }}
                    ref={(el) => {
                      links.current[i] = el;
                    }}
                    onFocus={() => setSelected(i)}
                  >
                    {t.subject}
                  </Link>
                  <div className="muted small">{t.number}</div>
                </td>
                <td>{t.requester.name}</td>
                <td>
                  <TicketStatusBadge ticket={t} />
                </td>
                <td>
                  <PriorityBadge priority={t.priority} />
                </td>
                <td>
                  <SlaBadges ticket={t} compact />
                </td>
                <td>{nameOf(staff.data, t.assignee_id)}</td>
                <td>
                  <TimeAgo iso={t.updated_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <LoadMore query={tickets} label="More tickets" />
    </section>
  );
}
