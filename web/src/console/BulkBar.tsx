import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { api, ok, type Schemas, type Ticket } from "../api/client";
import { bulkChanges, EMPTY_BULK as EMPTY, PRIORITIES, STATUSES, type BulkDraft as Draft } from "../lib/automation";
import { statusLabel } from "../lib/format";
import { ErrorAlert } from "../ui/components";
import { announceToScreenReader, useSession } from "../ui/hooks";
import { putTicket } from "../ui/live";
import { idempotencyKey } from "../ui/queries";
import { NamedOptions, useStaff } from "./directory";
import { useMacros } from "./MacroPanel";

type BulkResult = Schemas["BulkResult"]["results"][number];

/** What each per-ticket status of a bulk answer means to the agent (API.md "Bulk"). */
const OUTCOME: Record<number, string> = {
  200: "Changed",
  403: "Not allowed",
  404: "Not found",
  409: "Changed by someone else meanwhile",
  422: "Not possible",
};

/**
 * A bulk change of the selected tickets (up to 100): status, priority, assignee, tags or a macro, each
 * ticket in its own write with the agent's rights and its version (changed meanwhile: 409), and then
 * what happened to each one.
 */
export function BulkBar({ selected, onDone, onClear }: { selected: Ticket[]; onDone: (changed: string[]) => void; onClear: () => void }) {
  const client = useQueryClient();
  const { user } = useSession();
  const staff = useStaff();
  const macros = useMacros();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [results, setResults] = useState<{ rows: BulkResult[]; names: Map<string, Ticket> } | null>(null);
  const bulk = useMutation({
    mutationFn: (tickets: Ticket[]) =>
      ok(
        api.POST("/api/v1/tickets/bulk", {
          params: { header: { "idempotency-key": idempotencyKey() } },
          body: {
            ids: tickets.map((t) => ({ id: t.id, version: t.version })),
            changes: bulkChanges(draft, user?.id) as never,
            ...(draft.macro ? { macro_id: draft.macro } : {}),
          },
        }),
      ),
    onSuccess: (answer, tickets) => {
      const names = new Map(tickets.map((t) => [t.id, t]));
      setResults({ rows: answer.results, names });
      for (const r of answer.results) if (r.ticket) putTicket(client, r.ticket as Ticket);
      const changed = answer.results.filter((r) => r.status === 200).map((r) => r.id);
      const failed = answer.results.length - changed.length;
      announceToScreenReader(`${changed.length} changed${failed ? `, ${failed} not changed` : ""}`);
      setDraft(EMPTY);
      onDone(changed);
      void client.invalidateQueries({ queryKey: ["tickets"] });
    },
  });
  const assignsAnyone = user?.role === "manager" || user?.role === "admin";
  const nothing = !Object.keys(bulkChanges(draft, user?.id)).length && !draft.macro;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setResults(null);
    bulk.mutate(selected);
  };
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  return (
    <>
      {selected.length ? (
        <form className="bulk-bar card" aria-labelledby="bulk-title" onSubmit={submit}>
          <h2 id="bulk-title">
            Change {selected.length} selected {selected.length === 1 ? "ticket" : "tickets"}
          </h2>
          <div className="filters">
            <div className="field">
              <label htmlFor="bulk-status">Status</label>
              <select id="bulk-status" value={draft.status} onChange={(e) => set({ status: e.target.value })}>
                <option value="">No change</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {statusLabel(s)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="bulk-priority">Priority</label>
              <select id="bulk-priority" value={draft.priority} onChange={(e) => set({ priority: e.target.value })}>
                <option value="">No change</option>
                {PRIORITIES.map((p) => (
                  <option key={p}>{p}</option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="bulk-assignee">Assignee</label>
              <select id="bulk-assignee" value={draft.assignee} onChange={(e) => set({ assignee: e.target.value })}>
                <option value="">No change</option>
                <option value="me">Me</option>
                {/* Agents may only take tickets themselves (API.md roles); the API would refuse each one. */}
                {assignsAnyone ? (
                  <>
                    <option value="none">Nobody (unassign)</option>
                    <NamedOptions items={staff.data?.filter((u) => u.id !== user?.id)} />
                  </>
                ) : null}
              </select>
            </div>
            <div className="field">
              <label htmlFor="bulk-add-tags">Add tags</label>
              <input id="bulk-add-tags" value={draft.addTags} placeholder="vip, billing" onChange={(e) => set({ addTags: e.target.value })} />
            </div>
            <div className="field">
              <label htmlFor="bulk-remove-tags">Remove tags</label>
              <input id="bulk-remove-tags" value={draft.removeTags} onChange={(e) => set({ removeTags: e.target.value })} />
            </div>
            {macros.data?.length ? (
              <div className="field">
                <label htmlFor="bulk-macro">Macro</label>
                <select id="bulk-macro" value={draft.macro} onChange={(e) => set({ macro: e.target.value })}>
                  <option value="">None</option>
                  {macros.data.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name}
                    </option>
                  ))}
                </select>
              </div>
            ) : null}
          </div>
          <div className="composer-actions">
            <button type="submit" disabled={nothing || bulk.isPending}>
              Apply to {selected.length} {selected.length === 1 ? "ticket" : "tickets"}
            </button>
            <button type="button" className="secondary" onClick={onClear}>
              Clear selection
            </button>
          </div>
          <ErrorAlert error={bulk.error} />
        </form>
      ) : null}
      {results ? (
        <section className="card bulk-results" aria-labelledby="bulk-results-title">
          <div className="page-head">
            <h2 id="bulk-results-title">
              Bulk change: {results.rows.filter((r) => r.status === 200).length} of {results.rows.length} changed
            </h2>
            <button type="button" className="secondary" onClick={() => setResults(null)}>
              Dismiss
            </button>
          </div>
          <table className="list">
            <caption className="visually-hidden">What happened to each ticket</caption>
            <thead>
              <tr>
                <th scope="col">Ticket</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {results.rows.map((r) => {
                const t = results.names.get(r.id);
                return (
                  <tr key={r.id} className={r.status === 200 ? "bulk-ok" : "bulk-failed"}>
                    <td>
                      <Link to="/tickets/$id" params={{ id: r.id }}>
                        {t ? `${t.number} ${t.subject}` : r.id}
                      </Link>
                    </td>
                    <td>
                      <span className={`badge ${r.status === 200 ? "sla-ok" : "sla-breached"}`}>{OUTCOME[r.status] ?? `Failed (${r.status})`}</span>
                      {r.error ? <span className="small"> {r.error.detail}</span> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      ) : null}
    </>
  );
}
