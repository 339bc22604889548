import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ok, type Team } from "../../api/client";
import { ErrorAlert, Spinner } from "../../ui/components";
import { announceToScreenReader, useDocumentTitle } from "../../ui/hooks";
import { NamedOptions, nameOf, useStaff, useTeams } from "../directory";
import { CONSOLE } from "../Layout";

const STRATEGIES = [
  ["skill_based", "Skill-based"],
  ["round_robin", "Round robin"],
  ["least_loaded", "Least loaded"],
] as const;
type Strategy = (typeof STRATEGIES)[number][0];

function TeamEditor({ team }: { team: Team }) {
  const client = useQueryClient();
  const staff = useStaff();
  const [members, setMembers] = useState<string[]>(team.members);
  const [strategy, setStrategy] = useState<Strategy>(team.strategy as Strategy);
  const [managerId, setManagerId] = useState(team.manager_id ?? "");
  const save = useMutation({
    mutationFn: () => ok(api.PATCH("/api/v1/teams/{id}", { params: { path: { id: team.id } }, body: { members, strategy, manager_id: managerId || null } })),
    onSuccess: () => {
      announceToScreenReader(`${team.name} saved`);
      void client.invalidateQueries({ queryKey: ["teams"] });
    },
  });
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      aria-labelledby={`team-${team.id}`}
    >
      <h2 id={`team-${team.id}`}>{team.name}</h2>
      <ErrorAlert error={save.error} />
      <div className="field">
        <label htmlFor={`strategy-${team.id}`}>Assignment</label>
        <select id={`strategy-${team.id}`} value={strategy} onChange={(e) => setStrategy(e.target.value as Strategy)}>
          {STRATEGIES.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`manager-${team.id}`}>Manager</label>
        <select id={`manager-${team.id}`} value={managerId} onChange={(e) => setManagerId(e.target.value)}>
          <option value="">None</option>
          <NamedOptions items={staff.data?.filter((u) => u.role !== "agent")} />
        </select>
      </div>
      <fieldset className="members">
        <legend>Members</legend>
        {staff.data?.map((u) => (
          <label key={u.id} className="checkbox">
            <input
              type="checkbox"
              checked={members.includes(u.id)}
              onChange={(e) => setMembers((m) => (e.target.checked ? [...m, u.id] : m.filter((x) => x !== u.id)))}
            />{" "}
            {u.name}
          </label>
        ))}
      </fieldset>
      <p className="muted">Manager: {nameOf(staff.data, team.manager_id)}</p>
      <button type="submit" disabled={save.isPending}>
        Save {team.name}
      </button>
    </form>
  );
}

export function TeamsPage() {
  useDocumentTitle("Teams", CONSOLE);
  const client = useQueryClient();
  const teams = useTeams();
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => ok(api.POST("/api/v1/teams", { body: { name, strategy: "round_robin", auto_assign_on_create: false, members: [] } })),
    onSuccess: () => {
      setName("");
      void client.invalidateQueries({ queryKey: ["teams"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <section aria-labelledby="teams-title">
      <h1 id="teams-title">Teams</h1>
      <form className="inline-form" onSubmit={submit}>
        <label htmlFor="new-team">New team</label>
        <input id="new-team" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit" disabled={create.isPending}>
          Create team
        </button>
        <ErrorAlert error={create.error} />
      </form>
      <ErrorAlert error={teams.error} />
      {teams.isPending ? <Spinner /> : <div className="card-grid">{teams.data?.map((t) => <TeamEditor key={t.id} team={t} />)}</div>}
    </section>
  );
}
