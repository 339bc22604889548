import { useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api, ok, type Ticket } from "../api/client";
import { TicketStatusBadge } from "../ui/CustomFields";
import { ErrorAlert, Spinner, TimeAgo } from "../ui/components";
import { useDocumentTitle } from "../ui/hooks";
import { LoadMore } from "../ui/mount";
import { PORTAL } from "./Layout";

export function TicketsPage() {
  useDocumentTitle("My tickets", PORTAL);
  const tickets = useInfiniteQuery({
    queryKey: ["my-tickets"],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => ok(api.GET("/api/v1/tickets", { params: { query: { sort: "-updated_at", limit: 25, cursor: pageParam } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows: Ticket[] = tickets.data?.pages.flatMap((p) => p.data as Ticket[]) ?? [];
  return (
    <section aria-labelledby="tickets-title">
      <div className="page-head">
        <h1 id="tickets-title">My tickets</h1>
        <Link className="button" to="/tickets/new" search={{ subject: "", description: "" }}>
          New ticket
        </Link>
      </div>
      <ErrorAlert error={tickets.error} />
      {tickets.isPending ? <Spinner /> : null}
      {tickets.isSuccess && !rows.length ? <p className="empty">You have no tickets yet. Ask us anything with a new ticket.</p> : null}
      {rows.length ? (
        <table className="list">
          <caption className="visually-hidden">Your tickets, most recently updated first</caption>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Status</th>
              <th scope="col">Number</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id}>
                <td>
                  <Link to="/tickets/$id" params={{ id: t.id }}>
                    {t.subject}
                  </Link>
                </td>
                <td>
                  <TicketStatusBadge ticket={t} />
                </td>
                <td className="muted">{t.number}</td>
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
