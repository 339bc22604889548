import { describe, expect, it } from "vitest";
import { chooseAssignee, chooseFromWalk, loadDeltas, proficiencyIn, requiredSkill, skillScore, type AgentCandidate, type LoadState } from "../../src/domain/routing";
import { ROUTING_STRATEGIES } from "../../src/domain/vocabulary";
import { seeded } from "../helpers/random";

const agent = (id: string, over: Partial<AgentCandidate> = {}): AgentCandidate => ({
  id,
  availability: "online",
  maxOpenTickets: 10,
  activeTickets: 0,
  criticalTickets: 0,
  proficiency: 0,
  lastAssignedAt: null,
  ...over,
});

describe("the skill-based score: active + 2 × critical − 5 × proficiency", () => {
  it.each([
    [0, 0, 0, 0],
    [3, 0, 0, 3],
    [3, 1, 0, 5],
    [3, 1, 1, 0],
    [0, 0, 5, -25],
    [10, 4, 2, 8],
  ])("active %i, critical %i, proficiency %i → %i", (activeTickets, criticalTickets, proficiency, score) => {
    expect(skillScore({ activeTickets, criticalTickets, proficiency })).toBe(score);
  });
});

/**
 * One team, every strategy: who gets the next ticket (which needs "billing").
 *   ana    5 active, 0 critical, billing 4, last assigned 10:00   → 5 − 20 = −15
 *   ben    1 active, 0 critical, billing 2, last assigned 09:00   → 1 − 10 = −9
 *   cleo   2 active, 2 critical, billing 5, last assigned 11:00   → 2 + 4 − 25 = −19
 *   dan    0 active, no billing, never assigned                   → 0 (lacks the skill)
 *   eve    0 active, billing 5, offline
 *   fay    8 active (her capacity), billing 5
 */
const TEAM: AgentCandidate[] = [
  agent("ana", { activeTickets: 5, proficiency: 4, lastAssignedAt: "2026-11-26T10:00:00.000Z" }),
  agent("ben", { activeTickets: 1, proficiency: 2, lastAssignedAt: "2026-11-26T09:00:00.000Z" }),
  agent("cleo", { activeTickets: 2, criticalTickets: 2, proficiency: 5, lastAssignedAt: "2026-11-26T11:00:00.000Z" }),
  agent("dan"),
  agent("eve", { availability: "offline", proficiency: 5 }),
  agent("fay", { activeTickets: 8, maxOpenTickets: 8, proficiency: 5 }),
];

describe("every strategy's choice on one team", () => {
  it.each([
    ["skill_based", "billing", "cleo", "ana"],
    ["skill_based", null, "dan", "ben"], // no skill needed: load decides (dan 0, ben 1), proficiency counts nothing
    ["round_robin", "billing", "dan", "ben"], // never assigned first, then the longest idle
    ["least_loaded", "billing", "dan", "ben"],
  ] as const)("%s (skill %s) → %s, then %s", (strategy, skill, chosen, runnerUp) => {
    const proficient = skill ? TEAM : TEAM.map((a) => ({ ...a, proficiency: 0 }));
    const d = chooseAssignee({ strategy, skill, candidates: proficient });
    expect(d.assigneeId).toBe(chosen);
    expect(d.reason.runner_up?.user_id).toBe(runnerUp);
    expect(d.reason.skipped.unavailable).toBe(1);
    expect(d.reason.skipped.at_capacity).toBe(1);
  });

  it("skill-based skips agents without the skill and records the breakdown", () => {
    const d = chooseAssignee({ strategy: "skill_based", skill: "billing", candidates: TEAM });
    expect(d.reason).toMatchObject({
      strategy: "skill_based",
      skill: "billing",
      candidates: 6,
      eligible: 3,
      skipped: { unavailable: 1, at_capacity: 1, lacks_skill: 1, excluded: 0 },
      chosen: { user_id: "cleo", active_tickets: 2, critical_tickets: 2, proficiency: 5, score: -19 },
    });
  });

  it("ties go to the agent idle longest, never-assigned first, then by id", () => {
    const tied = [
      agent("x2", { lastAssignedAt: "2026-11-26T09:00:00.000Z" }),
      agent("x1", { lastAssignedAt: "2026-11-26T08:00:00.000Z" }),
      agent("x3", { lastAssignedAt: "2026-11-26T08:00:00.000Z" }),
    ];
    expect(chooseAssignee({ strategy: "skill_based", skill: null, candidates: tied }).assigneeId).toBe("x1");
    expect(chooseAssignee({ strategy: "least_loaded", skill: null, candidates: [...tied, agent("x9")] }).assigneeId).toBe("x9");
  });

  it("round-robin takes turns: after an assignment the next one goes to the next idle agent", () => {
    let team = [agent("a"), agent("b"), agent("c")];
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { assigneeId } = chooseAssignee({ strategy: "round_robin", skill: null, candidates: team });
      order.push(assigneeId!);
      const at = new Date(Date.UTC(2026, 10, 26, 9, i)).toISOString();
      team = team.map((a) => (a.id === assigneeId ? { ...a, lastAssignedAt: at, activeTickets: a.activeTickets + 1 } : a));
    }
    expect(order).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  it("least-loaded breaks equal loads by critical tickets", () => {
    const d = chooseAssignee({ strategy: "least_loaded", skill: null, candidates: [agent("p", { activeTickets: 2, criticalTickets: 2 }), agent("q", { activeTickets: 2 })] });
    expect(d.assigneeId).toBe("q");
  });

  it("away counts as unavailable; capacity 0 takes an agent out; excluded agents are skipped", () => {
    const d = chooseAssignee({
      strategy: "least_loaded",
      skill: null,
      candidates: [agent("away", { availability: "away" }), agent("zero", { maxOpenTickets: 0 }), agent("gone"), agent("left", { activeTickets: 3 })],
      exclude: ["gone"],
    });
    expect(d.assigneeId).toBe("left");
    expect(d.reason.skipped).toEqual({ unavailable: 1, at_capacity: 1, lacks_skill: 0, excluded: 1 });
  });

  it.each(["skill_based", "round_robin", "least_loaded"] as const)("%s: nobody eligible → the team queue", (strategy) => {
    const d = chooseAssignee({ strategy, skill: "billing", candidates: [agent("off", { availability: "offline", proficiency: 5 }), agent("full", { activeTickets: 10, proficiency: 5 })] });
    expect(d.assigneeId).toBeNull();
    expect(d.reason).toMatchObject({ eligible: 0, chosen: null, fallback: "team_queue" });
  });

  it("an empty team → the team queue", () => {
    expect(chooseAssignee({ strategy: "skill_based", skill: null, candidates: [] })).toMatchObject({ assigneeId: null, reason: { fallback: "team_queue" } });
  });
});

describe("the skill a ticket needs", () => {
  it.each([
    [null, null],
    ["Billing", "billing"],
    ["  Technical Support ", "technical support"],
  ])("category %j → %j", (category, skill) => {
    expect(requiredSkill(category)).toBe(skill);
  });
});

describe("a member's proficiency in the skill", () => {
  it.each([
    [{ billing: 4 }, "billing", 4],
    [{ billing: 4 }, null, 0],
    [{ billing: 4 }, "shipping", 0],
    // A category named like an Object property is a skill nobody holds, not the property.
    [{ billing: 4 }, "constructor", 0],
    [{ billing: 4 }, "__proto__", 0],
    [{ billing: 4 }, "toString", 0],
  ])("%j in %j → %j", (skills, skill, proficiency) => {
    expect(proficiencyIn(skills, skill)).toBe(proficiency);
  });
});

describe("loadDeltas: how one ticket write moves agents' loads", () => {
  const t = (assigneeId: string | null, status: LoadState["status"] = "open", priority: LoadState["priority"] = "medium", deletedAt: string | null = null): LoadState => ({
    assigneeId,
    status,
    priority,
    deletedAt,
  });
  it.each<[string, LoadState | null, LoadState | null, { userId: string; active: number; critical: number }[]]>([
    ["created unassigned", null, t(null), []],
    ["created assigned", null, t("ana"), [{ userId: "ana", active: 1, critical: 0 }]],
    ["created assigned, critical", null, t("ana", "open", "critical"), [{ userId: "ana", active: 1, critical: 1 }]],
    ["created pending (no load)", null, t("ana", "pending"), []],
    ["reassigned", t("ana"), t("ben"), [{ userId: "ana", active: -1, critical: 0 }, { userId: "ben", active: 1, critical: 0 }]],
    ["unassigned", t("ana", "in_progress", "critical"), t(null, "in_progress", "critical"), [{ userId: "ana", active: -1, critical: -1 }]],
    ["open → in_progress", t("ana"), t("ana", "in_progress"), []],
    ["open → pending", t("ana"), t("ana", "pending"), [{ userId: "ana", active: -1, critical: 0 }]],
    ["pending → open (customer reply)", t("ana", "pending"), t("ana"), [{ userId: "ana", active: 1, critical: 0 }]],
    ["resolved → open (reopen)", t("ana", "resolved", "critical"), t("ana", "open", "critical"), [{ userId: "ana", active: 1, critical: 1 }]],
    ["raised to critical", t("ana", "open", "high"), t("ana", "open", "critical"), [{ userId: "ana", active: 0, critical: 1 }]],
    ["critical while pending", t("ana", "pending", "high"), t("ana", "pending", "critical"), []],
    ["deleted", t("ana", "open", "critical"), t("ana", "open", "critical", "2026-11-26T10:00:00.000Z"), [{ userId: "ana", active: -1, critical: -1 }]],
    ["reassigned and resolved at once", t("ana"), t("ben", "resolved"), [{ userId: "ana", active: -1, critical: 0 }]],
    ["nothing that matters", t("ana"), t("ana"), []],
  ])("%s", (_, before, after, deltas) => {
    expect(loadDeltas(before, after)).toEqual(deltas);
  });
});

describe("chooseFromWalk: a prefix of the strategy's order decides exactly, or says it cannot", () => {
  // The walk's order (routing.service's indexes): the strategy's key, the longest idle (never first), the id.
  const key = (strategy: string, c: AgentCandidate) =>
    strategy === "least_loaded" ? [c.activeTickets, c.criticalTickets] : strategy === "skill_based" ? [skillScore(c)] : [];
  const walkOrder = (strategy: string) => (a: AgentCandidate, b: AgentCandidate) => {
    const [ka, kb] = [key(strategy, a), key(strategy, b)];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    const [la, lb] = [a.lastAssignedAt ?? "", b.lastAssignedAt ?? ""];
    return la < lb ? -1 : la > lb ? 1 : a.id < b.id ? -1 : 1;
  };

  it("on 3,000 random teams, prefixes and extras: equal to the full choice whenever it decides", () => {
    const rnd = seeded(42);
    let decided = 0;
    let undecided = 0;
    for (let n = 0; n < 3000; n++) {
      const strategy = rnd.pick(ROUTING_STRATEGIES);
      const skill = rnd.pick([null, "billing"]);
      const team = Array.from({ length: 1 + Math.floor(rnd.next() * 20) }, (_, i) =>
        agent(`a${String(i).padStart(2, "0")}`, {
          availability: rnd.pick(["online", "online", "online", "away", "offline"] as const),
          maxOpenTickets: rnd.pick([1, 2, 3, 10]),
          activeTickets: Math.floor(rnd.next() * 4),
          criticalTickets: Math.floor(rnd.next() * 2),
          proficiency: skill === null ? 0 : Math.floor(rnd.next() * 6),
          lastAssignedAt: rnd.pick([null, "2030-01-01", "2030-01-02"]),
        }),
      );
      const exclude = rnd.next() < 0.3 ? [rnd.pick(team).id] : [];
      const full = chooseAssignee({ strategy, skill, candidates: team, exclude });
      // The walk: manually online members (skill_based with a skill: holders only), in order; one member may be set apart.
      const extra = rnd.next() < 0.3 ? rnd.pick(team) : null;
      const walkable = team
        .filter((c) => c.availability === "online" && c !== extra && !(strategy === "skill_based" && skill !== null && c.proficiency < 1))
        .sort(walkOrder(strategy));
      const limit = 1 + Math.floor(rnd.next() * 8);
      const rows = walkable.slice(0, limit);
      const walked = chooseFromWalk({ strategy, skill, candidates: rows, exclude, extra, complete: rows.length < limit, members: team.length });
      if (!walked) {
        undecided++;
        continue;
      }
      decided++;
      expect(walked.assigneeId).toBe(full.assigneeId);
      expect(walked.reason).toMatchObject({ chosen: full.reason.chosen, runner_up: full.reason.runner_up, candidates: team.length, examined: rows.length + (extra ? 1 : 0) });
      expect(walked.reason.fallback).toBe(full.reason.fallback);
    }
    expect(decided).toBeGreaterThan(1000);
    expect(undecided).toBeGreaterThan(100);
  });
});
