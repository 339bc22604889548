import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ok, type Schemas } from "../../api/client";
import { ErrorAlert, Spinner } from "../../ui/components";
import { announceToScreenReader, useDocumentTitle } from "../../ui/hooks";
import { CONSOLE } from "../Layout";

type Policy = Schemas["SlaPolicy"];
const TARGETS = [
  ["first_response_minutes", "First response"],
  ["next_response_minutes", "Next response"],
  ["resolution_minutes", "Resolution"],
  ["escalation_minutes", "Escalation"],
] as const;

function PolicyRow({ policy }: { policy: Policy }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState(policy);
  const save = useMutation({
    mutationFn: () => {
      const { name, ...rest } = draft;
      return ok(api.PUT("/api/v1/sla-policies/{name}", { params: { path: { name } }, body: rest }));
    },
    onSuccess: () => {
      announceToScreenReader(`Policy ${policy.name} saved`);
      void client.invalidateQueries({ queryKey: ["sla-policies"] });
    },
  });
  const changed = JSON.stringify(draft) !== JSON.stringify(policy);
  return (
    <tr>
      <th scope="row">
        {policy.name}
        <div className="muted small">
          {policy.priority}
          {policy.category ? ` · ${policy.category}` : ""}
          {policy.channel ? ` · ${policy.channel}` : ""}
        </div>
      </th>
      {TARGETS.map(([field, label]) => (
        <td key={field}>
          <label htmlFor={`${policy.name}-${field}`} className="visually-hidden">
            {label} minutes of {policy.name}
          </label>
          <input
            id={`${policy.name}-${field}`}
            type="number"
            min={1}
            value={draft[field]}
            onChange={(e) => setDraft({ ...draft, [field]: Number(e.target.value) })}
          />
        </td>
      ))}
      <td>
        <label className="checkbox">
          <input type="checkbox" checked={draft.business_hours} onChange={(e) => setDraft({ ...draft, business_hours: e.target.checked })} /> business hours
          <span className="visually-hidden"> for {policy.name}</span>
        </label>
      </td>
      <td>
        <button type="button" disabled={!changed || save.isPending} onClick={() => save.mutate()}>
          Save<span className="visually-hidden"> {policy.name}</span>
        </button>
        <ErrorAlert error={save.error} />
      </td>
    </tr>
  );
}

export function SlaPage() {
  useDocumentTitle("SLA policies", CONSOLE);
  const policies = useQuery({ queryKey: ["sla-policies"], queryFn: async () => (await ok(api.GET("/api/v1/sla-policies"))).data as Policy[] });
  return (
    <section aria-labelledby="sla-title">
      <h1 id="sla-title">SLA policies</h1>
      <p className="muted">Targets in minutes. Changes apply to tickets created or re-prioritised afterwards.</p>
      <ErrorAlert error={policies.error} />
      {policies.isPending ? (
        <Spinner />
      ) : (
        <table className="list settings-table">
          <caption className="visually-hidden">SLA policies</caption>
          <thead>
            <tr>
              <th scope="col">Policy</th>
              {TARGETS.map(([field, label]) => (
                <th scope="col" key={field}>
                  {label}
                </th>
              ))}
              <th scope="col">Clock</th>
              <th scope="col">Save</th>
            </tr>
          </thead>
          <tbody>
            {policies.data?.map((p) => (
              <PolicyRow key={`${p.name}-${JSON.stringify(p)}`} policy={p} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
