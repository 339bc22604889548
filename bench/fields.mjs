// Custom field filters (issue 14): rows read of `GET /tickets?cf.<key>=<value>` at 100,000 tickets,
// goal <= 100 per page of 25, like the other list filters.
//
// The seed has no custom fields, so this module backfills once (idempotent, not measured): three
// field definitions and a value of each on every ticket, written the way the one ticket write
// writes them (tickets.custom_fields JSON plus the ticket_field_values index rows).
// Distribution over rowid: product 50 % web_app, 30 % mobile_app, 15 % api, 4 % hardware, 1 %
// legacy, never "retired"; refund_approved true on a third; order_size 0-9.

const LIST_GOAL = { rowsRead: 100 };
const FIELDS = [
  {
    id: "bench-field-product",
    key: "bench_product",
    type: "dropdown",
    options: ["web_app", "mobile_app", "api", "hardware", "legacy", "retired"].map((value) => ({ value, label: value })),
    customerVisible: 1,
  },
  { id: "bench-field-refund", key: "bench_refund_approved", type: "checkbox", options: null, customerVisible: 0 },
  { id: "bench-field-size", key: "bench_order_size", type: "integer", options: null, customerVisible: 0 },
];
const PRODUCT_SQL = `CASE WHEN t.rowid % 100 < 50 THEN 'web_app' WHEN t.rowid % 100 < 80 THEN 'mobile_app' WHEN t.rowid % 100 < 95 THEN 'api'
  WHEN t.rowid % 100 < 99 THEN 'hardware' ELSE 'legacy' END`;
const REFUND_SQL = "(t.rowid % 3 = 0)";
const SIZE_SQL = "(t.rowid % 10)";

/** The value rows of one slice of tickets (`range`: a condition on `t.rowid`), and their JSON. */
const sliceWrites = (db, range) => [
  db.prepare(
    `UPDATE tickets AS t SET custom_fields = json_object('bench_product', ${PRODUCT_SQL}, 'bench_refund_approved', json(CASE WHEN ${REFUND_SQL} THEN 'true' ELSE 'false' END), 'bench_order_size', ${SIZE_SQL}) WHERE ${range}`,
  ),
  db.prepare(`INSERT INTO ticket_field_values (field_id, ticket_id, value_text, value_int, ticket_created_at, ticket_rowid) SELECT '${FIELDS[0].id}', t.id, ${PRODUCT_SQL}, NULL, t.created_at, t.rowid FROM tickets t WHERE ${range}`),
  db.prepare(`INSERT INTO ticket_field_values (field_id, ticket_id, value_text, value_int, ticket_created_at, ticket_rowid) SELECT '${FIELDS[1].id}', t.id, NULL, ${REFUND_SQL}, t.created_at, t.rowid FROM tickets t WHERE ${range}`),
  db.prepare(`INSERT INTO ticket_field_values (field_id, ticket_id, value_text, value_int, ticket_created_at, ticket_rowid) SELECT '${FIELDS[2].id}', t.id, NULL, ${SIZE_SQL}, t.created_at, t.rowid FROM tickets t WHERE ${range}`),
];

async function backfill(db, log) {
  const have = await db.prepare("SELECT count(*) AS n FROM ticket_field_values WHERE field_id = ?").bind(FIELDS[0].id).first("n");
  const tickets = await db.prepare("SELECT count(*) AS n FROM tickets").first("n");
  if (have >= tickets * 0.99) {
    // Tickets other runs created since (core's creates, at the head of every list) get values in
    // the same mix: without them a field list sorted by update walked through hundreds of tickets
    // with no value at all (a bench artifact, like q= before its created tickets took the seed's words).
    const covered = await db.prepare("SELECT max(ticket_rowid) AS m FROM ticket_field_values WHERE field_id = ?").bind(FIELDS[0].id).first("m");
    const added = await db.prepare("SELECT count(*) AS n FROM tickets WHERE rowid > ?").bind(covered ?? 0).first("n");
    if (added > 0) {
      await db.batch(sliceWrites(db, `t.rowid > ${Number(covered ?? 0)}`));
      log(`custom field values on ${added} tickets created since the backfill`);
    }
    return;
  }
  log(`backfilling custom field values on ${tickets} tickets …`);
  const now = new Date().toISOString();
  for (const f of FIELDS) {
    await db
      .prepare(
        `INSERT OR IGNORE INTO ticket_fields (id, key, label, type, options, required_to_resolve, customer_visible, customer_editable, active, position, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 0, ?, 0, 1, 0, ?, ?)`,
      )
      .bind(f.id, f.key, f.key, f.type, f.options ? JSON.stringify(f.options) : null, f.customerVisible, now, now)
      .run();
  }
  // Each insert sets the catalog's version (migrations/0047's triggers): a running Worker's isolates read the catalog again.
  await db.prepare("DELETE FROM ticket_field_values WHERE field_id IN (?, ?, ?)").bind(...FIELDS.map((f) => f.id)).run();
  // In rowid slices: one statement over 100,000 rows holds D1's write lock for seconds.
  const max = await db.prepare("SELECT max(rowid) AS m FROM tickets").first("m");
  const SLICE = 10_000;
  for (let from = 0; from <= max; from += SLICE) {
    await db.batch(sliceWrites(db, `t.rowid > ${from} AND t.rowid <= ${from + SLICE}`));
  }
  log("backfill done");
}

export async function run(ctx) {
  const { tokens, log, db, measure, probe, request } = ctx;
  await backfill(db, log);
  const notes = [];
  const counts = await db.prepare("SELECT count(*) AS n, sum(value_text = 'legacy') AS legacy FROM ticket_field_values WHERE field_id = ?").bind(FIELDS[0].id).first();
  notes.push(`custom field index rows: ${counts.n} product values (${counts.legacy} "legacy"), and as many refund and size values`);

  const page2 = async (path) => {
    const res = await request({ path, token: tokens.agent });
    const cursor = res.status === 200 ? JSON.parse(res.body).next_cursor : null;
    return cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path;
  };
  const list = (name, path, as = "agent") => ({ name: `cf ${name}`, route: `GET ${path.length > 80 ? `${path.slice(0, 80)}…` : path}`, as, request: () => ({ path, token: tokens[as] }), goals: LIST_GOAL });

  // The headline: a common dropdown value, measured under load and for rows.
  await measure(list("dropdown (50 %)", "/api/v1/tickets?cf.bench_product=web_app"));
  // Probes: rows only.
  const probes = [
    list("dropdown (1 %)", "/api/v1/tickets?cf.bench_product=legacy"),
    list("dropdown (none)", "/api/v1/tickets?cf.bench_product=retired"),
    list("dropdown page 2", await page2("/api/v1/tickets?cf.bench_product=api")),
    list("dropdown oldest first", "/api/v1/tickets?cf.bench_product=hardware&sort=created_at"),
    list("checkbox", "/api/v1/tickets?cf.bench_refund_approved=true"),
    list("integer", "/api/v1/tickets?cf.bench_order_size=7"),
    // Reported to show their cost, not held to the goal: a combination walks one index and probes
    // the other condition per row, O(page / joint selectivity); a customer's list walks their own
    // tickets (O(page / selectivity) among them); another sort probes per row of its own index.
    { ...list("two filters (3 %)", "/api/v1/tickets?cf.bench_product=mobile_app&cf.bench_order_size=3"), goals: {} },
    { ...list("dropdown + status", "/api/v1/tickets?cf.bench_product=api&status=open"), goals: {} },
    // The console's views with a field filter on top (web/src/console/views.ts).
    { ...list("dropdown + unsolved", "/api/v1/tickets?cf.bench_product=api&status=open,in_progress,pending"), goals: {} },
    { ...list("dropdown + my open (sla_due)", "/api/v1/tickets?cf.bench_product=web_app&assignee_id=me&status=open,in_progress,pending&sort=sla_due"), goals: {} },
    { ...list("two filters + unsolved", "/api/v1/tickets?cf.bench_product=web_app&cf.bench_order_size=3&status=open,in_progress,pending"), goals: {} },
    { ...list("customer's own (50 %)", "/api/v1/tickets?cf.bench_product=web_app", "customer"), goals: {} },
    { ...list("dropdown sort=-updated_at", "/api/v1/tickets?cf.bench_product=web_app&sort=-updated_at"), goals: {} },
  ];
  for (const p of probes) await probe(p);
  return { notes };
}
