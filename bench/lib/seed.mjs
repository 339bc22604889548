// Seeds the bench database with a year of helpdesk traffic, written straight into D1 in batches
// (the API would take hours for this volume). Rows follow src/db/schema/*.ts and migrations/
// column for column: the NOT NULL sentinels (sla_next_due_at), JSON tags, priority_rank, per-day
// ticket numbers with their ticket_counters, the tag filter's ticket_tag_index, and the history and audit rows the app
// itself writes for what the seed pretends happened. The SLA columns are the engine's (`replaySla`, bench/lib/sla-replay.ts: src/domain/sla.ts itself):
// the policy's targets copied onto the ticket as the create path does, per-target breach flags, and
// the state the minute cron's SLA sweep would have left (past breaches, warnings and escalation
// checkpoints announced, sla_check_at the next one to come), so the first sweep of a bench run has
// nothing historical to announce and no write reads the ticket's policy by name.
import { pbkdf2Sync, createHmac } from "node:crypto";

// 3: the SLA engine's columns (sla_targets, per-target flags, announcement bits, sla_check_at, …).
export const SEED_VERSION = 3;

/** Sizes of the default seed (the issue's figures); `--scale` multiplies tickets, comments and customers. */
export const DEFAULT_SIZES = {
  tickets: 100_000,
  comments: 300_000,
  customers: 20_000,
  agents: 200,
  managers: 5,
  admins: 2,
  teams: 8,
  days: 365,
};

export const BENCH_PASSWORD = "bench-password-1";
export const EMAIL_DOMAIN = "bench.edgedesk.test";
export const ACCOUNTS = {
  admin: `admin1@${EMAIL_DOMAIN}`,
  manager: `manager1@${EMAIL_DOMAIN}`,
  // agent1 is the busiest agent and customer1 one of the frequent requesters: their lists are full pages.
  agent: `agent1@${EMAIL_DOMAIN}`,
  customer: `customer1@${EMAIL_DOMAIN}`,
  // Creates tickets in the bench, so customer1's list stays as seeded.
  customer2: `customer2@${EMAIL_DOMAIN}`,
};

const PRIORITY_RANK = { low: 1, medium: 2, high: 3, critical: 4 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ------------------------------------------------------------------ password (src/features/auth/password.ts)

/** HMAC-SHA256(pepper, password) → PBKDF2-SHA256, 100,000 iterations, 16-byte salt, 256 bits. */
export function hashPassword(password, pepper, salt) {
  const peppered = createHmac("sha256", pepper).update(password, "utf8").digest();
  const hash = pbkdf2Sync(peppered, salt, 100_000, 32, "sha256");
  return ["pbkdf2-sha256", 100_000, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

// ------------------------------------------------------------------ deterministic randomness

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  int(n) {
    return Math.floor(this.next() * n);
  }
  pick(list) {
    return list[this.int(list.length)];
  }
  /** `weights` is [[value, weight], …]. */
  weighted(weights) {
    const total = weights.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [v, w] of weights) if ((r -= w) < 0) return v;
    return weights.at(-1)[0];
  }
  exp(mean) {
    return -Math.log(1 - this.next()) * mean;
  }
  chance(p) {
    return this.next() < p;
  }
}

// src/lib/ids.ts: ULID layout, Crockford base32 lowercased; time-ordered like the app's ids.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
export function makeId(rng, ms) {
  let time = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = "";
  for (let i = 0; i < 16; i++) rand += ALPHABET[rng.int(32)];
  return time + rand;
}

// ------------------------------------------------------------------ vocabulary

const CATEGORIES = [
  ["billing", 22],
  ["technical", 30],
  ["account", 15],
  ["shipping", 12],
  ["returns", 8],
  ["feature_request", 5],
  [null, 8],
];
const CHANNELS = [
  ["web", 40],
  ["email", 35],
  ["chat", 12],
  ["phone", 8],
  ["social", 3],
  ["api", 2],
];
const PRIORITIES = [
  ["low", 30],
  ["medium", 45],
  ["high", 20],
  ["critical", 5],
];
const TAGS = [
  "refund", "invoice", "login", "password-reset", "2fa", "mobile", "ios", "android", "web-app", "api",
  "integration", "slack", "export", "import", "bug", "outage", "slow", "delivery", "damaged", "missing-item",
  "upgrade", "downgrade", "cancellation", "vip", "enterprise", "trial", "gdpr", "security", "sso", "feedback",
].map((t, i) => [t, 1 / (i + 1)]);
const TEAM_NAMES = ["Billing", "Tier 1", "Tier 2", "Platform", "Logistics", "Returns", "Enterprise", "Onboarding"];
const TEAM_FOR_CATEGORY = { billing: 0, technical: 2, account: 1, shipping: 4, returns: 5, feature_request: 3 };

export const PROBLEMS = [
  "Cannot log in to", "Charged twice for", "Error when opening", "Question about", "Refund request for",
  "Missing items in", "Slow response from", "Unable to export", "Cannot update", "Feature request:",
  "Broken link in", "Wrong amount on", "Access denied to", "Sync fails for", "Crash on startup of",
];
export const THINGS = [
  "my account", "the mobile app", "invoice #{n}", "order #{n}", "the dashboard", "the billing page",
  "my subscription", "the API", "the Slack integration", "the CSV export", "team settings", "SSO setup",
  "the delivery", "the annual plan", "the reports page",
];
export const SENTENCES = [
  "Since this morning I get an error message every time I try.",
  "I already cleared the cache and tried another browser, same result.",
  "This is blocking our whole team, please have a look as soon as possible.",
  "The order number is in the subject line.",
  "I was charged on the 3rd and again on the 4th of the month.",
  "Screenshots are attached to the original email.",
  "It worked fine until last week's update.",
  "We are on the business plan with 25 seats.",
  "Could you tell me when this will be fixed?",
  "The package arrived but two items were missing.",
  "I would like to switch to yearly billing instead.",
  "Our finance department needs a corrected invoice with our VAT number.",
  "The export stops at about 10,000 rows and the file is truncated.",
  "Logging out and back in does not help.",
  "Other people in my team see the same problem.",
  "Thanks in advance for your help.",
];
const STAFF_REPLIES = [
  "Thanks for reaching out, I am looking into this now.",
  "Could you send us the exact error message and the time it happened?",
  "I have forwarded this to our engineering team and will update you shortly.",
  "The refund has been issued and should appear within 5 business days.",
  "A fix has been deployed, could you check whether it works for you now?",
  "I have corrected the invoice; you will find the new version in your billing settings.",
  "I could reproduce the problem on our side.",
  "We have shipped the missing items, the tracking number follows by email.",
];
const INTERNAL_NOTES = [
  "Customer is on the enterprise plan, handle with priority.",
  "Looks like the known sync issue, linking to the engineering ticket.",
  "Checked the payment provider logs: duplicate capture confirmed.",
  "Escalating to tier 2, needs database access.",
  "Second ticket from this customer this week about the same topic.",
];
const CUSTOMER_REPLIES = [
  "Thanks, that worked!",
  "Unfortunately the problem is still there.",
  "Here is the error message: 'Request failed with status 500'.",
  "It happened at around 10:15 this morning.",
  "Any update on this?",
  "Great, thank you for the quick help.",
];
const FIRST = ["Anna", "Ben", "Chloé", "Dmitri", "Emma", "Felix", "Grace", "Hiro", "Ines", "Jonas", "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tara"];
const LAST = ["Schmidt", "Martin", "Rossi", "García", "Nowak", "Johnson", "Kim", "Okafor", "Dubois", "Larsen", "Silva", "Müller", "Tanaka", "Novak", "Walsh"];

function paragraph(rng, bank, min, max, n) {
  const count = min + rng.int(max - min + 1);
  const parts = [];
  for (let i = 0; i < count; i++) parts.push(rng.pick(bank).replace("#{n}", `#${n}`));
  return parts.join(" ");
}

// ------------------------------------------------------------------ SQL building

function lit(v) {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "1" : "0";
  return `'${String(v).replaceAll("'", "''")}'`;
}

// D1 allows 100 bound parameters per statement, so rows go in as literals; statements stay under
// D1's 100 KB statement limit and a batch under a few MB.
const MAX_STATEMENT_BYTES = 90_000;
const MAX_STATEMENTS_PER_BATCH = 12;

/** Buffers rows per table and writes them as multi-row INSERTs, in table order (foreign keys). */
class Writer {
  constructor(db, tables) {
    this.db = db;
    this.tables = tables; // [[name, columns]] in FK order
    this.rows = new Map(tables.map(([name]) => [name, []]));
    this.bytes = 0;
    this.counts = Object.fromEntries(tables.map(([name]) => [name, 0]));
  }
  add(table, values) {
    const row = `(${values.map(lit).join(",")})`;
    this.rows.get(table).push(row);
    this.bytes += row.length;
    this.counts[table]++;
  }
  get full() {
    return this.bytes > MAX_STATEMENT_BYTES * MAX_STATEMENTS_PER_BATCH;
  }
  async flush() {
    const statements = [];
    for (const [name, columns] of this.tables) {
      const rows = this.rows.get(name);
      const head = `INSERT INTO ${name} (${columns.join(",")}) VALUES `;
      let chunk = [];
      let size = head.length;
      for (const row of rows) {
        if (chunk.length && size + row.length + 1 > MAX_STATEMENT_BYTES) {
          statements.push(head + chunk.join(","));
          chunk = [];
          size = head.length;
        }
        chunk.push(row);
        size += row.length + 1;
      }
      if (chunk.length) statements.push(head + chunk.join(","));
      this.rows.set(name, []);
    }
    this.bytes = 0;
    for (let i = 0; i < statements.length; i += MAX_STATEMENTS_PER_BATCH) {
      await this.db.batch(statements.slice(i, i + MAX_STATEMENTS_PER_BATCH).map((s) => this.db.prepare(s)));
    }
  }
}

const TABLES = [
  ["teams", ["id", "name", "created_at"]],
  ["users", ["id", "name", "email", "role", "active", "password_hash", "token_version", "email_verified_at", "created_at", "updated_at"]],
  [
    "tickets",
    [
      "id", "number", "subject", "description", "status", "priority", "priority_rank", "category", "channel", "tags",
      "requester_id", "assignee_id", "team_id", "created_by_id", "version", "created_at", "updated_at",
      "first_response_at", "resolved_at", "closed_at", "deleted_at", "sla_policy", "first_response_due_at",
      "resolution_due_at", "sla_paused_at", "sla_paused_ms", "sla_breached", "sla_next_due_at",
      "next_response_due_at", "next_response_started_ms", "first_response_breached", "next_response_breached",
      "resolution_breached", "sla_announced", "sla_warned", "sla_escalated", "sla_at_risk_at", "sla_check_at",
      "first_response_minutes", "resolution_minutes", "sla_targets", "sla_calendar_id",
    ],
  ],
  ["comments", ["id", "ticket_id", "author_id", "body", "internal", "channel", "created_at"]],
  ["ticket_history", ["id", "ticket_id", "type", "actor_id", "at", "version", "changes", "bumps_version", "internal"]],
  ["audit_logs", ["id", "at", "actor_id", "action", "entity_type", "entity_id", "changes", "ip", "user_agent"]],
  ["ticket_counters", ["day", "seq"]],
];

// ------------------------------------------------------------------ the seed

/** Status mix by age: a live queue of recent tickets over a long tail of closed ones. */
function statusFor(rng, ageMs) {
  if (ageMs < 2 * DAY)
    return rng.weighted([["open", 45], ["in_progress", 25], ["pending", 12], ["resolved", 12], ["closed", 3], ["cancelled", 3]]);
  if (ageMs < 14 * DAY)
    return rng.weighted([["open", 12], ["in_progress", 15], ["pending", 13], ["resolved", 20], ["closed", 36], ["cancelled", 4]]);
  return rng.weighted([["open", 1], ["in_progress", 1], ["pending", 1], ["resolved", 0.5], ["closed", 92], ["cancelled", 4.5]]);
}

const COMMENT_MEAN = { open: 1, in_progress: 3, pending: 3.5, resolved: 4, closed: 3.2, cancelled: 1 };

/** Ticket creation times over `days` days up to `now`: growing volume, quiet weekends, office hours. */
function creationTimes(rng, n, days, now) {
  const start = now - days * DAY;
  const dayWeights = [];
  for (let d = 0; d < days; d++) {
    const weekday = new Date(start + d * DAY).getUTCDay();
    const growth = 0.6 + (0.8 * d) / days;
    dayWeights.push(growth * (weekday === 0 || weekday === 6 ? 0.4 : 1));
  }
  const hourWeights = Array.from({ length: 24 }, (_, h) => [h, h >= 7 && h <= 18 ? 3 : h >= 5 && h <= 21 ? 1.2 : 0.4]);
  const dayTable = dayWeights.map((w, d) => [d, w]);
  const cumulative = [];
  let total = 0;
  for (const [, w] of dayTable) cumulative.push((total += w));
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    const hour = rng.weighted(hourWeights);
    const t = start + lo * DAY + hour * HOUR + rng.int(HOUR);
    times[i] = Math.min(t, now - rng.int(10 * MINUTE) - MINUTE);
  }
  return times.sort();
}

/**
 * Each priority's default policy (migrations/0001_sla_defaults.sql, as the database holds it), as
 * `policyTargets` in src/features/sla/sla.service.ts copies it onto a ticket (same keys, same order).
 * The bench configures no business hours, so every ticket is timed 24/7 (sla_calendar_id null).
 */
async function defaultTargets(db) {
  const { results } = await db
    .prepare("SELECT name, priority, first_response_minutes, next_response_minutes, resolution_minutes, escalation_minutes FROM sla_policies WHERE category IS NULL AND channel IS NULL")
    .all();
  const byPriority = new Map(
    results.map((p) => [
      p.priority,
      { name: p.name, firstResponseMinutes: p.first_response_minutes, nextResponseMinutes: p.next_response_minutes, resolutionMinutes: p.resolution_minutes, escalationMinutes: p.escalation_minutes },
    ]),
  );
  const calendars = await db.prepare("SELECT count(*) AS n FROM business_calendars").first("n");
  if (calendars) throw new Error("seed: business hours are configured; the seed's SLA replay (sla-replay.ts) is 24/7 only");
  return (priority) => {
    const targets = byPriority.get(priority);
    if (!targets) throw new Error(`seed: no default SLA policy for ${priority}`);
    return targets;
  };
}

/**
 * Seeds everything; `sizes` as DEFAULT_SIZES (scaled). `pepper` is the Worker's PASSWORD_PEPPER.
 * Returns a summary (counts, the bench accounts).
 */
const TAG_FILL_CHUNK = 20_000;

export async function seed(db, { sizes, pepper, log, replaySla }) {
  const rng = new Rng(20261126);
  const now = Date.now();
  const targetsOf = await defaultTargets(db);
  const iso = (ms) => new Date(ms).toISOString();
  const w = new Writer(db, TABLES);
  const started = Date.now();

  // One hash for every account: PBKDF2 at 100,000 iterations per user would take minutes.
  const passwordHash = hashPassword(BENCH_PASSWORD, pepper, Buffer.from("bench-salt-16byt"));

  const teams = [];
  for (let i = 0; i < sizes.teams; i++) {
    const id = makeId(rng, now - 800 * DAY + i);
    teams.push(id);
    w.add("teams", [id, TEAM_NAMES[i % TEAM_NAMES.length], iso(now - 800 * DAY + i)]);
  }

  const person = () => `${rng.pick(FIRST)} ${rng.pick(LAST)}`;
  const addUser = (role, n, createdMs) => {
    const id = makeId(rng, createdMs);
    const name = person();
    // Accounts an admin made: their addresses count as verified (features/accounts).
    w.add("users", [id, name, `${role}${n}@${EMAIL_DOMAIN}`, role, 1, passwordHash, 0, iso(createdMs), iso(createdMs), iso(createdMs)]);
    return { id, name, role };
  };
  const admins = Array.from({ length: sizes.admins }, (_, i) => addUser("admin", i + 1, now - 800 * DAY + i * MINUTE));
  const managers = Array.from({ length: sizes.managers }, (_, i) => addUser("manager", i + 1, now - 780 * DAY + i * DAY));
  const agents = Array.from({ length: sizes.agents }, (_, i) => addUser("agent", i + 1, now - 760 * DAY + i * DAY));
  const customers = Array.from({ length: sizes.customers }, (_, i) =>
    addUser("customer", i + 1, now - 730 * DAY + Math.floor((i / sizes.customers) * 360 * DAY)),
  );
  await w.flush();
  log(`seed: ${sizes.admins} admins, ${sizes.managers} managers, ${sizes.agents} agents, ${sizes.customers} customers`);

  // Busier agents first (agent1 the busiest, ~4× the quietest); a few hundred frequent requesters.
  const agentWeights = agents.map((a, i) => [a, 1 / (1 + i / 50)]);
  const frequent = Math.max(1, Math.floor(sizes.customers / 40));
  const requesterOf = () => (rng.chance(0.3) ? customers[rng.int(frequent)] : customers[rng.int(customers.length)]);

  // Comment counts per ticket, drawn by status and then trimmed/padded to exactly `sizes.comments`.
  const times = creationTimes(rng, sizes.tickets, sizes.days, now);
  const statuses = Array.from(times, (t) => statusFor(rng, now - t));
  const commentCounts = statuses.map((s) => Math.min(40, Math.round(rng.exp(COMMENT_MEAN[s]))));
  let total = commentCounts.reduce((a, b) => a + b, 0);
  while (total < sizes.comments) {
    const i = rng.int(commentCounts.length);
    if (statuses[i] !== "open" && statuses[i] !== "cancelled") (commentCounts[i]++, total++);
  }
  while (total > sizes.comments) {
    const i = rng.int(commentCounts.length);
    if (commentCounts[i] > 0) (commentCounts[i]--, total--);
  }

  const counters = new Map();
  const REPORT_EVERY = 10_000;
  let nextReport = REPORT_EVERY;
  let done = 0;
  for (let i = 0; i < sizes.tickets; i++) {
    const created = times[i];
    const status = statuses[i];
    const day = iso(created).slice(0, 10).replaceAll("-", "");
    const seq = (counters.get(day) ?? 0) + 1;
    counters.set(day, seq);
    const number = `TICK-${day}-${String(seq).padStart(4, "0")}`;
    const id = makeId(rng, created);
    const priority = rng.weighted(PRIORITIES);
    const channel = rng.weighted(CHANNELS);
    const category = rng.weighted(CATEGORIES);
    const tagCount = rng.weighted([[0, 35], [1, 35], [2, 20], [3, 10]]);
    const tags = [...new Set(Array.from({ length: tagCount }, () => rng.weighted(TAGS)))];
    const requester = requesterOf();
    const staffCreated = channel === "phone";
    const creator = staffCreated ? rng.weighted(agentWeights) : requester;
    const assigned = status === "open" ? rng.chance(0.65) : status !== "cancelled" || rng.chance(0.5);
    const assignee = assigned ? rng.weighted(agentWeights) : null;
    const team = category !== null && rng.chance(0.85) ? teams[TEAM_FOR_CATEGORY[category] % teams.length] : null;
    const subject = `${rng.pick(PROBLEMS)} ${rng.pick(THINGS).replace("#{n}", `#${100000 + rng.int(900000)}`)}`;
    const description = paragraph(rng, SENTENCES, 2, 6, 100000 + rng.int(900000));
    // The ticket's life as the SLA engine sees it (public messages, status changes), in order.
    const slaEvents = [];

    // What happened to the ticket, in order: history and audit rows as the services write them.
    let version = 1;
    const history = (type, at, actor, changes, bumps, internal = false) => {
      if (bumps) version++;
      w.add("ticket_history", [makeId(rng, at), id, type, actor, iso(at), version, JSON.stringify(changes), bumps ? 1 : 0, internal ? 1 : 0]);
    };
    const createdChanges = { subject: [null, subject], status: [null, "open"], priority: [null, priority], category: [null, category], channel: [null, channel], tags: [null, tags], requester_id: [null, requester.id] };
    w.add("ticket_history", [makeId(rng, created), id, "created", creator.id, iso(created), 1, JSON.stringify(createdChanges), 1, 0]);
    w.add("audit_logs", [makeId(rng, created), iso(created), creator.id, "ticket.created", "ticket", id, JSON.stringify({ number: [null, number], ...createdChanges }), `198.51.100.${rng.int(250)}`, "Mozilla/5.0 (bench seed)"]);

    const remaining = now - created;
    let clock = created;
    const step = (meanMs) => {
      clock = Math.min(now - 1000, clock + Math.max(1000, rng.exp(meanMs)));
      return clock;
    };
    if (assignee) history("assigned", step(Math.min(remaining / 20, 2 * HOUR)), assignee.id, { assignee_id: [null, assignee.id], reason: "manual" }, true);

    let currentStatus = "open";
    const moveTo = (next, at, actor) => {
      history("updated", at, actor, { status: [currentStatus, next] }, true);
      slaEvents.push({ at: iso(at), status: next });
      currentStatus = next;
    };
    let firstResponseAt = null;
    const n = commentCounts[i];
    const gap = Math.min(remaining / (n + 2), 8 * HOUR);
    for (let c = 0; c < n; c++) {
      const at = step(gap);
      const staffTurn = c % 2 === 0;
      const author = staffTurn ? (assignee ?? rng.weighted(agentWeights)) : requester;
      const internal = staffTurn && c > 0 && rng.chance(0.25);
      const body = !staffTurn
        ? paragraph(rng, CUSTOMER_REPLIES, 1, 2, 0)
        : internal
          ? rng.pick(INTERNAL_NOTES)
          : paragraph(rng, STAFF_REPLIES, 1, 3, 0);
      const commentId = makeId(rng, at);
      w.add("comments", [commentId, id, author.id, body, internal ? 1 : 0, staffTurn ? "web" : channel, iso(at)]);
      if (!internal) slaEvents.push({ at: iso(at), message: staffTurn ? "staff" : "customer" });
      if (staffTurn && !internal && !firstResponseAt) {
        firstResponseAt = at;
        if (status !== "open" && status !== "cancelled") moveTo("in_progress", at, author.id);
      }
      history(internal ? "note_added" : "commented", at, author.id, { comment_id: commentId }, false, internal);
      w.add("audit_logs", [makeId(rng, at), iso(at), author.id, internal ? "comment.internal_created" : "comment.created", "comment", commentId, JSON.stringify({ ticket_id: id }), null, null]);
    }

    let resolvedAt = null;
    let closedAt = null;
    let pausedAt = null;
    if (status === "pending") {
      if (currentStatus === "open") moveTo("in_progress", step(gap), assignee?.id ?? agents[0].id);
      pausedAt = step(gap);
      moveTo("pending", pausedAt, assignee?.id ?? agents[0].id);
    } else if (status === "in_progress" && currentStatus === "open") {
      moveTo("in_progress", step(gap), assignee?.id ?? agents[0].id);
    } else if (status === "resolved" || status === "closed") {
      resolvedAt = step(gap);
      moveTo("resolved", resolvedAt, assignee?.id ?? agents[0].id);
      if (status === "closed") {
        closedAt = Math.min(now - 1000, resolvedAt + 3 * DAY);
        clock = Math.max(clock, closedAt);
        moveTo("closed", closedAt, null);
      }
    } else if (status === "cancelled") {
      moveTo("cancelled", step(gap), requester.id);
    }
    const updated = clock;
    const targets = targetsOf(priority);
    const sla = replaySla(targets, iso(created), slaEvents, iso(now));

    w.add("tickets", [
      id, number, subject, description, status, priority, PRIORITY_RANK[priority], category, channel, JSON.stringify(tags),
      requester.id, assignee?.id ?? null, team, creator.id, version, iso(created), iso(updated),
      sla.firstResponseAt, sla.resolvedAt, closedAt === null ? null : iso(closedAt), null, targets.name,
      sla.firstResponseDueAt, sla.resolutionDueAt, sla.slaPausedAt, sla.slaPausedMs, sla.slaBreached, sla.slaNextDueAt,
      sla.nextResponseDueAt, sla.nextResponseStartedMs, sla.firstResponseBreached, sla.nextResponseBreached,
      sla.resolutionBreached, sla.slaAnnounced, sla.slaWarned, sla.slaEscalated, sla.slaAtRiskAt, sla.slaCheckAt,
      sla.firstResponseMinutes, sla.resolutionMinutes, JSON.stringify(targets), null,
    ]);

    done++;
    if (w.full) {
      await w.flush();
      if (done >= nextReport) {
        log(`seed: ${done.toLocaleString("en")} / ${sizes.tickets.toLocaleString("en")} tickets (${((Date.now() - started) / 1000).toFixed(0)} s)`);
        nextReport += REPORT_EVERY;
      }
    }
  }
  for (const [day, seq] of counters) w.add("ticket_counters", [day, seq]);
  await w.flush();
  // The tag filter's index names tickets by rowid: filled once they exist, as migration
  // 0014_ticket_tag_index_fill.sql does, a rowid range per statement.
  const { n: lastRowid } = await db.prepare("SELECT coalesce(max(rowid), 0) AS n FROM tickets").first();
  for (let from = 1; from <= lastRowid; from += TAG_FILL_CHUNK) {
    await db
      .prepare(
        "INSERT OR IGNORE INTO ticket_tag_index (tag, created_at, ticket_rowid) SELECT j.value, t.created_at, t.rowid FROM tickets t, json_each(t.tags) j WHERE t.rowid BETWEEN ? AND ? AND t.deleted_at IS NULL",
      )
      .bind(from, from + TAG_FILL_CHUNK - 1)
      .run();
  }
  // No ANALYZE: the planner works without statistics here, as on a fresh D1 database and in tests.
  log(`seed: done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${Object.entries(w.counts).map(([t, c]) => `${t} ${c.toLocaleString("en")}`).join(", ")}`);
  return { counts: w.counts, seededAt: iso(now), admins: admins.length, agents: agents.length, customers: customers.length, managers: managers.length };
}
