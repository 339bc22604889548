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
  for (; left > 0 && runs < 60 && stalled < 3; runs++) {
    // A long first run on a state idle for hours (its jobs' reports all logged) has twice lost its
    // answer to Miniflare's loopback (ECONNRESET, stops 34 and 35); the due list below still says
    // what it did, so the run counts and the loop goes on.
    await worker.scheduled({ scheduledTime: new Date(), cron: "* * * * *" }).catch((err) => {
      if (err?.cause?.code !== "ECONNRESET") throw err;
      log(`minute cron run ${runs + 1}: its answer was lost (ECONNRESET); the due list tells what it did`);
    });
    const now = await due();
    stalled = now < left ? 0 : stalled + 1;
    left = now;
  }
  const note = `SLA sweep settled before the rows pass: ${before} tickets due, ${left} left after ${runs} minute cron runs (${((Date.now() - t0) / 1000).toFixed(0)} s)`;
  log(note);
  return note;
}
