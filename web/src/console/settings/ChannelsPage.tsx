import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ok, type Schemas } from "../../api/client";
import { ErrorAlert, Spinner } from "../../ui/components";
import { announceToScreenReader, useDocumentTitle } from "../../ui/hooks";
import { CONSOLE } from "../Layout";
import { DeliveryLog } from "./WebhooksPage";

type Channel = Schemas["Channel"];
type Kind = Schemas["CreateChannel"]["kind"];

const KINDS: { kind: Kind; label: string }[] = [
  { kind: "phone", label: "Phone system" },
  { kind: "social", label: "Social inbox" },
  { kind: "api", label: "Other system (API)" },
];
/** The API gives the inbound path; the system outside needs the whole address. */
const inboundAddress = (path: string) => new URL(path, location.origin).href;
const kindLabel = (k: string) => KINDS.find((x) => x.kind === k)?.label ?? k;

/** The inbound address and, once, the secret the channel signs its calls with (Standard Webhooks). */
function Connected({ channel, secret, onDone }: { channel: { name: string; inbound_url: string }; secret: string; onDone: () => void }) {
  return (
    <div className="alert warning" role="alert">
      <p>
        <strong>{channel.name}</strong>: the system POSTs its messages to <code className="break" data-testid="channel-inbound-url">{inboundAddress(channel.inbound_url)}</code>, signed with this secret
        (shown this once; Standard Webhooks headers): <code data-testid="channel-secret">{secret}</code>
      </p>
      <button type="button" className="secondary" onClick={onDone}>
        I have stored it
      </button>
    </div>
  );
}

function NewChannel({ onSecret }: { onSecret: (c: Schemas["ChannelWithSecret"]) => void }) {
  const client = useQueryClient();
  const [kind, setKind] = useState<Kind>("phone");
  const [name, setName] = useState("");
  const [outbound, setOutbound] = useState("");
  const create = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/channels", { body: { kind, name, ...(outbound.trim() ? { outbound_url: outbound.trim() } : {}) } })),
    onSuccess: (c) => {
      onSecret(c);
      setName("");
      setOutbound("");
      announceToScreenReader("Channel connected");
      void client.invalidateQueries({ queryKey: ["channels"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="card" aria-labelledby="new-channel-title" onSubmit={submit}>
      <h2 id="new-channel-title">Connect a channel</h2>
      <ErrorAlert error={create.error} />
      <div className="field">
        <label htmlFor="new-channel-kind">Kind</label>
        <select id="new-channel-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="new-channel-name">Name</label>
        <input id="new-channel-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="new-channel-outbound">Replies go to (optional)</label>
        <input id="new-channel-outbound" type="url" maxLength={2048} value={outbound} onChange={(e) => setOutbound(e.target.value)} aria-describedby="new-channel-outbound-hint" />
        <p className="hint" id="new-channel-outbound-hint">
          https:// to a public host: staff replies on this channel's tickets are POSTed there, signed, with the webhook retry rules. Empty: replies stay in edgedesk.
        </p>
      </div>
      <button type="submit" disabled={create.isPending}>
        Connect channel
      </button>
    </form>
  );
}

function ChannelCard({ channel, onSecret }: { channel: Channel; onSecret: (c: Schemas["ChannelWithSecret"]) => void }) {
  const client = useQueryClient();
  const [name, setName] = useState(channel.name);
  const [outbound, setOutbound] = useState(channel.outbound_url ?? "");
  const [showLog, setShowLog] = useState(false);
  const refresh = () => void client.invalidateQueries({ queryKey: ["channels"] });
  const patch = useMutation({
    mutationFn: (body: Schemas["PatchChannel"]) => ok(api.PATCH("/api/v1/channels/{id}", { params: { path: { id: channel.id } }, body })),
    onSuccess: () => (announceToScreenReader("Channel saved"), refresh()),
  });
  const rotate = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/channels/{id}/rotate-secret", { params: { path: { id: channel.id } } })),
    onSuccess: (c) => onSecret(c),
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/api/v1/channels/{id}", { params: { path: { id: channel.id } } })),
    onSuccess: () => (announceToScreenReader("Channel disconnected"), refresh()),
  });
  const id = `channel-${channel.id}`;
  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid="channel-card">
      <h2 id={`${id}-title`} className="break">
        {channel.name}
      </h2>
      <p className="muted">
        {kindLabel(channel.kind)} · {channel.active ? "active" : "off: its calls are refused"} · inbound <code className="break">{inboundAddress(channel.inbound_url)}</code>
      </p>
      <ErrorAlert error={patch.error ?? rotate.error ?? remove.error} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          patch.mutate({ name, outbound_url: outbound.trim() || null });
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-outbound`}>Replies go to</label>
          <input id={`${id}-outbound`} type="url" maxLength={2048} value={outbound} placeholder="nowhere (replies stay in edgedesk)" onChange={(e) => setOutbound(e.target.value)} />
        </div>
        <div className="composer-actions">
          <button type="submit" disabled={patch.isPending}>
            Save
          </button>
          <button type="button" className="secondary" onClick={() => patch.mutate({ active: !channel.active })}>
            {channel.active ? "Switch off" : "Switch on"}
          </button>
          <button type="button" className="secondary" onClick={() => rotate.mutate()}>
            Rotate secret
          </button>
          {channel.outbound_url ? (
            <button type="button" className="secondary" aria-expanded={showLog} onClick={() => setShowLog((s) => !s)}>
              {showLog ? "Hide replies sent" : "Show replies sent"}
            </button>
          ) : null}
          <button type="button" className="danger" onClick={() => window.confirm(`Disconnect ${channel.name}? Its tickets stay.`) && remove.mutate()}>
            Disconnect
          </button>
        </div>
      </form>
      {showLog ? (
        <DeliveryLog
          owner={channel.id}
          caption={`Replies sent to ${channel.name}`}
          load={(cursor, status) => ok(api.GET("/api/v1/channels/{id}/deliveries", { params: { path: { id: channel.id }, query: { limit: 20, cursor, ...(status ? { status } : {}) } } }))}
          resend={(d) => ok(api.POST("/api/v1/channels/{id}/deliveries/{delivery_id}/redeliver", { params: { path: { id: channel.id, delivery_id: d } } }))}
        />
      ) : null}
    </section>
  );
}

/** Admins: channels (API.md "Channel API"): phone systems, social inboxes and other systems that open tickets and get replies. */
export function ChannelsPage() {
  useDocumentTitle("Channels", CONSOLE);
  const [connected, setConnected] = useState<Schemas["ChannelWithSecret"] | null>(null);
  const channels = useQuery({
    queryKey: ["channels"],
    queryFn: async () => (await ok(api.GET("/api/v1/channels", { params: { query: { limit: 100 } } }))).data as Channel[],
  });
  return (
    <section aria-labelledby="channels-title">
      <h1 id="channels-title">Channels</h1>
      <p className="muted">Each message a channel POSTs opens a ticket or continues its thread's ticket; the same message twice counts once.</p>
      {connected ? <Connected channel={connected} secret={connected.secret} onDone={() => setConnected(null)} /> : null}
      <ErrorAlert error={channels.error} />
      {channels.isPending ? (
        <Spinner />
      ) : (
        <div className="card-grid">
          <NewChannel onSecret={setConnected} />
          {channels.data?.map((c) => (
            <ChannelCard key={c.id} channel={c} onSecret={setConnected} />
          ))}
        </div>
      )}
    </section>
  );
}
