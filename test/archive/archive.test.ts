import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Bindings } from "../../src/env";
import { attachments, comments, ticketHistory, tickets } from "../../src/db/schema";
import { newId } from "../../src/lib/ids";
import { uploadKey } from "../../src/features/attachments/attachments.service";
import { api, BASE, db, expectProblem, makeStaff, makeUser, meteredApi, type TestUser } from "../helpers";
import { integrityCheck, search, word } from "../search/support";
import { upload } from "../security/support";
import { ctxAt } from "../tickets/fixtures";
import { findVisibleTicket, recordOnTicket } from "../../src/features/tickets/tickets.service";
import { expectRollupsMatchRows, jobsEnv, storedPoints } from "../reports/support";

/**
 * Issue 15 item 1, the archive (docs/scale.md "Archive to R2"): closed tickets move to R2 by the
 * `scheduled` export (cron `*∕5`) and the JOBS queue's `queue` export, and come back with any change.
 * Everything here goes through the Worker's real entry points and workerd's local D1, R2 and queue.
 */
const bindings = env as unknown as Bindings;
const DAY = 86_400_000;
const ARCHIVE_CRON = "*/5 * * * *";

let staff: Awaited<ReturnType<typeof makeStaff>>;
beforeAll(async () => {
  staff = await makeStaff();
});

async function ok<T = any>(res: Promise<{ status: number; body: any }>, status = 200): Promise<T> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}
const get = (user: TestUser, path: string) => api("GET", `/api/v1${path}`, { token: user.token });
const comment = (user: TestUser, id: string, body: string, internal = false) => ok(api("POST", `/api/v1/tickets/${id}/comments`, { token: user.token, body: { body, internal } }), 201);
const patch = (user: TestUser, id: string, body: Record<string, unknown>) => ok(api("PATCH", `/api/v1/tickets/${id}`, { token: user.token, body }));

/** One delivery of a JOBS message through the Worker's `queue` export; whether the consumer acked it. */
async function deliver(body: unknown, e: Bindings) {
  const batch = createMessageBatch("edgedesk-jobs", [{ id: `archive-${newId()}`, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await (worker.queue as unknown as (b: MessageBatch<unknown>, e: Bindings, c: ExecutionContext) => Promise<void>)(batch as MessageBatch<unknown>, e, ctx);
  const result = await getQueueResult(batch, ctx);
  return result.explicitAcks.length === 1 && !result.retryMessages.length;
}

/**
 * The archive cron at `at` through the `scheduled` export (its messages captured from the JOBS
 * queue), then each message through the `queue` export with `consumerEnv`.
 */
async function archiveRun(at: number, consumerEnv: Bindings = bindings) {
  const jobs = jobsEnv();
  const execution = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(at), cron: ARCHIVE_CRON }), jobs.env, execution);
  await waitOnExecutionContext(execution);
  const messages = [...jobs.sent] as { kind: string; ids: string[] }[];
  for (const m of messages) expect(await deliver(m, consumerEnv)).toBe(true);
  return messages;
}

const rowOf = async (id: string) => (await db().select().from(tickets).where(eq(tickets.id, id)))[0]!;
const countOf = async (table: typeof comments | typeof ticketHistory, id: string) => (await db().select({ n: count() }).from(table).where(eq(table.ticketId, id)))[0]!.n;
const archiveKeys = async (id: string) => (await bindings.ATTACHMENTS.list({ prefix: `archive/tickets/${id}/` })).objects.map((o) => o.key);

/** Every page of a list, one item per page (so the cursors are exercised), as the caller sees it. */
async function allPages(user: TestUser, path: string) {
  const pages: unknown[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page: any = await ok(get(user, `${path}${sep}limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`));
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor);
  return pages;
}

/** What a user can read of a ticket on every route: the ticket, its comments (listed and one by one), history, files. */
async function readAll(user: TestUser, id: string, commentIds: string[]) {
  return {
    ticket: await get(user, `/tickets/${id}`).then((r) => ({ status: r.status, body: r.body })),
    comments: await allPages(user, `/tickets/${id}/comments`),
    each: await Promise.all(commentIds.map((c) => get(user, `/tickets/${id}/comments/${c}`).then((r) => ({ status: r.status, body: r.body })))),
    history: await allPages(user, `/tickets/${id}/history`),
    attachments: await allPages(user, `/tickets/${id}/attachments`),
  };
}

async function download(user: TestUser, attachmentId: string) {
  const res = await exports.default.fetch(new Request(`${BASE}/api/v1/attachments/${attachmentId}`, { headers: { authorization: `Bearer ${user.token}` } }));
  return { status: res.status, text: await res.text() };
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
async function reports() {
  const range = `from=${day(Date.now() - 2 * DAY)}&to=${day(Date.now() + 2 * DAY)}`;
  return {
    overview: await ok(get(staff.admin, `/reports/overview?${range}`)),
    agents: await ok(get(staff.admin, `/reports/agents?${range}`)),
    backlog: await ok(get(staff.admin, `/reports/backlog`)),
    sla: await ok(get(staff.admin, `/reports/sla?${range}`)),
  };
}

/** A closed ticket of `customer` with a public reply, an internal note (with a file) and an upload. */
async function closedTicket(customer: TestUser) {
  const w = { subject: word("subj"), reply: word("reply"), note: word("note") };
  const t = await ok(api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: `Printer ${w.subject}`, description: "It jams" } }), 201);
  const reply = await comment(staff.agent, t.id, `Try this ${w.reply}`);
  const more = await comment(customer, t.id, "Still jams");
  const note = await comment(staff.agent, t.id, `internal ${w.note}`, true);
  const file = (await upload(t.id, customer.token, "jam.txt")).body.data[0];
  // A file of the internal note (as a staff mail's note brings): hidden from the customer.
  const noteFile = newId();
  await db().insert(attachments).values({ id: noteFile, ticketId: t.id, commentId: note.id, filename: "secret.txt", contentType: "text/plain", size: 10, sha256: file.sha256, storageKey: uploadKey(file.id), createdAt: new Date().toISOString() });
  await patch(staff.agent, t.id, { status: "resolved" });
  await patch(staff.agent, t.id, { status: "closed" });
  return { id: t.id, words: w, comments: [reply.id, more.id, note.id], note: note.id, file: file.id, noteFile };
}

describe("the archive", () => {
  it("archive → read → search → reopen: every route answers the same, an internal note never reaches the customer, reports unchanged", async () => {
    const customer = await makeUser("customer");
    const other = await makeUser("customer");
    const t = await closedTicket(customer);
    const twin = await closedTicket(customer);
    const open = await ok(api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Still open", description: "x" } }), 201);
    const commentsBefore = await countOf(comments, t.id);
    const historyBefore = await countOf(ticketHistory, t.id);

    const asStaff = await readAll(staff.agent, t.id, t.comments);
    const asCustomer = await readAll(customer, t.id, t.comments);
    const figures = await reports();
    const points = await storedPoints();
    const readLive = await meteredApi("GET", `/api/v1/tickets/${t.id}/comments?limit=100`, { token: staff.agent.token });
    const rowsOf = async (suffix: string) => (await meteredApi("GET", `/api/v1/tickets/${t.id}${suffix}`, { token: staff.agent.token })).rowsRead;
    const liveRows = { ticket: await rowsOf(""), history: await rowsOf("/history?limit=100"), attachments: await rowsOf("/attachments?limit=100") };
    expect((await search(staff.agent.token, t.words.reply)).data.map((h) => h.ticket_id ?? h.id)).toContain(t.id);

    // A year and a day later: the cron finds both closed tickets (not the open one) and the queue archives them.
    const messages = await archiveRun(Date.now() + 366 * DAY);
    expect(messages.flatMap((m) => m.ids).sort()).toEqual(expect.arrayContaining([t.id, twin.id].sort()));
    expect(messages.flatMap((m) => m.ids)).not.toContain(open.id);
    const stub = await rowOf(t.id);
    expect(stub.archivedAt).not.toBeNull();
    expect(await countOf(comments, t.id)).toBe(0);
    expect(await countOf(ticketHistory, t.id)).toBe(0);
    expect(await archiveKeys(t.id)).toEqual([`archive/tickets/${t.id}/${stub.revision}.json.gz`]);
    expect((await rowOf(open.id)).archivedAt).toBeNull();

    // The same answers on every route, for staff and for the requester (who sees no internal note, by list or by id).
    expect(await readAll(staff.agent, t.id, t.comments)).toEqual(asStaff);
    const customerView = await readAll(customer, t.id, t.comments);
    expect(customerView).toEqual(asCustomer);
    expect(JSON.stringify(customerView)).not.toContain(t.words.note);
    expect(customerView.each[2]!.status).toBe(404);
    expect(JSON.stringify(customerView.attachments)).not.toContain(t.noteFile);
    expect((await download(customer, t.file)).status).toBe(200);
    expect((await download(customer, t.noteFile)).status).toBe(404);
    expect((await download(staff.agent, t.noteFile)).status).toBe(200);
    // Another customer: 404 on every route, as before.
    for (const path of [``, `/comments`, `/comments/${t.comments[0]}`, `/history`, `/attachments`]) expectProblem(await get(other, `/tickets/${t.id}${path}`), 404, "NOT_FOUND");
    expect((await download(other, t.file)).status).toBe(404);
    // Lists and subject search still find it; comment text is no longer searched (docs/scale.md).
    expect((await ok(get(customer, `/tickets?status=closed&limit=100`))).data.map((x: any) => x.id)).toContain(t.id);
    expect((await search(customer.token, t.words.subject)).data.map((h) => h.id)).toContain(t.id);
    expect((await search(staff.agent.token, t.words.reply)).data.map((h) => h.ticket_id ?? h.id)).not.toContain(t.id);
    await integrityCheck("comments_fts");
    await integrityCheck("tickets_fts");
    // Reports read rollups: not one figure moves.
    expect(await reports()).toEqual(figures);
    expect(await storedPoints()).toEqual(points);
    const readArchived = await meteredApi("GET", `/api/v1/tickets/${t.id}/comments?limit=100`, { token: staff.agent.token });
    expect(readArchived.body).toEqual(readLive.body);
    const archivedRows = { ticket: await rowsOf(""), history: await rowsOf("/history?limit=100"), attachments: await rowsOf("/attachments?limit=100") };
    console.log(JSON.stringify({ rows_read: { live: { ...liveRows, comments: readLive.rowsRead }, archived: { ...archivedRows, comments: readArchived.rowsRead } } }));
    expect(archivedRows.history).toBeLessThanOrEqual(liveRows.history);
    expect(readArchived.rowsRead).toBeLessThanOrEqual(readLive.rowsRead);

    // A PATCH based on a version before the close conflicts, as on a live ticket (the If-Match merge reads the document's history); nothing changes.
    const current = (await rowOf(twin.id)).version;
    const stale = await api("PATCH", `/api/v1/tickets/${twin.id}`, { token: staff.agent.token, body: { status: "open" }, headers: { "If-Match": `"${current - 1}"` } });
    expectProblem(stale, 409, "CONFLICT");
    expect(stale.body.conflicting_fields).toEqual(["status"]);
    expect((await rowOf(twin.id)).archivedAt).not.toBeNull();

    // Reopening: the change restores everything in its own batch and the document goes.
    const beforeTwin = await reports();
    await patch(staff.agent, twin.id, { status: "open" }); // archived too: the same reopen
    const afterTwin = await reports();
    const reopened = await patch(staff.agent, t.id, { status: "open" });
    expect(reopened.status).toBe("open");
    const afterReopen = await reports();
    // The archived ticket's reopen moves the figures exactly as the twin's did.
    expect(afterReopen.overview.reopened - afterTwin.overview.reopened).toBe(afterTwin.overview.reopened - beforeTwin.overview.reopened);
    expect(afterTwin.overview.reopened - beforeTwin.overview.reopened).toBe(1);
    await expectRollupsMatchRows();
    expect((await rowOf(t.id)).archivedAt).toBeNull();
    expect(await countOf(comments, t.id)).toBe(commentsBefore);
    expect(await countOf(ticketHistory, t.id)).toBe(historyBefore + 1);
    await expect.poll(() => archiveKeys(t.id)).toEqual([]);
    const restored = await ok(get(staff.agent, `/tickets/${t.id}/comments?limit=100`));
    expect(restored).toEqual((readLive.body as any));
    expect((await search(staff.agent.token, t.words.reply)).data.map((h) => h.ticket_id ?? h.id)).toContain(t.id);
    await integrityCheck("comments_fts");
    // A reply after the reopen is an ordinary comment.
    await comment(customer, t.id, "thanks");
    expect(await countOf(comments, t.id)).toBe(commentsBefore + 1);
  }, 120_000);

  it("a consumer killed between the put and the batch redoes it: nothing lost, nothing twice", async () => {
    const customer = await makeUser("customer");
    const t = await closedTicket(customer);
    const before = await readAll(staff.agent, t.id, t.comments);
    const commentsBefore = await countOf(comments, t.id);
    // The consumer dies after its R2 put, when it sends its D1 batch.
    const dying = new Proxy(bindings.DB, {
      get(target, prop) {
        if (prop === "batch") return async () => Promise.reject(new Error("consumer killed"));
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const jobs = jobsEnv();
    const execution = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(Date.now() + 366 * DAY), cron: ARCHIVE_CRON }), jobs.env, execution);
    const message = (jobs.sent as { ids: string[] }[]).find((m) => m.ids.includes(t.id))!;
    expect(await deliver(message, { ...bindings, DB: dying })).toBe(false); // retried
    expect(await archiveKeys(t.id)).toHaveLength(1); // the put happened
    expect((await rowOf(t.id)).archivedAt).toBeNull(); // the batch did not
    expect(await countOf(comments, t.id)).toBe(commentsBefore);

    // The queue delivers it again (and a later tick queues it once more): archived once, whole.
    expect(await deliver(message, bindings)).toBe(true);
    expect(await deliver(message, bindings)).toBe(true);
    const stub = await rowOf(t.id);
    expect(stub.archivedAt).not.toBeNull();
    expect(await archiveKeys(t.id)).toEqual([`archive/tickets/${t.id}/${stub.revision}.json.gz`]);
    expect(await readAll(staff.agent, t.id, t.comments)).toEqual(before);
    // Restored with the reopen: every comment exactly once.
    await patch(staff.agent, t.id, { status: "open" });
    expect(await countOf(comments, t.id)).toBe(commentsBefore);
    expect((await ok(get(staff.agent, `/tickets/${t.id}/comments?limit=100`))).data.map((c: any) => c.id)).toEqual(t.comments);
  }, 60_000);

  it("a ticket changed between the read and the batch (an internal note, which leaves the row alone) is skipped and keeps everything", async () => {
    const customer = await makeUser("customer");
    const t = await closedTicket(customer);
    let noted = false;
    // Just before the consumer's batch, an agent adds a note through the API.
    const racing = new Proxy(bindings.DB, {
      get(target, prop) {
        if (prop === "batch")
          return async (statements: D1PreparedStatement[]) => {
            if (!noted) {
              noted = true;
              await comment(staff.agent, t.id, "late note", true);
            }
            return target.batch(statements);
          };
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await archiveRun(Date.now() + 366 * DAY, { ...bindings, DB: racing });
    expect(noted).toBe(true);
    expect((await rowOf(t.id)).archivedAt).toBeNull();
    expect(await countOf(comments, t.id)).toBe(t.comments.length + 1);
    expect(await archiveKeys(t.id)).toEqual([]);
    // The next run archives it, the late note included.
    await archiveRun(Date.now() + 366 * DAY);
    expect((await rowOf(t.id)).archivedAt).not.toBeNull();
    const notes = (await ok(get(staff.agent, `/tickets/${t.id}/comments?limit=100`))).data.map((c: any) => c.body);
    expect(notes).toContain("late note");
  }, 60_000);

  it("a merged ticket reads its conversation from its target's archive; its other customer sees only their own", async () => {
    const a = await makeUser("customer");
    const b = await makeUser("customer");
    const target = await ok(api("POST", "/api/v1/tickets", { token: a.token, body: { subject: "Target", description: "A's words" } }), 201);
    const source = await ok(api("POST", "/api/v1/tickets", { token: b.token, body: { subject: "Source", description: "B's words" } }), 201);
    await comment(b, source.id, "B adds");
    await comment(staff.agent, source.id, "note on B", true);
    await ok(api("POST", `/api/v1/tickets/${source.id}/merge`, { token: staff.agent.token, body: { into: target.id, confirm_requesters: true } }));
    await patch(staff.agent, target.id, { status: "resolved" });
    await patch(staff.agent, target.id, { status: "closed" });
    const asB = await readAll(b, source.id, []);
    const asStaff = await readAll(staff.agent, source.id, []);
    await archiveRun(Date.now() + 366 * DAY);
    expect((await rowOf(target.id)).archivedAt).not.toBeNull();
    expect((await rowOf(source.id)).archivedAt).not.toBeNull();
    expect(await readAll(b, source.id, [])).toEqual(asB);
    expect(await readAll(staff.agent, source.id, [])).toEqual(asStaff);
    expect(JSON.stringify(await readAll(b, source.id, []))).not.toContain("note on B");
    expectProblem(await get(a, `/tickets/${source.id}/comments`), 404, "NOT_FOUND");
  }, 60_000);

  it("ARCHIVE_AFTER_DAYS: a ticket closed more recently stays; nonsense falls back to the default", async () => {
    const customer = await makeUser("customer");
    const t = await closedTicket(customer);
    await archiveRun(Date.now() + 364 * DAY);
    expect((await rowOf(t.id)).archivedAt).toBeNull();
    const jobs = jobsEnv({ ARCHIVE_AFTER_DAYS: "-3" });
    const execution = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(Date.now() + 10 * DAY), cron: ARCHIVE_CRON }), jobs.env, execution);
    expect((jobs.sent as { ids: string[] }[]).flatMap((m) => m.ids)).not.toContain(t.id);
  });

  it("privacy: a redaction and a person's erasure reach an archived ticket's comments (they come back first); nothing of theirs stays in R2", async () => {
    const customer = await makeUser("customer");
    const passage = word("card");
    const t = await closedTicket(customer);
    const theirs = await ok(api("POST", "/api/v1/tickets", { token: customer.token, body: { subject: "Card", description: "pay" } }), 201);
    await comment(customer, theirs.id, `my card is ${passage}`);
    await comment(staff.agent, theirs.id, "noted");
    await patch(staff.agent, theirs.id, { status: "resolved" });
    await patch(staff.agent, theirs.id, { status: "closed" });
    await archiveRun(Date.now() + 366 * DAY);
    expect((await rowOf(theirs.id)).archivedAt).not.toBeNull();
    expect((await rowOf(t.id)).archivedAt).not.toBeNull();

    // A redaction of an archived comment: found, redacted, the document gone.
    const agentReply = (await ok(get(staff.agent, `/tickets/${t.id}/comments?limit=100`))).data[0];
    const redacted = await ok(api("POST", `/api/v1/tickets/${t.id}/comments/${agentReply.id}/redact`, { token: staff.agent.token, body: { text: t.words.reply } }));
    expect(redacted.body).not.toContain(t.words.reply);
    expect((await rowOf(t.id)).archivedAt).toBeNull();
    await expect.poll(() => archiveKeys(t.id)).toEqual([]);

    // Erasure: every archived ticket holding their words is restored and rewritten.
    await ok(api("POST", `/api/v1/users/${customer.id}/erase`, { token: staff.admin.token, body: { confirm: customer.email } }));
    expect((await rowOf(theirs.id)).archivedAt).toBeNull();
    await expect.poll(() => archiveKeys(theirs.id)).toEqual([]);
    const left = await ok(get(staff.agent, `/tickets/${theirs.id}/comments?limit=100`));
    expect(JSON.stringify(left)).not.toContain(passage);
    expect(left.data.map((c: any) => c.body)).toContain("noted");
    // An agent's words on someone else's archived ticket are found through ticket_archive_authors.
    const agent = await makeUser("agent");
    const other = await closedTicket(await makeUser("customer"));
    await ok(api("PATCH", `/api/v1/tickets/${other.id}`, { token: staff.agent.token, body: { status: "open" } }));
    const said = word("agentsaid");
    await comment(agent, other.id, `from the agent ${said}`);
    await patch(staff.agent, other.id, { status: "resolved" });
    await patch(staff.agent, other.id, { status: "closed" });
    await archiveRun(Date.now() + 366 * DAY);
    expect((await rowOf(other.id)).archivedAt).not.toBeNull();
    await ok(api("POST", `/api/v1/users/${agent.id}/erase`, { token: staff.admin.token, body: { confirm: agent.email } }));
    expect((await rowOf(other.id)).archivedAt).toBeNull();
    expect(JSON.stringify(await ok(get(staff.agent, `/tickets/${other.id}/comments?limit=100`)))).not.toContain(said);
    // Archived again later, with the erased text only.
    await archiveRun(Date.now() + 366 * DAY);
    expect((await rowOf(theirs.id)).archivedAt).not.toBeNull();
    expect(JSON.stringify(await ok(get(staff.agent, `/tickets/${theirs.id}/comments?limit=100`)))).not.toContain(passage);
  }, 90_000);

  it("a ticket whose document is lost is refused (409) and stays archived: never emptied", async () => {
    const customer = await makeUser("customer");
    const t = await closedTicket(customer);
    await archiveRun(Date.now() + 366 * DAY);
    const [key] = await archiveKeys(t.id);
    await bindings.ATTACHMENTS.delete(key!);
    expectProblem(await api("PATCH", `/api/v1/tickets/${t.id}`, { token: staff.agent.token, body: { status: "open" } }), 409, "CONFLICT");
    const row = await rowOf(t.id);
    expect(row.archivedAt).not.toBeNull();
    expect(row.status).toBe("closed");
    expect(await countOf(comments, t.id)).toBe(0);
  }, 60_000);
  it("something recorded on a ticket read while archived, which another request brought back meanwhile, is recorded on the ticket read again", async () => {
    // A bounce or a failed mail reads the ticket (the archived row), then records on it: its write
    // brings the conversation back. Another request brought it back first: the write is stale and
    // is planned again from the ticket as it is now, not sent again as it was.
    const customer = await makeUser("customer");
    const t = await closedTicket(customer);
    await archiveRun(Date.now() + 366 * DAY);
    const ctx = ctxAt(staff.agent, Date.now());
    const read = await findVisibleTicket(ctx, t.id);
    expect(read.row.archivedAt).not.toBeNull();
    await patch(staff.agent, t.id, { status: "open" });
    expect((await rowOf(t.id)).archivedAt).toBeNull();
    const history = await countOf(ticketHistory, t.id);
    const recorded = await recordOnTicket(ctx, read, { history: [{ type: "mail_bounced", internal: true, changes: { recipient: customer.email } }], audit: [], events: () => [] });
    expect(recorded.status).toBe("open");
    expect(await countOf(ticketHistory, t.id)).toBe(history + 1);
    expect(await countOf(comments, t.id)).toBe(t.comments.length); // brought back once, not twice
  }, 60_000);
});
