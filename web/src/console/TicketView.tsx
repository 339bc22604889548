import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import { api, ok, type ArticleSummary, type HistoryEntry, type Ticket } from "../api/client";
import { channelLabel, describeChange, formatDateTime } from "../lib/format";
import { formatFieldValue } from "../lib/custom-fields";
import { TicketStatusBadge, useTicketFields } from "../ui/CustomFields";
import { ErrorAlert, PresenceList, PriorityBadge, SlaBadges, Spinner, TimeAgo } from "../ui/components";
import { Conversation, TypingLine } from "../ui/Conversation";
import { useDocumentTitle, useSession, useToggleSet } from "../ui/hooks";
import { useTicketRoom } from "../ui/live";
import { markPrimaryShown, useAfterPaint, useStartAfter } from "../ui/priority";
import { isNotFound, useAttachments, useComments, useTicket } from "../ui/queries";
import { articlePath } from "../../../src/lib/slug";
import { snippetText } from "../ui/SuggestedArticles";
import { Composer, type ComposerHandle } from "./Composer";
import { nameOf, useStaff } from "./directory";
import { CONSOLE } from "./Layout";
import { MacroPanel } from "./MacroPanel";
import { LinkedTicket, MergeSplit, TicketLinks } from "./MergeSplit";
import { useShortcuts } from "./shortcuts";
import { TicketProperties } from "./TicketProperties";
import { TimeEntries } from "./TimeEntries";
import { scoreText } from "../lib/reports";

function History({ ticketId }: { ticketId: string }) {
  const history = useQuery({
    queryKey: ["history", ticketId],
    queryFn: async () => (await ok(api.GET("/api/v1/tickets/{id}/history", { params: { path: { id: ticketId }, query: { limit: 100 } } }))).data as HistoryEntry[],
  });
  const fields = useTicketFields();
  // `custom_fields.<key>` changes read with the field's label and values.
  const describe = (name: string, change: unknown) => {
    const def = name.startsWith("custom_fields.") ? fields.data?.find((d) => `custom_fields.${d.key}` === name) : undefined;
    if (!def || !Array.isArray(change) || change.length !== 2) return describeChange(name, change);
    return `${def.label}: ${formatFieldValue(def, change[0])} → ${formatFieldValue(def, change[1])}`;
  };
  if (history.isPending) return <Spinner />;
  if (history.error) return <ErrorAlert error={history.error} />;
  return (
    <ol className="history">
      {history.data.map((h) => (
        <li key={h.id}>
          <span className="history-type">{h.type.replace(/[._]/g, " ")}</span> by {h.actor?.name ?? "the system"}{" "}
          <time dateTime={h.at} className="muted">
            {formatDateTime(h.at)}
          </time>
          {Object.keys(h.changes).length ? (
            <ul>
              {Object.entries(h.changes).map(([field, change]) => (
                <li key={field}>{describe(field, change)}</li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

function Suggestions({ ticketId, onInsert }: { ticketId: string; onInsert: (text: string) => void }) {
  const suggested = useQuery({
    queryKey: ["suggested-articles", ticketId],
    staleTime: 5 * 60_000,
    queryFn: async () => (await ok(api.GET("/api/v1/tickets/{id}/suggested-articles", { params: { path: { id: ticketId }, query: { limit: 5 } } }))).data as ArticleSummary[],
  });
  if (!suggested.data?.length) return null;
  return (
    <section className="card" aria-labelledby="suggested-title">
      <h2 id="suggested-title">Suggested articles</h2>
      <ul className="suggestions-list">
        {suggested.data.map((a) => (
          <li key={a.id}>
            <a href={articlePath(a)} target="_blank" rel="noopener">
              {a.title}
            </a>
            <p className="muted small">{snippetText(a.snippet)}</p>
            <button type="button" className="link" onClick={() => onInsert(`${a.title}: ${location.origin}${articlePath(a)}`)}>
              Insert link in reply<span className="visually-hidden">: {a.title}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The requester's satisfaction answer (API.md "Satisfaction"), once the ticket was resolved. */
function TicketSatisfaction({ ticket }: { ticket: Ticket }) {
  const s = ticket.satisfaction;
  if (!s) return ["resolved", "closed"].includes(ticket.status) ? <p className="muted" data-testid="ticket-satisfaction">Satisfaction: not rated yet.</p> : null;
  return (
    <div className={`satisfaction-answer score-${s.score >= 4 ? "good" : s.score === 3 ? "neutral" : "bad"}`} data-testid="ticket-satisfaction">
      <p>
        <strong>Satisfaction: {scoreText(s.score)}</strong>{" "}
        <span className="muted small">
          rated <time dateTime={s.rated_at}>{formatDateTime(s.rated_at)}</time>
        </span>
      </p>
      {s.comment ? <blockquote className="message-body">{s.comment}</blockquote> : null}
    </div>
  );
}

export function TicketView() {
  const { id } = useParams({ strict: false }) as { id: string };
  const { user } = useSession();
  const navigate = useNavigate();
  const ticket = useTicket(id);
  const comments = useComments(id);
  const attachments = useAttachments(id);
  // The conversation first: the console's panels, this page's side and its live room start once it
  // has been painted (ui/priority.ts); rendered with it they delay its first frame, and the room's
  // join would queue with the comments on the Worker.
  const shown = useAfterPaint(ticket.isSuccess && !comments.isPending, id);
  const room = useTicketRoom(shown ? ticket.data?.id : undefined, user?.id);
  useEffect(() => {
    if (shown) markPrimaryShown();
  }, [shown]);
  const side = useStartAfter(shown, id);
  const staff = useStaff();
  const composer = useRef<ComposerHandle>(null);
  const [tab, setTab] = useState<"conversation" | "history">("conversation");
  // Comments chosen to split out into a new ticket.
  const [chosen, toggleChosen, setChosen] = useToggleSet();
  useDocumentTitle(ticket.data ? `${ticket.data.subject} (${ticket.data.number})` : "Ticket", CONSOLE);

  useShortcuts("ticket", {
    reply: () => {
      setTab("conversation");
      setTimeout(() => composer.current?.focus("reply"));
    },
    note: () => {
      setTab("conversation");
      setTimeout(() => composer.current?.focus("note"));
    },
    "assign-me": () => document.querySelector<HTMLButtonElement>(".property-actions button")?.click(),
    macro: () => {
      setTab("conversation");
      const picker = document.getElementById("macro-choice");
      picker?.scrollIntoView({ block: "nearest" });
      picker?.focus();
    },
    back: () => void navigate({ to: "/", search: { view: "mine" } }),
  });

  if (ticket.isPending) return <Spinner />;
  if (isNotFound(ticket.error))
    return (
      <section>
        <h1>Ticket not found</h1>
        <p>
          It may have been deleted. Back to <Link to="/" search={{ view: "mine" }}>your tickets</Link>.
        </p>
      </section>
    );
  if (!ticket.data) return <ErrorAlert error={ticket.error} />;
  const t = ticket.data;
  // Another staff member typing a public reply: the collision warning.
  const replying = room.typists.filter((x) => !x.internal && room.presence.some((p) => p.id === x.id && p.role !== "customer")).map((x) => x.name);
  const collision = [...new Set([...replying, ...(room.collision?.map((u) => u.name) ?? [])])];

  return (
    <div className="ticket-view">
      <div className="ticket-main">
        <header className="ticket-header">
          <p className="muted">
            <Link to="/" search={{ view: "mine" }}>
              ← Tickets
            </Link>{" "}
            · {t.number} · {channelLabel(t.channel)}
          </p>
          <h1 id="ticket-title">{t.subject}</h1>
          <div className="ticket-badges">
            <TicketStatusBadge ticket={t} />
            <PriorityBadge priority={t.priority} />
            <SlaBadges ticket={t} />
          </div>
          <p className="muted">
            From <strong>{t.requester.name}</strong> &lt;{t.requester.email}&gt;, opened <TimeAgo iso={t.created_at} />. Assignee: {nameOf(staff.data, t.assignee_id)}.
            {t.tags.length ? ` Tags: ${t.tags.join(", ")}.` : ""}
          </p>
          {t.merged_into_id ? (
            <p className="alert info">
              This ticket was merged into <LinkedTicket id={t.merged_into_id} /> and is closed for good.
            </p>
          ) : null}
          <TicketLinks ticket={t} />
          <TicketSatisfaction ticket={t} />
          <div className="presence-bar">
            <PresenceList users={room.presence} selfId={user?.id} />
            <span className="live-status" role="status">
              {room.status === "open" ? "" : room.status === "gone" ? "This ticket was deleted." : "Reconnecting…"}
            </span>
          </div>
        </header>
        <div className="tabs" role="group" aria-label="Show">
          <button type="button" aria-pressed={tab === "conversation"} onClick={() => setTab("conversation")}>
            Conversation
          </button>
          <button type="button" aria-pressed={tab === "history"} onClick={() => setTab("history")}>
            History
          </button>
        </div>
        {tab === "history" ? (
          <History ticketId={t.id} />
        ) : (
          <>
            <ErrorAlert error={comments.error} />
            {comments.isPending ? <Spinner label="Loading the conversation…" /> : <Conversation
                ticket={t}
                comments={comments.data ?? []}
                attachments={attachments.data ?? []}
                viewer="staff"
                choose={t.merged_into_id ? undefined : { chosen, toggle: toggleChosen }}
              />}
            <TypingLine typists={room.typists} />
            <Composer ref={composer} ticket={t} onTyping={room.typing} othersReplying={collision} />
          </>
        )}
      </div>
      <div className="ticket-side">
        {side ? (
          <>
            <TicketProperties key={t.id} ticket={t} />
            <MacroPanel key={`macros-${t.id}`} ticket={t} />
            <MergeSplit key={`merge-${t.id}`} ticket={t} chosen={[...chosen].filter((c) => comments.data?.some((x) => x.id === c))} onSplit={() => setChosen(new Set())} />
            <TimeEntries ticket={t} />
            <Suggestions ticketId={t.id} onInsert={(text) => composer.current?.insert(text)} />
          </>
        ) : null}
      </div>
    </div>
  );
}
