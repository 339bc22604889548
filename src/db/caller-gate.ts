import type { Actor, Role } from "../domain/permissions";
import { unauthorized } from "../lib/errors";
import { failAssumption, failedAssumption } from "./batch-assumptions";
import { preparedSelect } from "./client";
import { users } from "./schema";

/**
 * The caller checked inside the request's first D1 call, instead of a call of its own (issue 15
 * item 3: most of the local D1's CPU is per call, and every call costs ours too): their row read
 * there, or, for a write planned from the isolate's copy of their profile, the row held to it. For the two hot
 * writes only (create a ticket, add a comment: middleware/auth.ts `requireAuthInFirstCall`); every
 * other route reads the caller first, as before (GETs may run on a replica that lags a deactivation).
 *
 * The security rule is the same as reading it first: nothing the route does reaches D1 or the route
 * before the caller passes (row exists, active, token version = the token's, role = the token's).
 * - The request's D1 session is wrapped ({@link gateCaller}): its first call, batch or single
 *   statement, goes out as one batch that starts with the caller's check: a read-only call with the
 *   caller's row; a call that may write with a guard that fails the whole batch (D1 batches are
 *   transactions) unless the caller passes, so a refused caller's write leaves nothing (no ticket, no
 *   number taken, no key), then the caller's row, or, for a write planned from the isolate's copy of
 *   the profile (below), a check of the copy instead of the row: the guard and that check together
 *   hold the row to everything the read would tell.
 * - No result of that call is handed back before the caller's row passed. If the call failed (nothing
 *   written), the request's next call carries the caller the same way, and an answer waits for the
 *   caller's row (`settled`, read on its own when no call came), so a refused caller always gets
 *   401, never the route's error (nor an idempotent replay).
 * - The actor's id and role are the token's (signed; the guard and the row check hold them to the
 *   row); its name, email and `unverified` exist only once the caller passed (their row read, or the
 *   copy checked against it) or a path took the copy on purpose: reading them earlier throws
 *   ({@link callerReady} reads the row first where a path needs them before any D1 call).
 * - A single statement read with `raw()` (drizzle's selects) is not carried: a batch answers rows as
 *   objects, where two columns of one name would merge. The caller is then read on its own first.
 * - A create writes the caller's name and address (its idempotency record, its events) in its one
 *   batch, before any D1 call read them, and so does a reply planned from a kept ticket row
 *   (features/tickets/kept-rows.ts): the isolate's copy of the caller's profile stands in
 *   ({@link callerKnown}, {@link presumeCaller}), and the first call then also fails unless the row still holds it (the
 *   "caller" batch assumption, db/batch-assumptions.ts); the caller is then read on their own, and the
 *   route plans again with the row's profile. The copy decides nothing: who may act is the row's
 *   id, role, token version and active flag, checked by the guard as before.
 * Before the caller is decided (its first D1 call, or the next one when that failed), a route on this
 * path must not act (no R2, queue, Durable Object or fetch): the handlers name their first call.
 */

/** The caller's row, as text (no query building): the same read on both paths. */
export const callerById = preparedSelect(
  { id: users.id, name: users.name, email: users.email, role: users.role, active: users.active, tokenVersion: users.tokenVersion, emailVerifiedAt: users.emailVerifiedAt },
  'from "users" where "users"."id" = ? limit 1',
);
type CallerRow = Awaited<ReturnType<typeof callerById>>[number];

/** What a verified access token says (features/auth/tokens.ts AccessClaims). */
export interface CallerClaims {
  sub: string;
  role: Role;
  tv: number;
}

/**
 * The caller as services see them, if their row passes: it exists, is active and carries the token's
 * version. `role`: also held to the token's (the gated path decided on the token's role; a role change
 * bumps the version anyway, users.service.ts).
 */
export function callerFromRow(row: CallerRow | undefined, claims: CallerClaims, role?: Role): Actor | null {
  if (!row || !row.active || row.tokenVersion !== claims.tv || (role !== undefined && row.role !== role)) return null;
  return { id: row.id, name: row.name, email: row.email, role: row.role, ...(row.emailVerifiedAt ? {} : { unverified: true as const }) };
}

// Inserts a row (and so fails the CHECK, migrations/0044) exactly when the caller does not pass.
const GUARD =
  'insert into "caller_guard" ("refused") select 1 where not exists (select 1 from "users" where "users"."id" = ? and "users"."active" = 1 and "users"."token_version" = ? and "users"."role" = ?)';
/** The guard's CHECK, as D1 names it in the failed batch's error. */
const GUARD_FAILED = "caller_verified";

/**
 * Fails the batch unless the caller's row still holds the profile the route used (bound: id, name,
 * email, whether unverified): a "caller" assumption, evaluated only on a row that differs.
 */
const PROFILE_HELD = `select ${failAssumption("caller", '"users"."id"')} from "users" where "users"."id" = ? and not ("users"."name" = ? and "users"."email" = ? and ("users"."email_verified_at" is null) = ?)`;

/**
 * Profiles of callers this isolate verified lately (each refreshed whenever the caller passes: their
 * row read, after a failed check of the copy too, or the copy checked against it); bounded, so a
 * long-lived isolate's memory stays flat.
 */
const KNOWN_CALLERS = 1000;
const knownCallers = new Map<string, { actor: Actor; tokenVersion: number }>();

function knowCaller(actor: Actor, tokenVersion: number): void {
  knownCallers.delete(actor.id);
  if (knownCallers.size >= KNOWN_CALLERS) knownCallers.delete(knownCallers.keys().next().value!);
  knownCallers.set(actor.id, { actor, tokenVersion });
}

// A statement that only reads: the batch it rides in needs no guard (its results are held back instead).
const READ_ONLY = /^\s*select\b/i;

type D1 = D1Database | D1DatabaseSession;

class Gate {
  /** Settles once the caller is decided: resolves when they pass, rejects with 401 when not. */
  private decided: Promise<void> | null = null;
  profile: Actor | null = null;
  /** The isolate's copy of the caller's profile, handed out before the first call, which then checks it. */
  assumed: Actor | null = null;
  /** The copy differed from the row a read-only first call found: a write planned from it must be planned again ({@link copyWentStale}). */
  copyStale = false;
  refused = false;

  constructor(
    readonly d1: D1,
    readonly claims: CallerClaims,
  ) {}

  get verified(): boolean {
    return this.profile !== null;
  }

  private settle(row: CallerRow | undefined): void {
    const actor = callerFromRow(row, this.claims, this.claims.role);
    if (!actor) {
      this.refused = true;
      throw unauthorized();
    }
    this.passed(actor);
  }

  private passed(actor: Actor): void {
    this.profile = actor;
    knowCaller(actor, this.claims.tv);
    const copy = this.assumed;
    if (copy && (copy.name !== actor.name || copy.email !== actor.email || copy.unverified !== actor.unverified)) this.copyStale = true;
  }

  /** The copy of the caller's profile, while the request's first call has not gone out (it then checks it); null when there is none to take. */
  assume(): Actor | null {
    if (this.assumed || this.decided) return this.assumed;
    const known = knownCallers.get(this.claims.sub);
    if (known && known.tokenVersion === this.claims.tv && known.actor.role === this.claims.role) this.assumed = known.actor;
    return this.assumed;
  }

  /**
   * The caller decided: read on their own (their own D1 call) unless a call carrying them is out. That
   * call may fail and leave them undecided (carry), so this waits until they are (settle throws on a refusal).
   */
  async ready(): Promise<void> {
    while (!this.verified) await (this.decided ??= callerById(this.d1, [this.claims.sub]).then((rows) => this.settle(rows[0])));
  }

  /** `statements` as one D1 call; the first call of the request carries the caller (and a guard when it writes). */
  async carry(statements: { inner: D1PreparedStatement; sql: string }[]): Promise<D1Result[]> {
    const inner = statements.map((s) => s.inner);
    if (this.decided) {
      await this.decided;
      if (this.verified) return this.d1.batch(inner);
      // The first call failed with the caller undecided (below): this one carries the check instead.
      return this.carry(statements);
    }
    const writes = statements.some((s) => !READ_ONLY.test(s.sql));
    const { sub, role, tv } = this.claims;
    const copy = writes ? this.assumed : null;
    const guard = () => this.d1.prepare(GUARD).bind(sub, tv, role);
    // The call's lead, one of three shapes, and how its results decide the caller:
    // - a read-only call: the caller's row (the call's results are held back until it passed; a copy
    //   found stale there makes the write plan again: copyWentStale);
    // - a write planned from the isolate's copy: the guard (id, active, token version, role), then the
    //   copy's check (name, email, verified; the write fails, nothing written): past both, the row holds
    //   exactly what reading it would tell (callerFromRow), so it is not read and the copy is the caller;
    // - any other write: the guard, then the caller's row.
    let lead: D1PreparedStatement[];
    let decide: (results: D1Result[]) => void;
    if (copy) {
      lead = [guard(), this.d1.prepare(PROFILE_HELD).bind(sub, copy.name, copy.email, copy.unverified ? 1 : 0)];
      decide = () => this.passed(copy);
    } else {
      const read = callerById.inBatch(this.d1, [sub]);
      lead = writes ? [guard(), read.statement] : [read.statement];
      decide = (results) => this.settle(read.rows(results[lead.length - 1]!)[0]);
    }
    const call = this.d1.batch([...lead, ...inner]);
    this.decided = call.then(
      decide,
      async (err: unknown) => {
        const text = String((err as Error)?.message ?? err);
        // The guard refused: nothing was written.
        if (text.includes(GUARD_FAILED)) return this.settle(undefined);
        // The copy of the profile was stale: its row now, so a plan made again names the caller as they are.
        if (failedAssumption(text) === "caller") return this.settle((await callerById(this.d1, [sub]))[0]);
        // Anything else failed the batch (a stale kept row, a policy copy, a constraint): nothing was
        // written and the caller is still undecided. A write planned again carries the check in its
        // own next call (a stale reply: 3 calls, not 4: the failed one, the fresh read, the write);
        // a route that answers its error instead has the caller read first (`settled`).
        this.decided = null;
      },
    );
    await this.decided;
    return (await call).slice(lead.length);
  }
}

/** A statement prepared on a gated session: executed through the gate until the caller passed. */
class GatedStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    readonly sql: string,
    readonly gate: Gate,
  ) {}

  bind(...values: unknown[]): GatedStatement {
    return new GatedStatement(this.inner.bind(...values), this.sql, this.gate);
  }

  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    if (this.gate.verified) return this.inner.all<T>();
    return (await this.gate.carry([this]))[0] as D1Result<T>;
  }

  run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.all<T>();
  }

  async first<T = unknown>(column?: string): Promise<T | null> {
    if (this.gate.verified) return column === undefined ? this.inner.first<T>() : this.inner.first<T>(column);
    const row = ((await this.all()).results[0] ?? null) as Record<string, unknown> | null;
    return (column === undefined ? row : (row?.[column] ?? null)) as T | null;
  }

  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[]> {
    // Not carried (see the module's comment): the caller on their own call first.
    if (!this.gate.verified) await this.gate.ready();
    return this.inner.raw<T>(options as { columnNames?: false });
  }
}

const innerOf = (s: unknown) => (s instanceof GatedStatement ? s.inner : (s as D1PreparedStatement));

// The gate of each actor it made, for {@link callerReady}.
const gates = new WeakMap<Actor, Gate>();

/**
 * Arms `d1` (the request's session) to verify the caller in its first call. Returns the session to
 * hand the route, the actor (name, email and `unverified` readable once verified), and `settled`,
 * which the middleware awaits after the route: a request that never reached D1 still has its caller
 * read before its answer leaves (a 400 to a deactivated caller would be an answer before the 401).
 */
export function gateCaller<T extends D1>(d1: T, claims: CallerClaims): { d1: T; actor: Actor; settled: () => Promise<void>; refused: () => boolean } {
  const gate = new Gate(d1, claims);
  const profile = (): Actor => {
    // Only a copy a path took on purpose (callerKnown, presumeCaller): it handles the first call's check failing.
    const known = gate.profile ?? gate.assumed;
    if (known) return known;
    throw new Error("the caller's name, email and verification are known after the request's first D1 call (db/caller-gate.ts)");
  };
  const actor = {
    id: claims.sub,
    role: claims.role,
    get name() {
      return profile().name;
    },
    get email() {
      return profile().email;
    },
    get unverified() {
      return profile().unverified;
    },
  } as Actor;
  gates.set(actor, gate);
  const gated = new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => (gate.verified ? target.prepare(sql) : new GatedStatement(target.prepare(sql), sql, gate));
      if (prop === "batch") {
        return async (statements: unknown[]) => {
          if (gate.verified) return target.batch(statements.map(innerOf));
          return gate.carry(statements.map((s) => (s instanceof GatedStatement ? s : { inner: s as D1PreparedStatement, sql: "" })));
        };
      }
      if (prop === "exec") {
        return async (query: string) => {
          await gate.ready();
          return (target as D1Database).exec(query);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as T;
  return { d1: gated, actor, settled: () => gate.ready(), refused: () => gate.refused };
}

/**
 * Makes the caller's name and email readable without a D1 call where the isolate knows them (the
 * request's first call then checks them); else reads the caller's row now, as {@link callerReady}.
 * For a path that writes them in its first call (a ticket create), which must then be a batch or a
 * statement the gate carries (not a `raw()` read, which reads the caller on its own and checks no
 * copy). A no-op for any other actor.
 */
export async function callerKnown(actor: Actor): Promise<void> {
  const gate = gates.get(actor);
  if (gate && !gate.verified && !gate.assume()) await gate.ready();
}

/**
 * Reads the caller's row now if the request has not reached D1 yet: for a path that needs the
 * caller's email or name before its first D1 call (a customer naming a requester address). A no-op
 * for any other actor.
 */
export async function callerReady(actor: Actor): Promise<void> {
  await gates.get(actor)?.ready();
}

/**
 * For a write planned from a kept ticket row (features/tickets/kept-rows.ts), before the request's
 * first D1 call: the isolate's copy of the caller's profile, as {@link callerKnown} takes it (that
 * first call checks it), without reading anything. Null when nothing needs presuming (not gated,
 * or verified already); undefined when the isolate has no copy to take.
 */
export function presumeCaller(actor: Actor): Actor | null | undefined {
  const gate = gates.get(actor);
  if (!gate || gate.verified) return null;
  return gate.assume() ?? undefined;
}

/**
 * Whether the copy of the caller's profile this request took (callerKnown, presumeCaller) was found
 * to differ from their row by a read-only first call: a write planned from it holds the old name or
 * address and must be planned again (the profile is now the row's). Answers true once.
 */
export function copyWentStale(actor: Actor): boolean {
  const gate = gates.get(actor);
  if (!gate?.copyStale) return false;
  gate.copyStale = false;
  return true;
}
