import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, ok, type Schemas } from "../../api/client";
import { ErrorAlert, Spinner } from "../../ui/components";
import { announceToScreenReader, useDocumentTitle } from "../../ui/hooks";
import { CONSOLE } from "../Layout";

type Template = Schemas["EmailTemplate"];
type Kind = Template["kind"];
const KINDS: { kind: Kind; label: string }[] = [
  { kind: "ticket_created", label: "Ticket received (to the requester)" },
  { kind: "reply", label: "A staff reply" },
  { kind: "ticket_resolved", label: "Ticket resolved" },
];

function TemplateEditor({ kind }: { kind: Kind }) {
  const client = useQueryClient();
  const template = useQuery({ queryKey: ["email-template", kind], queryFn: () => ok(api.GET("/api/v1/email-templates/{kind}", { params: { path: { kind } } })) as Promise<Template> });
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  useEffect(() => {
    if (template.data) {
      setSubject(template.data.subject);
      setBody(template.data.body);
    }
  }, [template.data]);
  const save = useMutation({
    mutationFn: () => ok(api.PUT("/api/v1/email-templates/{kind}", { params: { path: { kind } }, body: { subject, body } })),
    onSuccess: () => {
      announceToScreenReader("Template saved");
      void client.invalidateQueries({ queryKey: ["email-template", kind] });
    },
  });
  if (template.isPending) return <Spinner />;
  if (!template.data) return <ErrorAlert error={template.error} />;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <ErrorAlert error={save.error} />
      <p className="muted">
        {template.data.customised ? "Customised" : "The default text"}. Placeholders:{" "}
        {template.data.variables.map((v) => (
          <code key={v}>{`{{${v}}}`} </code>
        ))}
      </p>
      <div className="field">
        <label htmlFor="template-subject">Subject</label>
        <input id="template-subject" required maxLength={200} value={subject} onChange={(e) => setSubject(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="template-body">Body</label>
        <textarea id="template-body" required rows={12} maxLength={20_000} value={body} onChange={(e) => setBody(e.target.value)} />
      </div>
      <button type="submit" disabled={save.isPending}>
        Save template
      </button>
    </form>
  );
}

export function EmailTemplatesPage() {
  useDocumentTitle("Email templates", CONSOLE);
  const [kind, setKind] = useState<Kind>("ticket_created");
  return (
    <section aria-labelledby="templates-title">
      <h1 id="templates-title">Email templates</h1>
      <div className="field">
        <label htmlFor="template-kind">Mail</label>
        <select id="template-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </div>
      <TemplateEditor key={kind} kind={kind} />
    </section>
  );
}
