import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, ok } from "../../api/client";
import { ErrorAlert, Spinner } from "../../ui/components";
import { announceToScreenReader, useDocumentTitle } from "../../ui/hooks";
import { CONSOLE } from "../Layout";

type Preferences = Record<string, { in_app: boolean; email: boolean }>;

/** What each notification type means to the person getting it. */
const TYPE_LABELS: Record<string, string> = {
  assigned: "A ticket is assigned to me",
  requester_replied: "The requester of a ticket I hold replies",
  mentioned: "Someone @mentions me in an internal note",
  sla_at_risk: "A ticket I hold is at risk of breaching its SLA",
  sla_breached: "A ticket I hold breached its SLA",
  rule: "A rule notifies me",
  agent_replied: "Staff reply on my ticket",
  ticket_resolved: "My ticket is resolved",
};

/** Every staff member: which notifications reach the bell and which also come by mail (GET|PUT /me/notification-preferences). */
export function NotificationPreferencesPage() {
  useDocumentTitle("Notification preferences", CONSOLE);
  const client = useQueryClient();
  const prefs = useQuery({
    queryKey: ["notification-preferences"],
    queryFn: async () => (await ok(api.GET("/api/v1/me/notification-preferences"))) as Preferences,
  });
  const [draft, setDraft] = useState<Preferences | null>(null);
  useEffect(() => {
    if (prefs.data && !draft) setDraft(prefs.data);
  }, [prefs.data, draft]);
  const save = useMutation({
    mutationFn: (body: Preferences) => ok(api.PUT("/api/v1/me/notification-preferences", { body })) as Promise<Preferences>,
    onSuccess: (saved) => {
      client.setQueryData(["notification-preferences"], saved);
      setDraft(saved);
      announceToScreenReader("Preferences saved");
    },
  });
  const set = (type: string, channel: "in_app" | "email", on: boolean) => setDraft((d) => (d ? { ...d, [type]: { ...d[type]!, [channel]: on } } : d));
  return (
    <section aria-labelledby="prefs-title">
      <h1 id="prefs-title">Notification preferences</h1>
      <ErrorAlert error={prefs.error ?? save.error} />
      {!draft ? (
        <Spinner />
      ) : (
        <form
          className="card"
          aria-labelledby="prefs-title"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate(draft);
          }}
        >
          <table className="list">
            <caption className="visually-hidden">Where each notification reaches you</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">In the console</th>
                <th scope="col">By email</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(draft).map(([type, p]) => {
                const label = TYPE_LABELS[type] ?? type.replace(/_/g, " ");
                return (
                  <tr key={type}>
                    <th scope="row">{label}</th>
                    <td>
                      <input type="checkbox" aria-label={`${label}: in the console`} checked={p.in_app} onChange={(e) => set(type, "in_app", e.target.checked)} />
                    </td>
                    <td>
                      <input type="checkbox" aria-label={`${label}: by email`} checked={p.email} onChange={(e) => set(type, "email", e.target.checked)} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="composer-actions">
            <button type="submit" disabled={save.isPending}>
              Save preferences
            </button>
            {save.isSuccess ? <span role="status">Saved.</span> : null}
          </div>
        </form>
      )}
    </section>
  );
}
