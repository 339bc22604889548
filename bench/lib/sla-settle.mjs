// The SLA sweep settled before a rows pass, as a deployment's minute cron keeps it: breaches not
// flagged yet are read whole by `breached=` lists (tickets.list.ts's late rows).
/**
 * Runs the Worker's minute cron until the SLA sweep's due list is empty or has not shrunk for 3 runs
 * (at most 60). The same cron's auto-close adds to it while it works through a backlog: closing a
 * seeded ticket whose breach was flagged but never announced puts it on the list for the next run.
 * Returns the line for the report's notes.
 */
export async function settleSlaSweep(srv, log) {
  const due = async () =>
    Number(await srv.db.prepare("SELECT count(*) AS n FROM tickets WHERE deleted_at IS NULL AND sla_check_at <= ?").bind(new Date().toISOString()).first("n"));
  const worker = await srv.mf.getWorker("edgedesk");
  const before = await due();
  let left = before;
  let runs = 0;
  let stalled = 0;
  const t0 = Date.now();
  let lost = 0;
  for (; left > 0 && runs < 60 && stalled < 3; runs++) {
    // A long first run on a state idle for hours (its jobs' reports all logged) has twice lost its
    // answer to Miniflare's loopback (ECONNRESET, stops 34 and 35). The run may still be working:
    // the next starts once the due list holds still, and the note counts the lost answers.
    const answered = await worker.scheduled({ scheduledTime: new Date(), cron: "* * * * *" }).then(
      () => true,
      (err) => {
        if (err?.cause?.code !== "ECONNRESET") throw err;
        return false;
      },
    );
    if (!answered) {
      lost++;
      log(`minute cron run ${runs + 1}: its answer was lost (ECONNRESET); waiting for the due list to hold still`);
      for (let last = -1, n = await due(), waited = 0; n !== last && waited < 60; waited++) {
        await new Promise((r) => setTimeout(r, 1000));
        [last, n] = [n, await due()];
      }
    }
    const now = await due();
    stalled = now < left ? 0 : stalled + 1;
    left = now;
  }
  const note = `SLA sweep settled before the rows pass: ${before} tickets due, ${left} left after ${runs} minute cron runs (${((Date.now() - t0) / 1000).toFixed(0)} s${lost ? `; ${lost} run(s) lost their answer (ECONNRESET)` : ""})`;
  log(note);
  return note;
}
