import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { api, ok, type ReportAgents, type ReportOverview, type Schemas } from "../../api/client";
import { browserTimeZone, formatDateTime } from "../../lib/format";
import { formatCount, formatPct, periodProblem, satisfactionQuery, SCORE_WORDS, scoreText, type SatisfactionSearch } from "../../lib/reports";
import { ErrorAlert, Spinner } from "../../ui/components";
import { useDocumentTitle } from "../../ui/hooks";
import { LoadMore } from "../../ui/mount";
import { NamedOptions, nameOf, useStaff } from "../directory";
import { CONSOLE } from "../Layout";

type Rating = Schemas["SatisfactionRating"];
/** Answers per page of the list (the API's own maximum is larger; a page a person reads is not). */
const PAGE = 50;

/**
 * Satisfaction answers (API.md "Satisfaction": GET /satisfaction-ratings, manager and up): a period in
 * the user's zone, an agent (the ticket's assignee) and a score; the share of satisfied answers
 * (`score_pct`, 4 and 5) of the period, or of the chosen agent; then every answer with its comment.
 */
export function SatisfactionPage() {
  const search = useSearch({ strict: false }) as SatisfactionSearch;
  const tz = browserTimeZone();
  const { period, query } = satisfactionQuery(search, tz);
  useDocumentTitle("Satisfaction answers", CONSOLE);
  return (
    <section aria-labelledby="satisfaction-title" className="reports">
      <div className="page-head">
        <h1 id="satisfaction-title">Satisfaction answers</h1>
        <p className="muted">
          <Link to="/reports">← Reports</Link> · Dates in your time zone ({tz}). Scores 4 and 5 count as satisfied.
        </p>
      </div>
      <RatingsForm key={`${period.from}/${period.to}/${search.agent ?? ""}/${search.score ?? ""}`} from={period.from} to={period.to} search={search} />
      <SatisfiedShare period={period} agentId={search.agent} />
      <RatingsList query={query} />
    </section>
  );
}

function RatingsForm({ from: initialFrom, to: initialTo, search }: { from: string; to: string; search: SatisfactionSearch }) {
  const navigate = useNavigate();
  const staff = useStaff();
  const [from, setFrom] = useState(initialFrom);
  const [to, setTo] = useState(initialTo);
  const [agent, setAgent] = useState(search.agent ?? "");
  const [score, setScore] = useState(search.score ? String(search.score) : "");
  const [problem, setProblem] = useState<string | null>(null);
  function submit(event: FormEvent) {
    event.preventDefault();
    const why = periodProblem(from, to);
    setProblem(why);
    if (why) return;
    const next: SatisfactionSearch = { from, to, ...(agent ? { agent } : {}), ...(score ? { score: Number(score) } : {}) };
    void navigate({ to: "/reports/satisfaction", search: next });
  }
  const invalid = problem ? { "aria-invalid": true, "aria-describedby": "ratings-period-problem" } : {};
  return (
    <form className="filters report-period" aria-label="Which answers" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor="ratings-from">From</label>
        <input id="ratings-from" type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} {...invalid} />
      </div>
      <div className="field">
        <label htmlFor="ratings-to">To</label>
        <input id="ratings-to" type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} {...invalid} />
      </div>
      <div className="field">
        <label htmlFor="ratings-agent">Agent</label>
        <select id="ratings-agent" value={agent} onChange={(e) => setAgent(e.target.value)}>
          <option value="">Everyone</option>
          <NamedOptions items={staff.data} />
        </select>
      </div>
      <div className="field">
        <label htmlFor="ratings-score">Score</label>
        <select id="ratings-score" value={score} onChange={(e) => setScore(e.target.value)}>
          <option value="">Any</option>
          {SCORE_WORDS.map((_, i) => (
            <option key={i} value={String(i + 1)}>
              {scoreText(i + 1)}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">Show</button>
      {problem ? (
        <p id="ratings-period-problem" className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}

/**
 * `score_pct` as the reports compute it: the period's (overview) or the agent's (agents report). The
 * list's own score filter does not narrow it: it is the share among all answers of the period.
 */
function SatisfiedShare({ period, agentId }: { period: { from: string; to: string; tz: string }; agentId: string | undefined }) {
  const share = useQuery({
    placeholderData: keepPreviousData,
    retry: 1,
    queryKey: ["reports", "satisfaction-share", period, agentId ?? null],
    queryFn: async (): Promise<{ pct: number | null; responses: number }> => {
      if (!agentId) {
        const o = (await ok(api.GET("/api/v1/reports/overview", { params: { query: { ...period, granularity: "month" } } }))) as ReportOverview;
        return { pct: o.satisfaction.score_pct, responses: o.satisfaction.responses };
      }
      const agents = (await ok(api.GET("/api/v1/reports/agents", { params: { query: period } }))) as ReportAgents;
      const row = agents.data.find((a) => a.agent.id === agentId);
      return { pct: row?.satisfaction_pct ?? null, responses: row?.satisfaction_responses ?? 0 };
    },
  });
  return (
    <section className="report-section" aria-labelledby="satisfied-share">
      <h2 id="satisfied-share" className="visually-hidden">
        Share satisfied
      </h2>
      <ErrorAlert error={share.error} />
      {share.isPending ? (
        <Spinner />
      ) : share.data ? (
        <dl className="figures" data-testid="satisfaction-share">
          <div className="figure">
            <dt>Satisfied (4 or 5){agentId ? "" : ", everyone"}</dt>
            <dd>
              <span className="figure-value">{formatPct(share.data.pct)}</span>
              <span className="muted small">of {formatCount(share.data.responses)} answers in the period</span>
            </dd>
          </div>
        </dl>
      ) : null}
    </section>
  );
}

function RatingsList({ query }: { query: ReturnType<typeof satisfactionQuery>["query"] }) {
  const staff = useStaff();
  const ratings = useInfiniteQuery({
    queryKey: ["satisfaction-ratings", query],
    initialPageParam: undefined as string | undefined,
    retry: 1,
    queryFn: ({ pageParam }) => ok(api.GET("/api/v1/satisfaction-ratings", { params: { query: { ...query, limit: PAGE, cursor: pageParam } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows: Rating[] = ratings.data?.pages.flatMap((p) => p.data as Rating[]) ?? [];
  return (
    <section className="report-section" aria-labelledby="ratings-title">
      <h2 id="ratings-title">Answers, oldest first</h2>
      <ErrorAlert error={ratings.error} />
      {ratings.isPending ? (
        <Spinner />
      ) : ratings.error ? null : rows.length ? (
        <>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Answers table, scrolls sideways">
            <table className="list" data-testid="ratings-table">
              <caption className="visually-hidden">Satisfaction answers</caption>
              <thead>
                <tr>
                  <th scope="col">Rated</th>
                  <th scope="col">Score</th>
                  <th scope="col">Ticket</th>
                  <th scope="col">Requester</th>
                  <th scope="col">Agent</th>
                  <th scope="col">Comment</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.ticket.id}>
                    <td>
                      <time dateTime={r.rated_at}>{formatDateTime(r.rated_at)}</time>
                    </td>
                    <td className={`score score-${r.score >= 4 ? "good" : r.score === 3 ? "neutral" : "bad"}`}>{scoreText(r.score)}</td>
                    <td>
                      <Link to="/tickets/$id" params={{ id: r.ticket.id }}>
                        {r.ticket.number}: {r.ticket.subject}
                      </Link>
                    </td>
                    <td>{r.requester.name}</td>
                    <td>{nameOf(staff.data, r.agent_id)}</td>
                    <td className="rating-comment">{r.comment ?? <span className="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore query={ratings} label="More answers" />
        </>
      ) : (
        <p className="empty">No answers match.</p>
      )}
    </section>
  );
}
