import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useState, type FormEvent, type ReactNode } from "react";
import { api, ok, type ReportAgents, type ReportBacklog, type ReportOverview, type ReportSla, type ReportTime } from "../../api/client";
import { browserTimeZone, priorityLabel, statusLabel } from "../../lib/format";
import {
  backlogMatrix,
  formatCount,
  formatMinutes,
  formatPct,
  GRANULARITIES,
  periodInstants,
  periodLabel,
  periodProblem,
  presetPeriod,
  reportPeriod,
  TIME_GROUPS,
  type Period,
  type ReportSearch,
  type TimeGroup,
} from "../../lib/reports";
import { ErrorAlert, Spinner } from "../../ui/components";
import { useDocumentTitle, useSession } from "../../ui/hooks";
import { NamedOptions, useTeams } from "../directory";
import { ExportForm, RecentExports, type ExportChoice } from "../Exports";
import { CONSOLE } from "../Layout";
import { SeriesChart } from "./SeriesChart";

/**
 * Reports (API.md "Reports"): a period in the user's zone and a team, the overview's figures and
 * series (chart + table), agents, backlog now, SLA per policy, time logged, and exports. Managers and
 * admins see everyone; an agent gets their own figures (the API decides). Loaded only on this route,
 * with uPlot.
 */
export function ReportsPage() {
  const search = useSearch({ strict: false }) as ReportSearch;
  const { user } = useSession();
  const manager = user?.role === "manager" || user?.role === "admin";
  const tz = browserTimeZone();
  const period = reportPeriod(search, tz);
  useDocumentTitle("Reports", CONSOLE);
  return (
    <section aria-labelledby="reports-title" className="reports">
      <div className="page-head">
        <h1 id="reports-title">Reports</h1>
        <p className="muted">
          Dates in your time zone ({tz}); durations in business minutes.
          {manager ? "" : " You see your own figures."}
        </p>
        {manager ? (
          <p>
            <Link to="/reports/satisfaction" search={{ from: period.from, to: period.to }}>
              Satisfaction answers of the period
            </Link>
          </p>
        ) : null}
      </div>
      <PeriodForm key={`${period.from}/${period.to}/${period.granularity}/${period.team_id ?? ""}`} period={period} search={search} />
      <Overview period={period} />
      <AgentsReport period={period} />
      <Backlog teamId={period.team_id} />
      <SlaReport period={period} />
      <TimeReport period={period} group={search.group ?? "agent"} />
      {manager ? <ReportExports period={period} /> : null}
    </section>
  );
}

function PeriodForm({ period, search }: { period: Period; search: ReportSearch }) {
  const navigate = useNavigate();
  const teams = useTeams();
  const [from, setFrom] = useState(period.from);
  const [to, setTo] = useState(period.to);
  const [granularity, setGranularity] = useState(period.granularity);
  const [team, setTeam] = useState(period.team_id ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const go = (next: Partial<ReportSearch>) =>
    void navigate({ to: "/reports", search: Object.fromEntries(Object.entries({ ...search, ...next }).filter(([, v]) => v)) as ReportSearch });
  function submit(event: FormEvent) {
    event.preventDefault();
    const why = periodProblem(from, to);
    setProblem(why);
    if (!why) go({ from, to, granularity, team: team || undefined });
  }
  return (
    <form className="filters report-period" aria-label="Period and team" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor="report-from">From</label>
        <input id="report-from" type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={problem ? "report-period-problem" : undefined} />
      </div>
      <div className="field">
        <label htmlFor="report-to">To</label>
        <input id="report-to" type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={problem ? "report-period-problem" : undefined} />
      </div>
      <div className="field">
        <label htmlFor="report-granularity">Per</label>
        <select id="report-granularity" value={granularity} onChange={(e) => setGranularity(e.target.value as Period["granularity"])}>
          {GRANULARITIES.map((g) => (
            <option key={g} value={g}>
              {g}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="report-team">Team</label>
        <select id="report-team" value={team} onChange={(e) => setTeam(e.target.value)}>
          <option value="">All teams</option>
          <NamedOptions items={teams.data} />
        </select>
      </div>
      <button type="submit">Show</button>
      <div className="presets" role="group" aria-label="Last">
        {(["7d", "30d", "90d", "365d"] as const).map((p) => (
          <button key={p} type="button" className="secondary" onClick={() => go({ ...presetPeriod(p, period.tz), granularity: p === "365d" ? "month" : p === "90d" ? "week" : "day" })}>
            Last {p.replace("d", " days")}
          </button>
        ))}
      </div>
      {problem ? (
        <p id="report-period-problem" className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}

/** A report section: its heading, its loading and error states, then its content. */
function Section({ id, title, query, children }: { id: string; title: string; query: { isPending: boolean; error: unknown }; children: () => ReactNode }) {
  return (
    <section className="report-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      <ErrorAlert error={query.error} />
      {query.isPending ? <Spinner /> : query.error ? null : children()}
    </section>
  );
}

function Figure({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      <dd>
        <span className="figure-value">{value}</span>
        {detail ? <span className="muted small">{detail}</span> : null}
      </dd>
    </div>
  );
}

const reportQuery = { placeholderData: keepPreviousData, retry: 1 } as const;

function Overview({ period }: { period: Period }) {
  const overview = useQuery({
    ...reportQuery,
    queryKey: ["reports", "overview", period],
    queryFn: async () => (await ok(api.GET("/api/v1/reports/overview", { params: { query: period } }))) as ReportOverview,
  });
  return (
    <Section id="report-overview" title="Overview" query={overview}>
      {() => {
        const o = overview.data!;
        const backlog = Object.values(o.backlog.by_status).reduce((a, b) => a + b, 0);
        return (
          <>
            <dl className="figures" data-testid="overview-figures">
              <Figure label="Created" value={formatCount(o.created)} />
              <Figure label="Solved" value={formatCount(o.solved)} />
              <Figure label="Reopened" value={formatCount(o.reopened)} />
              <Figure label="Backlog now" value={formatCount(backlog)} detail={`${formatCount(o.backlog.by_status.open ?? 0)} open`} />
              <Figure label="First response (median)" value={formatMinutes(o.first_response.median_minutes)} detail={`p90 ${formatMinutes(o.first_response.p90_minutes)}`} />
              <Figure label="Resolution (median)" value={formatMinutes(o.resolution.median_minutes)} detail={`p90 ${formatMinutes(o.resolution.p90_minutes)}`} />
              <Figure label="SLA compliance" value={formatPct(o.sla.compliance_pct)} detail={`${formatCount(o.sla.breaches)} breaches`} />
              <Figure label="Satisfaction" value={formatPct(o.satisfaction.score_pct)} detail={`${formatCount(o.satisfaction.responses)} answers`} />
              <Figure label="Time spent" value={formatMinutes(o.time_spent_minutes)} />
            </dl>
            <h3>Tickets per {o.granularity}</h3>
            <SeriesChart series={o.series} granularity={o.granularity} />
            <details className="series-table">
              <summary>The series as a table</summary>
              <table className="list">
                <caption className="visually-hidden">Tickets per {o.granularity}</caption>
                <thead>
                  <tr>
                    <th scope="col">Period</th>
                    <th scope="col">Created</th>
                    <th scope="col">Solved</th>
                    <th scope="col">SLA breaches</th>
                    <th scope="col">First response (median)</th>
                  </tr>
                </thead>
                <tbody>
                  {o.series.map((p) => (
                    <tr key={p.period}>
                      <th scope="row">{periodLabel(p.period, o.granularity)}</th>
                      <td>{formatCount(p.created)}</td>
                      <td>{formatCount(p.solved)}</td>
                      <td>{formatCount(p.breaches)}</td>
                      <td>{formatMinutes(p.median_first_response_minutes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </>
        );
      }}
    </Section>
  );
}

function AgentsReport({ period }: { period: Period }) {
  const { from, to, tz, team_id } = period;
  const agents = useQuery({
    ...reportQuery,
    queryKey: ["reports", "agents", from, to, tz, team_id],
    queryFn: async () => (await ok(api.GET("/api/v1/reports/agents", { params: { query: { from, to, tz, team_id } } }))) as ReportAgents,
  });
  return (
    <Section id="report-agents" title="Agents" query={agents}>
      {() =>
        agents.data!.data.length ? (
          // Wide: scrolls sideways, so it takes focus (arrow keys scroll it) and has a name.
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Agents table, scrolls sideways">
            <table className="list numbers" data-testid="agents-table">
              <caption className="visually-hidden">Agents</caption>
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Assigned</th>
                  <th scope="col">Solved</th>
                  <th scope="col">Open now</th>
                  <th scope="col">First response (median)</th>
                  <th scope="col">Resolution (median)</th>
                  <th scope="col">SLA compliance</th>
                  <th scope="col">Satisfaction</th>
                  <th scope="col">Time spent</th>
                </tr>
              </thead>
              <tbody>
                {agents.data!.data.map((a) => (
                  <tr key={a.agent.id}>
                    <th scope="row">{a.agent.name}</th>
                    <td>{formatCount(a.assigned)}</td>
                    <td>{formatCount(a.solved)}</td>
                    <td>{formatCount(a.open_now)}</td>
                    <td>{formatMinutes(a.first_response_median_minutes)}</td>
                    <td>{formatMinutes(a.resolution_median_minutes)}</td>
                    <td>{formatPct(a.sla_compliance_pct)}</td>
                    <td>
                      {formatPct(a.satisfaction_pct)} <span className="muted small">({formatCount(a.satisfaction_responses)})</span>
                    </td>
                    <td>{formatMinutes(a.time_spent_minutes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty">No agents in this period.</p>
        )
      }
    </Section>
  );
}

function Backlog({ teamId }: { teamId: string | undefined }) {
  const backlog = useQuery({
    ...reportQuery,
    queryKey: ["reports", "backlog", teamId],
    queryFn: async () => (await ok(api.GET("/api/v1/reports/backlog", { params: { query: { team_id: teamId } } }))) as ReportBacklog,
  });
  return (
    <Section id="report-backlog" title="Backlog now" query={backlog}>
      {() => {
        const b = backlog.data!;
        const m = backlogMatrix(b.by_status_priority);
        return (
          <>
            <dl className="figures">
              <Figure label="Open tickets" value={formatCount(b.total)} />
              <Figure label="At risk" value={formatCount(b.at_risk)} />
              <Figure label="Breached" value={formatCount(b.breached)} />
              <Figure label="Oldest open" value={b.oldest_open ? formatMinutes(b.oldest_open.age_minutes) : "—"} detail={b.oldest_open ? "old (calendar time)" : undefined} />
            </dl>
            {b.oldest_open ? (
              <p>
                <Link to="/tickets/$id" params={{ id: b.oldest_open.ticket_id }}>
                  Open the oldest ticket
                </Link>
              </p>
            ) : null}
            <table className="list numbers" data-testid="backlog-matrix">
              <caption>Open tickets by status and priority</caption>
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  {m.priorities.map((p) => (
                    <th scope="col" key={p}>
                      {priorityLabel(p)}
                    </th>
                  ))}
                  <th scope="col">Total</th>
                </tr>
              </thead>
              <tbody>
                {m.rows.map((r) => (
                  <tr key={r.status}>
                    <th scope="row">{statusLabel(r.status)}</th>
                    {r.cells.map((n, i) => (
                      <td key={m.priorities[i]}>{formatCount(n)}</td>
                    ))}
                    <td>{formatCount(r.total)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">Total</th>
                  {m.totals.map((n, i) => (
                    <td key={m.priorities[i]}>{formatCount(n)}</td>
                  ))}
                  <td>{formatCount(m.total)}</td>
                </tr>
              </tfoot>
            </table>
            {b.by_team.length ? (
              <table className="list numbers">
                <caption>Open tickets by team</caption>
                <thead>
                  <tr>
                    <th scope="col">Team</th>
                    <th scope="col">Tickets</th>
                  </tr>
                </thead>
                <tbody>
                  {b.by_team.map((t) => (
                    <tr key={t.team?.id ?? "none"}>
                      <th scope="row">{t.team ? (t.team.name ?? "Deleted team") : "No team"}</th>
                      <td>{formatCount(t.tickets)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </>
        );
      }}
    </Section>
  );
}

const TARGETS: Record<string, string> = { first_response: "First response", next_response: "Next response", resolution: "Resolution" };

function SlaReport({ period }: { period: Period }) {
  const { from, to, tz } = period;
  const sla = useQuery({
    ...reportQuery,
    queryKey: ["reports", "sla", from, to, tz],
    queryFn: async () => (await ok(api.GET("/api/v1/reports/sla", { params: { query: { from, to, tz } } }))) as ReportSla,
  });
  return (
    <Section id="report-sla" title="SLA per policy" query={sla}>
      {() =>
        sla.data!.data.length ? (
          <table className="list numbers" data-testid="sla-table">
            <caption className="visually-hidden">SLA targets per policy</caption>
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col">Target</th>
                <th scope="col">Measured</th>
                <th scope="col">Met</th>
                <th scope="col">Breached</th>
                <th scope="col">Compliance</th>
              </tr>
            </thead>
            <tbody>
              {sla.data!.data.map((r) => (
                <tr key={`${r.policy}/${r.target}`}>
                  <th scope="row">{r.policy ?? "All policies"}</th>
                  <td>{TARGETS[r.target] ?? r.target}</td>
                  <td>{formatCount(r.measured)}</td>
                  <td>{formatCount(r.met)}</td>
                  <td>{formatCount(r.breached)}</td>
                  <td>{formatPct(r.compliance_pct)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="empty">No SLA targets measured in this period.</p>
        )
      }
    </Section>
  );
}

const GROUP_WORDS: Record<TimeGroup, string> = { agent: "Agent", ticket: "Ticket", category: "Category", team: "Team" };

function timeRowName(row: ReportTime["data"][number], group: TimeGroup): ReactNode {
  if (group === "ticket" && row.ticket)
    return (
      <Link to="/tickets/$id" params={{ id: row.ticket.id }}>
        {row.ticket.number} {row.ticket.subject}
      </Link>
    );
  if (group === "agent") return row.agent?.name ?? "Someone";
  if (group === "team") return row.team?.name ?? "No team";
  return row.category || "No category";
}

function TimeReport({ period, group }: { period: Period; group: TimeGroup }) {
  const navigate = useNavigate();
  const { from, to, tz } = period;
  const time = useQuery({
    ...reportQuery,
    queryKey: ["reports", "time", from, to, tz, group],
    queryFn: async () => (await ok(api.GET("/api/v1/reports/time", { params: { query: { from, to, tz, group_by: group } } }))) as ReportTime,
  });
  return (
    <Section id="report-time" title="Time logged" query={time}>
      {() => (
        <>
          <div className="field inline-field">
            <label htmlFor="report-time-group">Group by</label>
            <select
              id="report-time-group"
              value={group}
              onChange={(e) => void navigate({ to: "/reports", search: (prev: ReportSearch) => ({ ...prev, group: e.target.value as TimeGroup }) })}
            >
              {TIME_GROUPS.map((g) => (
                <option key={g} value={g}>
                  {GROUP_WORDS[g]}
                </option>
              ))}
            </select>
          </div>
          {time.data!.data.length ? (
            <table className="list numbers" data-testid="time-table">
              <caption className="visually-hidden">Time logged by {GROUP_WORDS[group].toLowerCase()}</caption>
              <thead>
                <tr>
                  <th scope="col">{GROUP_WORDS[time.data!.group_by as TimeGroup] ?? GROUP_WORDS[group]}</th>
                  <th scope="col">Billable</th>
                  <th scope="col">Non-billable</th>
                  <th scope="col">Total</th>
                </tr>
              </thead>
              <tbody>
                {time.data!.data.map((r, i) => (
                  <tr key={r.agent?.id ?? r.team?.id ?? r.ticket?.id ?? r.category ?? i}>
                    <th scope="row">{timeRowName(r, time.data!.group_by as TimeGroup)}</th>
                    <td>{formatMinutes(r.billable_minutes)}</td>
                    <td>{formatMinutes(r.non_billable_minutes)}</td>
                    <td>{formatMinutes(r.total_minutes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="empty">No time logged in this period.</p>
          )}
        </>
      )}
    </Section>
  );
}

function ReportExports({ period }: { period: Period }) {
  const instants = periodInstants(period);
  const team = period.team_id ? { team_id: period.team_id } : {};
  // Time entries and answers have no team filter: say so rather than export more than the label claims.
  const allTeams = period.team_id ? " (all teams)" : "";
  const choices: ExportChoice[] = [
    { kind: "tickets", label: "Tickets created in the period", filters: { created_after: instants.from, created_before: instants.to, ...team } },
    { kind: "agents_report", label: "The agents report", filters: { from: period.from, to: period.to, tz: period.tz, ...team } },
    { kind: "time_entries", label: `Time entries of the period${allTeams}`, filters: { from: instants.from, to: instants.to } },
    { kind: "satisfaction", label: `Satisfaction answers of the period${allTeams}`, filters: { from: instants.from, to: instants.to } },
  ];
  return (
    <section className="report-section" aria-labelledby="report-exports">
      <h2 id="report-exports">Export</h2>
      <p className="muted small">
        {periodLabel(period.from, "day")} to {periodLabel(period.to, "day")}
        {period.team_id ? ", this team" : ""}. Files are kept for 7 days.
      </p>
      <ExportForm choices={choices} idPrefix="report-export" />
      <RecentExports />
    </section>
  );
}
