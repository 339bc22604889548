import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ok, type Schemas } from "../../api/client";
import { ErrorAlert, Spinner, TimeAgo } from "../../ui/components";
import { announceToScreenReader, useDocumentTitle } from "../../ui/hooks";
import { LoadMore } from "../../ui/mount";
import { CONSOLE } from "../Layout";

type Webhook = Schemas["Webhook"];
type Delivery = Schemas["WebhookDelivery"];
type EventType = Schemas["CreateWebhook"]["events"][number];

/** The ticket events a webhook may subscribe to (API.md "Webhook"), with what each means to an admin. */
const EVENTS: { type: EventType; label: string }[] = [
  { type: "ticket.created", label: "Ticket created" },
  { type: "ticket.updated", label: "Ticket updated" },
  { type: "ticket.assigned", label: "Ticket assigned" },
  { type: "comment.created", label: "Comment added" },
  { type: "ticket.deleted", label: "Ticket deleted" },
  { type: "sla.breached", label: "SLA breached" },
  { type: "sla.at_risk", label: "SLA at risk" },
];

/** A secret is shown once (on create and rotate): kept on screen until the admin dismisses it. */
function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <div className="alert warning" role="alert">
      <p>
        Signing secret (shown this once; verify deliveries with any Standard Webhooks library): <code data-testid="webhook-secret">{secret}</code>
      </p>
      <button type="button" className="secondary" onClick={onDone}>
        I have stored it
      </button>
    </div>
  );
}

function EventBoxes({ id, events, onChange }: { id: string; events: string[]; onChange: (e: EventType[]) => void }) {
  return (
    <fieldset className="members">
      <legend>Events</legend>
      {EVENTS.map((e) => (
        <label key={e.type} className="checkbox" htmlFor={`${id}-${e.type}`}>
          <input
            id={`${id}-${e.type}`}
            type="checkbox"
            checked={events.includes(e.type)}
            onChange={(ev) => onChange((ev.target.checked ? [...events, e.type] : events.filter((x) => x !== e.type)) as EventType[])}
          />{" "}
          {e.label} <code className="muted small">{e.type}</code>
        </label>
      ))}
    </fieldset>
  );
}

function NewWebhook({ onSecret }: { onSecret: (s: string) => void }) {
  const client = useQueryClient();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<EventType[]>(["ticket.created", "ticket.updated", "comment.created"]);
  const [includeInternal, setIncludeInternal] = useState(false);
  const create = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/webhooks", { body: { url, events, include_internal: includeInternal, active: true, description } })),
    onSuccess: (hook) => {
      onSecret(hook.secret);
      setUrl("");
      setDescription("");
      announceToScreenReader("Webhook added");
      void client.invalidateQueries({ queryKey: ["webhooks"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="card" aria-labelledby="new-webhook-title" onSubmit={submit}>
      <h2 id="new-webhook-title">New webhook</h2>
      <ErrorAlert error={create.error} />
      <div className="field">
        <label htmlFor="new-webhook-url">Endpoint URL</label>
        <input id="new-webhook-url" type="url" required maxLength={2048} value={url} onChange={(e) => setUrl(e.target.value)} aria-describedby="new-webhook-url-hint" />
        <p className="hint" id="new-webhook-url-hint">
          https:// to a public host; each delivery is a signed POST (Standard Webhooks), retried for a day when it fails.
        </p>
      </div>
      <div className="field">
        <label htmlFor="new-webhook-description">Description</label>
        <input id="new-webhook-description" maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <EventBoxes id="new-webhook" events={events} onChange={setEvents} />
      <label className="checkbox" htmlFor="new-webhook-internal">
        <input id="new-webhook-internal" type="checkbox" checked={includeInternal} onChange={(e) => setIncludeInternal(e.target.checked)} /> Include internal notes and fields only staff see
      </label>
      <button type="submit" disabled={create.isPending || !events.length}>
        Add webhook
      </button>
    </form>
  );
}

function Deliveries({ hook }: { hook: Webhook }) {
  const client = useQueryClient();
  const [status, setStatus] = useState("");
  const deliveries = useInfiniteQuery({
    queryKey: ["webhook-deliveries", hook.id, status],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      ok(api.GET("/api/v1/webhooks/{id}/deliveries", { params: { path: { id: hook.id }, query: { limit: 20, cursor: pageParam, ...(status ? { status: status as Delivery["status"] } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const redeliver = useMutation({
    mutationFn: (delivery: string) => ok(api.POST("/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", { params: { path: { id: hook.id, delivery_id: delivery } } })),
    onSuccess: () => {
      announceToScreenReader("Sent again");
      void client.invalidateQueries({ queryKey: ["webhook-deliveries", hook.id] });
    },
  });
  const rows = deliveries.data?.pages.flatMap((p) => p.data as Delivery[]) ?? [];
  return (
    <div>
      <div className="field">
        <label htmlFor={`deliveries-status-${hook.id}`}>Deliveries</label>
        <select id={`deliveries-status-${hook.id}`} value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">All</option>
          {["pending", "delivered", "retrying", "failed"].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </div>
      <ErrorAlert error={deliveries.error ?? redeliver.error} />
      {deliveries.isPending ? <Spinner /> : null}
      {deliveries.isSuccess && !rows.length ? <p className="empty">No deliveries yet.</p> : null}
      {rows.length ? (
        <table className="list">
          <caption className="visually-hidden">Deliveries of {hook.url}</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Answer</th>
              <th scope="col">When</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td>
                  <code>{d.type}</code>
                </td>
                <td>
                  <span className={`badge delivery-${d.status}`}>{d.status}</span>
                </td>
                <td>{d.attempts}</td>
                <td>
                  {d.last_status_code ?? "—"}
                  {d.last_error ? <div className="muted small">{d.last_error}</div> : null}
                  {d.duration_ms !== null ? <div className="muted small">{d.duration_ms} ms</div> : null}
                </td>
                <td>
                  <TimeAgo iso={d.created_at} />
                </td>
                <td>
                  <button type="button" className="secondary" disabled={redeliver.isPending} onClick={() => redeliver.mutate(d.id)}>
                    Send again
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <LoadMore query={deliveries} label="More deliveries" />
    </div>
  );
}

function WebhookCard({ hook, onSecret }: { hook: Webhook; onSecret: (s: string) => void }) {
  const client = useQueryClient();
  const [events, setEvents] = useState<EventType[]>(hook.events as EventType[]);
  const [showLog, setShowLog] = useState(false);
  const refresh = () => void client.invalidateQueries({ queryKey: ["webhooks"] });
  const patch = useMutation({
    mutationFn: (body: Schemas["PatchWebhook"]) => ok(api.PATCH("/api/v1/webhooks/{id}", { params: { path: { id: hook.id } }, body })),
    onSuccess: () => (announceToScreenReader("Webhook saved"), refresh()),
  });
  const test = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/webhooks/{id}/test", { params: { path: { id: hook.id } } })),
    onSuccess: (d) => {
      announceToScreenReader(`Test ping: ${d.status}`);
      void client.invalidateQueries({ queryKey: ["webhook-deliveries", hook.id] });
    },
  });
  const rotate = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/webhooks/{id}/rotate-secret", { params: { path: { id: hook.id } } })),
    onSuccess: (h) => onSecret(h.secret),
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/api/v1/webhooks/{id}", { params: { path: { id: hook.id } } })),
    onSuccess: () => (announceToScreenReader("Webhook deleted"), refresh()),
  });
  const id = `webhook-${hook.id}`;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="break">
        {hook.url}
      </h2>
      <p className="muted">
        {hook.description || "No description"} · {hook.include_internal ? "includes internal notes" : "public traffic only"} ·{" "}
        {hook.active ? "active" : `disabled${hook.disabled_reason ? `: ${hook.disabled_reason}` : ""}`}
        {hook.failing_since ? (
          <>
            {" "}
            · failing since <TimeAgo iso={hook.failing_since} />
          </>
        ) : null}
      </p>
      <ErrorAlert error={patch.error ?? test.error ?? rotate.error ?? remove.error} />
      {test.data ? (
        <p role="status">
          Test ping: {test.data.status}
          {test.data.last_status_code ? ` (HTTP ${test.data.last_status_code})` : ""}
          {test.data.last_error ? ` — ${test.data.last_error}` : ""}
        </p>
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          patch.mutate({ events });
        }}
      >
        <EventBoxes id={id} events={events} onChange={setEvents} />
        <div className="composer-actions">
          <button type="submit" disabled={patch.isPending || !events.length}>
            Save events
          </button>
          <button type="button" className="secondary" onClick={() => patch.mutate({ active: !hook.active })}>
            {hook.active ? "Disable" : "Enable"}
          </button>
          <button type="button" className="secondary" disabled={test.isPending} onClick={() => test.mutate()}>
            Send test ping
          </button>
          <button type="button" className="secondary" onClick={() => rotate.mutate()}>
            Rotate secret
          </button>
          <button type="button" className="secondary" aria-expanded={showLog} onClick={() => setShowLog((s) => !s)}>
            {showLog ? "Hide deliveries" : "Show deliveries"}
          </button>
          <button type="button" className="danger" onClick={() => window.confirm(`Delete the webhook to ${hook.url}?`) && remove.mutate()}>
            Delete
          </button>
        </div>
      </form>
      {showLog ? <Deliveries hook={hook} /> : null}
    </section>
  );
}

/** Admins: webhooks (API.md "Webhook"): endpoints, their events, test pings, secrets and the delivery log. */
export function WebhooksPage() {
  useDocumentTitle("Webhooks", CONSOLE);
  const [secret, setSecret] = useState<string | null>(null);
  const hooks = useQuery({
    queryKey: ["webhooks"],
    queryFn: async () => (await ok(api.GET("/api/v1/webhooks", { params: { query: { limit: 100 } } }))).data as Webhook[],
  });
  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      {secret ? <SecretOnce secret={secret} onDone={() => setSecret(null)} /> : null}
      <ErrorAlert error={hooks.error} />
      {hooks.isPending ? (
        <Spinner />
      ) : (
        <div className="card-grid">
          <NewWebhook onSecret={setSecret} />
          {hooks.data?.map((h) => (
            <WebhookCard key={h.id} hook={h} onSecret={setSecret} />
          ))}
        </div>
      )}
    </section>
  );
}
