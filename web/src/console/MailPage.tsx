import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api, ok, type Schemas } from "../api/client";
import { ErrorAlert, Spinner, TimeAgo } from "../ui/components";
import { announceToScreenReader, useDocumentTitle, useSession } from "../ui/hooks";
import { LoadMore } from "../ui/mount";
import { CONSOLE } from "./Layout";

type Held = Schemas["QuarantinedMail"];

function HeldMail({ mail, canDecide }: { mail: Held; canDecide: boolean }) {
  const client = useQueryClient();
  const decide = useMutation({
    mutationFn: (decision: "release" | "reject") =>
      ok(api.POST(decision === "release" ? "/api/v1/mail/quarantine/{id}/release" : "/api/v1/mail/quarantine/{id}/reject", { params: { path: { id: mail.id } } })),
    onSuccess: (_, decision) => {
      announceToScreenReader(decision === "release" ? "Released" : "Rejected");
      void client.invalidateQueries({ queryKey: ["quarantine"] });
    },
  });
  return (
    <li className="card held-mail">
      <h2>{mail.subject || "(no subject)"}</h2>
      <p className="muted">
        From {mail.from_name ? `${mail.from_name} ` : ""}&lt;{mail.from ?? "unknown"}&gt;, <TimeAgo iso={mail.created_at} />. {mail.status === "failed" ? "Could not be stored." : "Held"}
        {mail.failed_check ? `: ${mail.failed_check}` : mail.reason ? `: ${mail.reason}` : ""}.
        {mail.ticket_id ? (
          <>
            {" "}
            Ticket: <Link to="/tickets/$id" params={{ id: mail.ticket_id }}>open</Link>.
          </>
        ) : null}
      </p>
      <pre className="mail-text">{mail.text.slice(0, 2000)}</pre>
      <ErrorAlert error={decide.error} />
      {canDecide && mail.status === "quarantined" ? (
        <div className="property-actions">
          <button type="button" onClick={() => decide.mutate("release")} disabled={decide.isPending}>
            Release<span className="visually-hidden"> {mail.subject}</span>
          </button>
          <button type="button" className="secondary" onClick={() => decide.mutate("reject")} disabled={decide.isPending}>
            Reject<span className="visually-hidden"> {mail.subject}</span>
          </button>
        </div>
      ) : null}
    </li>
  );
}

/** Mail held by sender authentication, and mail that could not be stored (API: /mail/quarantine). */
export function MailPage() {
  useDocumentTitle("Held mail", CONSOLE);
  const { user } = useSession();
  const held = useInfiniteQuery({
    queryKey: ["quarantine"],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => ok(api.GET("/api/v1/mail/quarantine", { params: { query: { limit: 25, cursor: pageParam } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = held.data?.pages.flatMap((p) => p.data as Held[]) ?? [];
  const canDecide = user?.role === "manager" || user?.role === "admin";
  return (
    <section aria-labelledby="mail-title">
      <h1 id="mail-title">Held mail</h1>
      <p className="muted">Mail whose sender could not be authenticated waits here; managers release it (it acts as its customer sender, never as staff) or reject it.</p>
      <ErrorAlert error={held.error} />
      {held.isPending ? <Spinner /> : null}
      {held.isSuccess && !rows.length ? <p className="empty">No mail is held.</p> : null}
      <ul className="plain-list">
        {rows.map((m) => (
          <HeldMail key={m.id} mail={m} canDecide={canDecide} />
        ))}
      </ul>
      <LoadMore query={held} label="More held mail" />
    </section>
  );
}
