import { TICKET_STATUSES } from "../../domain/vocabulary";
import type { TicketSort } from "./tickets.schemas";

/**
 * How a ticket list reads its page (pure: no SQL runs here). Every list walks index ranges in its
 * sort order and stops after a page:
 *
 * - the filters bound by equality to an index's leading columns choose the index; a filter of
 *   several values (a status list, a priority list, a column of a small known domain bound to all
 *   its values) makes one walk per value, and the walks are merged;
 * - the rest of the index must be the sort, so each walk yields rows in page order;
 * - filters the index does not hold are checked on each row walked ("residual"); then the walks
 *   read at most a scan budget per request, and a page may be short with a cursor to go on.
 *
 * `tickets.list.ts` runs the plan. The catalogue below names the indexes of db/schema/tickets.ts
 * that lists may walk; docs/data-model.md says which list each one serves.
 */

export type Dir = "asc" | "desc";

/** Ticket columns an index key may hold, as SQL names. */
export type KeyColumnName = "status" | "custom_status" | "assignee_id" | "team_id" | "requester_id" | "category" | "channel" | "priority_rank" | "created_at" | "updated_at" | "sla_next_due_at";

export interface IndexColumn {
  name: KeyColumnName;
  dir: Dir;
}

export interface ListIndex {
  /** The index name in db/schema/tickets.ts (INDEXED BY). */
  name: string;
  columns: IndexColumn[];
  /** A partial index of flagged-breached tickets only (`sla_breached = 1`). */
  breachedOnly?: true;
}

const asc = (name: KeyColumnName): IndexColumn => ({ name, dir: "asc" });
const desc = (name: KeyColumnName): IndexColumn => ({ name, dir: "desc" });

/** Every index a list may walk, each ending in (sort keys…) + the implicit rowid. */
export const LIST_INDEXES: readonly ListIndex[] = [
  // "All tickets", newest first, is the most read list: one walk instead of a merge of six.
  { name: "tickets_created_idx", columns: [asc("created_at")] },
  { name: "tickets_status_created_idx", columns: [asc("status"), asc("created_at")] },
  { name: "tickets_status_updated_idx", columns: [asc("status"), asc("updated_at")] },
  { name: "tickets_status_priority_created_idx", columns: [asc("status"), desc("priority_rank"), asc("created_at")] },
  { name: "tickets_status_sla_due_idx", columns: [asc("status"), asc("sla_next_due_at"), asc("created_at")] },
  { name: "tickets_breached_status_created_idx", columns: [asc("status"), asc("created_at")], breachedOnly: true },
  { name: "tickets_breached_status_updated_idx", columns: [asc("status"), asc("updated_at")], breachedOnly: true },
  { name: "tickets_breached_status_priority_created_idx", columns: [asc("status"), desc("priority_rank"), asc("created_at")], breachedOnly: true },
  { name: "tickets_breached_status_sla_due_idx", columns: [asc("status"), asc("sla_next_due_at"), asc("created_at")], breachedOnly: true },
  { name: "tickets_assignee_status_created_idx", columns: [asc("assignee_id"), asc("status"), asc("created_at")] },
  { name: "tickets_assignee_status_updated_idx", columns: [asc("assignee_id"), asc("status"), asc("updated_at")] },
  { name: "tickets_assignee_status_priority_created_idx", columns: [asc("assignee_id"), asc("status"), desc("priority_rank"), asc("created_at")] },
  { name: "tickets_assignee_status_sla_due_idx", columns: [asc("assignee_id"), asc("status"), asc("sla_next_due_at"), asc("created_at")] },
  { name: "tickets_team_status_created_idx", columns: [asc("team_id"), asc("status"), asc("created_at")] },
  { name: "tickets_requester_created_idx", columns: [asc("requester_id"), asc("created_at")] },
  { name: "tickets_requester_updated_idx", columns: [asc("requester_id"), asc("updated_at")] },
  // A customer's list by priority (one walk per priority; -priority walks them backwards) and by
  // SLA due, their requester bound: no list of a customer may walk everyone's tickets (tickets.list.ts).
  // Staff lists naming a requester walk them too (the requester is the narrower filter, as in
  // created order), and so do lists with `priority=` in created order (one walk per priority named).
  { name: "tickets_requester_priority_created_idx", columns: [asc("requester_id"), desc("priority_rank"), asc("created_at")] },
  { name: "tickets_requester_sla_due_idx", columns: [asc("requester_id"), asc("sla_next_due_at"), asc("created_at")] },
  { name: "tickets_category_created_idx", columns: [asc("category"), asc("created_at")] },
  { name: "tickets_channel_created_idx", columns: [asc("channel"), asc("created_at")] },
  // Partial: tickets with a custom status (`custom_status=<key>`).
  { name: "tickets_custom_status_created_idx", columns: [asc("custom_status"), asc("created_at")] },
  { name: "tickets_updated_idx", columns: [asc("updated_at")] },
];

/**
 * Each sort's key columns (the implicit rowid follows, in the direction of the last key). Every
 * key is (nearly) unique: SQLite seeks an index on its columns but not on the rowid it appends,
 * so a page after a run of equal keys would rescan that run.
 */
export const SORT_KEYS: Record<TicketSort, IndexColumn[]> = {
  "-created_at": [desc("created_at")],
  created_at: [asc("created_at")],
  "-updated_at": [desc("updated_at")],
  updated_at: [asc("updated_at")],
  // Most urgent first; within a priority the oldest waits longest.
  priority: [desc("priority_rank"), asc("created_at")],
  "-priority": [asc("priority_rank"), desc("created_at")],
  // Tickets with no running clock carry NO_DUE and so come last, oldest first: the key must be
  // (nearly) unique, because ties are broken by the rowid, which no index seeks on.
  sla_due: [asc("sla_next_due_at"), asc("created_at")],
};

/**
 * Columns whose every value is known: a walk may bind them to all their values (one walk each,
 * merged) when no filter names them, so an index that leads with status serves lists without a
 * status filter too.
 */
const DOMAINS: Partial<Record<KeyColumnName, readonly (string | number)[]>> = {
  status: TICKET_STATUSES,
  priority_rank: [4, 3, 2, 1],
};

/** Values a filter binds a column to (`null`: IS NULL, for `assignee_id=none`). */
export type Bindings = Partial<Record<KeyColumnName, readonly (string | number | null)[]>>;

export interface Plan {
  index: ListIndex;
  /**
   * One walk per combination of these values of the index's leading columns. Leading sort keys
   * among them (priority_rank under sort=priority) make ordered groups: every row of an earlier
   * group comes before every row of a later one.
   */
  walks: Partial<Record<KeyColumnName, string | number | null>>[];
  /** Filters (by key name) the walks do not hold: checked per row, under the scan budget. */
  residual: KeyColumnName[];
}

/**
 * Whether the index columns after the bound ones are the sort keys not bound (in order, all in
 * the sort's direction or all reversed). Mixed directions are refused: a keyset condition over
 * them cannot seek, so mixed sorts bind their leading key instead (one walk per priority).
 */
function walksInOrder(rest: readonly IndexColumn[], sort: readonly IndexColumn[], bound: readonly KeyColumnName[]): boolean {
  // Bound sort keys must lead the sort: a walk's rows then share them and the walks are ordered groups.
  const boundKeys = sort.filter((c) => bound.includes(c.name)).length;
  if (sort.slice(0, boundKeys).some((c) => !bound.includes(c.name))) return false;
  const open = sort.slice(boundKeys);
  if (open.some((c) => c.dir !== open[0]!.dir)) return false;
  if (rest.length !== open.length || rest.some((c, i) => c.name !== open[i]!.name)) return false;
  const same = rest.map((c, i) => c.dir === open[i]!.dir);
  return same.every((x) => x === same[0]);
}

/** The combinations of the values bound to `columns` (each walk binds one value per column). */
function product(columns: readonly KeyColumnName[], values: (c: KeyColumnName) => readonly (string | number | null)[]) {
  let walks: Partial<Record<KeyColumnName, string | number | null>>[] = [{}];
  for (const c of columns) walks = walks.flatMap((w) => values(c).map((v) => ({ ...w, [c]: v })));
  return walks;
}

/**
 * How many tickets a filter on the column typically leaves out, as a rank: between two walks that
 * check the same number of filters per row, the one that binds the narrower filter (one person's
 * tickets rather than one status's) checks the wider one, which most rows pass.
 */
const NARROWNESS: Record<KeyColumnName, number> = {
  requester_id: 6,
  assignee_id: 5,
  custom_status: 4,
  team_id: 3,
  category: 2,
  channel: 2,
  status: 1,
  priority_rank: 1,
  created_at: 0,
  updated_at: 0,
  sla_next_due_at: 0,
};
/** Statuses most tickets end in: a filter naming one of them is wide, the working statuses narrow. */
const SETTLED: readonly (string | number | null)[] = ["resolved", "closed"];
const narrowness = (columns: readonly KeyColumnName[], bindings: Bindings) =>
  columns.reduce((n, c) => n + (c === "status" && !bindings.status?.some((v) => SETTLED.includes(v)) ? NARROWNESS.team_id : NARROWNESS[c]), 0);

/**
 * Most walks of one group (a status list) read as one compound SELECT (`… UNION ALL …`, merged in
 * order by SQLite: tickets.list.ts). workerd's local D1 refuses 6 terms ("too many terms in compound
 * SELECT", measured); production D1's limit is not documented, so a refusal there is caught, the
 * walks run apart and the isolate remembers the lower limit.
 */
export const MAX_COMPOUND_ARMS = 5;

/** Most walks one list may merge (6 statuses × 4 priorities). */
export const MAX_WALKS = 24;

/**
 * The best walk of the catalogue for these filters and sort: the fewest residual filters (an
 * index that holds every filter yields exactly a page), then the widest residual ones (most rows
 * pass them), then the fewest walks merged at once.
 * `breachedOnly`: only flagged-breached tickets are wanted (the caller adds the not-yet-flagged).
 */
export function planList(bindings: Bindings, sort: TicketSort, options: { breachedOnly?: boolean } = {}): Plan | null {
  const sortKeys = SORT_KEYS[sort];
  const filtered = (Object.keys(bindings) as KeyColumnName[]).filter((c) => bindings[c] !== undefined);
  let best: (Plan & { merged: number }) | null = null;
  for (const index of LIST_INDEXES) {
    if ((index.breachedOnly ?? false) !== (options.breachedOnly ?? false)) continue;
    for (let k = 0; k < index.columns.length; k++) {
      const prefix = index.columns.slice(0, k).map((c) => c.name);
      if (prefix.some((c) => !bindings[c] && !DOMAINS[c])) break;
      if (!walksInOrder(index.columns.slice(k), sortKeys, prefix)) continue;
      const values = (c: KeyColumnName) => bindings[c] ?? DOMAINS[c]!;
      const walks = prefix.reduce((n, c) => n * values(c).length, 1);
      if (walks > MAX_WALKS) continue;
      // Walks of one group are merged; groups (a bound sort key) follow one another.
      const merged = prefix.filter((c) => !sortKeys.some((s) => s.name === c)).reduce((n, c) => n * values(c).length, 1);
      const residual = filtered.filter((c) => !prefix.includes(c));
      const better =
        !best ||
        residual.length < best.residual.length ||
        (residual.length === best.residual.length &&
          (narrowness(residual, bindings) < narrowness(best.residual, bindings) ||
            (narrowness(residual, bindings) === narrowness(best.residual, bindings) && merged < best.merged)));
      if (better) {
        best = { index, walks: product(prefix, values), residual, merged };
      }
    }
  }
  if (!best) return null;
  const { merged: _, ...plan } = best;
  return plan;
}


