import { and, asc, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import { selectIn, type Database } from "../../db/client";
import { tickets, users } from "../../db/schema";
import { mainRowsOf, yearStores } from "../../db/ticket-stores";
import { can } from "../../domain/permissions";
import { decodeCursor, encodeCursor, newerThan, type CursorPosition } from "../../lib/cursor";
import { forbidden, validation } from "../../lib/errors";
import { actorOf, type ServiceContext } from "../../lib/request-context";
import { signingSecret } from "../auth/tokens";
import { requesterColumns, toTicket, type Ticket, type TicketRow } from "../tickets/tickets.serialize";
import { ticketView } from "../tickets/ticket-view";

/**
 * The incremental ticket export (API.md; Zendesk's cursor-based incremental export): every ticket
 * changed at or after `start_time`, oldest change first, a deleted one as `{id, deleted: true}`.
 *
 * The position is (change time, ticket id), exclusive: tickets changed in the same millisecond are
 * ordered by id and a page may end between them without skipping any. A change is only handed out
 * once it is INCREMENTAL_LAG_MS old: a write takes its time when it starts and commits a moment
 * later, so a fresher position could be passed before a change dated earlier commits. A ticket
 * changed again later appears again, at its latest change. Live tickets walk tickets_updated_idx,
 * deletions tickets_deleted_idx; the two are merged in (time, id) order.
 *
 * Retired tickets (year databases, db/ticket-stores.ts) are in the stream too: each bound year
 * walks its own tickets_updated_idx after the same position, and the walks are merged with main's
 * by (time, id). The position names no database on purpose: the retire and the bring-back move a
 * row as it is (its `updated_at` too), so a ticket keeps its place in the stream wherever it lives,
 * and a move between pages neither repeats it (it is behind the cursor in its new database as in
 * its old) nor skips it (ahead of the cursor in both), and a move while a page is read is seen in
 * one of its reads (below). A move is not a change; the write a bring-back makes way for is, and
 * puts the ticket at its new time as any change does. A ticket both databases hold (a retire
 * between its copy and its delete, or a bring-back's leftover) is main's row, as on every other read. Deletions are main's alone: a delete is a write,
 * and every write brings a retired ticket back into main first.
 */
export const INCREMENTAL_LAG_MS = 60_000;
export const MAX_INCREMENTAL_LIMIT = 1_000;
const SORT = "incremental:tickets";

export interface IncrementalQuery {
  start_time?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

type Data = Ticket | { id: string; deleted: true; deleted_at: string };
/** A change from one walk: main's live tickets (0), main's deletions (1), a year's tickets (2…). */
interface Item {
  at: string;
  id: string;
  walk: number;
  row?: TicketRow;
  deleted?: true;
}
const MAIN = 0;
const DELETIONS = 1;
const byPosition = (a: { at: string; id: string }, b: { at: string; id: string }) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function incrementalTickets(ctx: ServiceContext, q: IncrementalQuery) {
  if (!can(actorOf(ctx).role, "settings.manage")) throw forbidden("The incremental export is for admins");
  const secret = signingSecret(ctx.env);
  let after: CursorPosition;
  if (q.cursor) after = await decodeCursor(secret, SORT, q.cursor);
  else if (q.start_time) after = { key: new Date(q.start_time).toISOString(), id: "" };
  else throw validation("start_time or cursor is required", { start_time: ["the first call names a start time; later ones pass next_cursor"] });
  const horizon = new Date(ctx.now.getTime() - INCREMENTAL_LAG_MS).toISOString();
  const live = and(isNull(tickets.deletedAt), newerThan(tickets.updatedAt, tickets.id, after), lt(tickets.updatedAt, horizon));
  // The same walk in main and in each year; requesters are looked up for the page alone (users stay in main).
  const liveIn = (db: Database) => db.select().from(tickets).where(live).orderBy(asc(tickets.updatedAt), asc(tickets.id)).limit(q.limit);
  const stores = yearStores(ctx.env);
  const [mainLive, deleted] = await Promise.all([
    liveIn(ctx.db),
    ctx.db
      .select({ id: tickets.id, at: sql<string>`${tickets.deletedAt}` })
      .from(tickets)
      .where(and(isNotNull(tickets.deletedAt), newerThan(tickets.deletedAt, tickets.id, after), lt(tickets.deletedAt, horizon)))
      .orderBy(asc(tickets.deletedAt), asc(tickets.id))
      .limit(q.limit),
  ]);
  const yearLive = await Promise.all(stores.map((y) => liveIn(y.db)));
  // Main, the years, then main again: a ticket moving while this request reads is in one of the
  // reads. A retire copies into the year before it deletes from main, so a ticket main's first read
  // missed is in the year's; a bring-back inserts into main before it drops the year's copy, so a
  // ticket the year's read missed is in main's second. (A bring-back is often no change at all, e.g.
  // a reply refused after it, so the ticket keeps its place and would not come again.)
  const mainAgain = stores.length ? await liveIn(ctx.db) : [];
  const item = (walk: number) => (row: TicketRow): Item => ({ at: row.updatedAt, id: row.id, walk, row });
  const fromMain = item(MAIN);
  const walks: Item[][] = [
    mainLive.map(fromMain),
    mainAgain.map(fromMain),
    deleted.map((r) => ({ at: r.at, id: r.id, walk: DELETIONS, deleted: true as const })),
    ...yearLive.map((rows, i) => rows.map(item(2 + i))),
  ];
  // A walk that filled its limit may hold more beyond its last row: nothing after the nearest such edge is handed out yet.
  const edge = walks
    .filter((w) => w.length === q.limit)
    .map((w) => w.at(-1)!)
    .reduce<Item | null>((m, last) => (!m || byPosition(last, m) < 0 ? last : m), null);
  const inWindow = (i: Item) => byPosition(i, { at: after.key as string, id: after.id }) > 0 && i.at < horizon && (!edge || byPosition(i, edge) <= 0);
  const candidates = walks
    .flat()
    .filter((i) => !edge || byPosition(i, edge) <= 0)
    .sort((a, b) => byPosition(a, b) || a.walk - b.walk);
  const inMainWalks = new Set(candidates.filter((i) => i.walk <= DELETIONS).map((i) => i.id));
  // A year's row main holds too is main's: main's row is read for the rows a page would show (one
  // lookup each), again when dropping some brought others in. Main's row takes the year's place if
  // main's walks did not read it (it came back after them). Then one row per ticket (main's row and
  // a year's of one ticket both read while a retire finished between the two reads).
  const dropped = new Set<string>();
  const asked = new Set<string>();
  let page: Item[] = [];
  for (;;) {
    const seen = new Set<string>();
    page = [];
    for (const i of candidates) {
      if (page.length === q.limit) break;
      if (seen.has(i.id) || (i.walk > DELETIONS && dropped.has(i.id))) continue;
      seen.add(i.id);
      page.push(i);
    }
    const ask = page.filter((i) => i.walk > DELETIONS && !asked.has(i.id)).map((i) => i.id);
    if (!ask.length) break;
    for (const id of ask) asked.add(id);
    const held = await mainRowsOf(ctx.db, ask);
    if (!held.length) break;
    for (const row of held) {
      dropped.add(row.id);
      if (inMainWalks.has(row.id)) continue;
      const now: Item = row.deletedAt === null ? fromMain(row) : { at: row.deletedAt, id: row.id, walk: DELETIONS, deleted: true };
      if (inWindow(now)) candidates.push(now);
    }
    candidates.sort((a, b) => byPosition(a, b) || a.walk - b.walk);
  }
  // The page's requesters, from main (users stay there).
  const need = [...new Set(page.flatMap((i) => (i.row ? [i.row.requesterId] : [])))];
  const requesters = new Map((await selectIn(need, (slice) => ctx.db.select(requesterColumns).from(users).where(inArray(users.id, slice)))).map((u) => [u.id, u]));
  const rows = page.flatMap((i) => (i.row ? [i.row] : []));
  const view = await ticketView(ctx, rows);
  const data: Data[] = page.map((i) =>
    i.row ? toTicket(i.row, requesters.get(i.row.requesterId)!, ctx.now, view) : { id: i.id, deleted: true as const, deleted_at: i.at },
  );
  // Short of a page only at an edge: everything up to it was handed out or is another row of a ticket handed out.
  const last = page.length === q.limit ? page.at(-1)! : (edge ?? page.at(-1));
  const position = last ? { key: last.at, id: last.id } : after;
  return {
    data,
    next_cursor: await encodeCursor(secret, SORT, position),
    // Fewer than a page was there before the horizon: the consumer is up to date (for now).
    end_of_stream: !edge && page.length < q.limit,
  };
}
