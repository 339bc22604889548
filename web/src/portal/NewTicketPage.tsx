import { useQueryClient } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { useRef, useState, type FormEvent } from "react";
import { api, ApiError, ok, uploadFiles, type Ticket } from "../api/client";
import { fieldEdits, toDraft, type FieldDraft } from "../lib/custom-fields";
import { ErrorAlert } from "../ui/components";
import { FieldInput, useTicketFields } from "../ui/CustomFields";
import { useDocumentTitle } from "../ui/hooks";
import { idempotencyKey } from "../ui/queries";
import { SuggestedArticles } from "../ui/SuggestedArticles";
import { PORTAL } from "./Layout";

export function NewTicketPage() {
  useDocumentTitle("New ticket", PORTAL);
  const search = useSearch({ strict: false }) as { subject?: string; description?: string };
  const [subject, setSubject] = useState(search.subject ?? "");
  const [description, setDescription] = useState(search.description ?? "");
  const [priority, setPriority] = useState<"low" | "medium" | "high" | "critical">("medium");
  const [fieldDrafts, setFieldDrafts] = useState<Record<string, FieldDraft>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const files = useRef<HTMLInputElement>(null);
  const key = useRef(idempotencyKey());
  const navigate = useNavigate();
  const client = useQueryClient();
  // The fields customers fill in themselves (the list holds only those they may see).
  const editable = (useTicketFields().data ?? []).filter((d) => d.customer_editable);
  const custom = fieldEdits(editable, {}, fieldDrafts);
  const serverError = (key: string) => (error instanceof ApiError ? error.fieldErrors[`custom_fields.${key}`]?.[0] : undefined);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (Object.keys(custom.errors).length) return;
    setBusy(true);
    setError(null);
    try {
      const ticket = (await ok(
        api.POST("/api/v1/tickets", { body: { subject, description, priority, channel: "web", tags: [], ...(Object.keys(custom.edits).length ? { custom_fields: custom.edits } : {}) }, params: { header: { "idempotency-key": key.current } } }),
      )) as Ticket;
      const chosen = [...(files.current?.files ?? [])];
      if (chosen.length) await uploadFiles(ticket.id, chosen);
      void client.invalidateQueries({ queryKey: ["my-tickets"] });
      await navigate({ to: "/tickets/$id", params: { id: ticket.id } });
    } catch (err) {
      if (err instanceof ApiError && err.status !== 409) key.current = idempotencyKey();
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="new-title">
      <h1 id="new-title">New ticket</h1>
      <form onSubmit={submit}>
        <ErrorAlert error={error} />
        <div className="field">
          <label htmlFor="ticket-subject">Subject</label>
          <input id="ticket-subject" required maxLength={200} value={subject} onChange={(e) => setSubject(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="ticket-description">How can we help?</label>
          <textarea id="ticket-description" required rows={8} maxLength={50_000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </div>
        <SuggestedArticles subject={subject} description={description} />
        <div className="field">
          <label htmlFor="ticket-priority">Priority</label>
          <select id="ticket-priority" value={priority} onChange={(e) => setPriority(e.target.value as typeof priority)}>
            <option value="low">Low</option>
            <option value="medium">Medium</option>
            <option value="high">High</option>
            <option value="critical">Critical</option>
          </select>
        </div>
        {editable.map((def) => (
          <FieldInput
            key={def.key}
            def={def}
            idPrefix="ticket-cf"
            draft={fieldDrafts[def.key] ?? toDraft(def, undefined)}
            onChange={(d) => setFieldDrafts((all) => ({ ...all, [def.key]: d }))}
            error={custom.errors[def.key] ?? serverError(def.key)}
          />
        ))}
        <div className="field">
          <label htmlFor="ticket-files">Attachments</label>
          <input id="ticket-files" type="file" multiple ref={files} aria-describedby="ticket-files-hint" />
          <p className="hint" id="ticket-files-hint">
            Up to 10 MB per file.
          </p>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Sending…" : "Send"}
        </button>
      </form>
    </section>
  );
}
