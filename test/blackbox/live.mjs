// Black-box check of live collaboration (API.md "Live collaboration") over the network:
// starts `npm start` on a free port (or uses BASE_URL), logs in as the demo users, opens real
// WebSockets and checks presence, typing, REST changes arriving, what customers must not see,
// refused upgrades, floods, and the agents' feed. Exits 0 when every check passes, 1 otherwise.
//
//   npm run test:blackbox                 # its own npm start, throw-away state
//   BASE_URL=http://127.0.0.1:8787 npm run test:blackbox
import { api, Client, login, sleep, startServer, upgradeStatus, wsUrl } from "./lib.mjs";

const results = [];
const say = (msg) => console.log(`[live] ${msg}`);

async function check(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    results.push({ name, ok: true });
    say(`✓ ${name} (${(performance.now() - t0).toFixed(0)} ms)`);
  } catch (err) {
    results.push({ name, ok: false, error: err.message });
    say(`✗ ${name}: ${err.message}`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}
const ids = (m) => m.users.map((u) => u.id).sort().join(",");

const server = await startServer({ log: say });
const base = server.baseUrl;
const opened = [];
const open = async (pathname, token) => {
  const c = await Client.open(wsUrl(base, pathname, token));
  opened.push(c);
  return c;
};

try {
  const [customer1, customer2, agent1, agent2] = await Promise.all(
    ["customer1@example.com", "customer2@example.com", "agent1@example.com", "agent2@example.com"].map((e) => login(base, e)),
  );
  const created = await api(base, "POST", "/api/v1/tickets", {
    token: customer1.token,
    body: { subject: `Black-box live check ${new Date().toISOString()}`, description: "Opened by test/blackbox/live.mjs" },
  });
  if (created.status !== 201) throw new Error(`creating a ticket: ${created.status} ${JSON.stringify(created.body)}`);
  const ticket = created.body;
  const room = `/api/v1/tickets/${ticket.id}/live`;
  say(`ticket ${ticket.number} (${ticket.id}) on ${base}`);

  await check("refused upgrades answer problem+json before any socket opens (401, 404, 403)", async () => {
    const noToken = await upgradeStatus(`${base}${room}`);
    assert(noToken.status === 401 && noToken.body?.code === "UNAUTHORIZED", `no token: ${noToken.status} ${JSON.stringify(noToken.body)}`);
    assert(noToken.contentType === "application/problem+json", `no token: content-type ${noToken.contentType}`);
    const bad = await upgradeStatus(`${base}${room}?access_token=not-a-token`);
    assert(bad.status === 401, `bad token: ${bad.status}`);
    const other = await upgradeStatus(`${base}${room}?access_token=${customer2.token}`);
    assert(other.status === 404 && other.body?.code === "NOT_FOUND", `another customer's ticket: ${other.status} ${JSON.stringify(other.body)}`);
    const feed = await upgradeStatus(`${base}/api/v1/live?access_token=${customer1.token}`);
    assert(feed.status === 403 && feed.body?.code === "FORBIDDEN", `customer on the agents' feed: ${feed.status}`);
    const noFeedToken = await upgradeStatus(`${base}/api/v1/live`);
    assert(noFeedToken.status === 401, `agents' feed without a token: ${noFeedToken.status}`);
  });

  let a1, a2, c1;
  await check("presence: a joining socket gets it at once, the others on every join and leave", async () => {
    a1 = await open(room, agent1.token);
    const first = await a1.next("presence");
    assert(ids(first) === agent1.user.id, `first presence ${JSON.stringify(first)}`);
    c1 = await open(room, customer1.token);
    await c1.presence([agent1.user.id, customer1.user.id]);
    await a1.presence([agent1.user.id, customer1.user.id]);
    a2 = await open(room, agent2.token);
    await a2.presence([agent1.user.id, customer1.user.id, agent2.user.id]);
    await c1.presence([agent1.user.id, customer1.user.id, agent2.user.id]);
  });

  await check("typing reaches the others with the sender's id; an internal note shows to the customer as viewing", async () => {
    a1.send({ type: "typing", is_typing: true, internal: true, user_id: customer1.user.id });
    const staffSees = await a2.next("typing");
    assert(staffSees.user_id === agent1.user.id && staffSees.internal === true, `agent2 got ${JSON.stringify(staffSees)}`);
    a1.send({ type: "typing", is_typing: true, internal: false });
    const customerSees = await c1.next("typing");
    assert(customerSees.user_id === agent1.user.id && customerSees.internal === false && customerSees.is_typing, `customer got ${JSON.stringify(customerSees)}`);
    a1.send({ type: "typing", is_typing: false });
    await c1.next("typing", (m) => !m.is_typing);
    assert(!c1.log.some((m) => m.type === "typing" && m.internal), "the customer saw internal typing");
  });

  await check("a comment posted by REST arrives on every socket; an internal note only on staff sockets", async () => {
    const reply = await api(base, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token: agent1.token, body: { body: "Looking into it now." } });
    assert(reply.status === 201, `reply: ${reply.status}`);
    for (const s of [a1, a2, c1]) {
      const m = await s.next("comment.created", (x) => x.comment.id === reply.body.id);
      assert(m.comment.body === "Looking into it now.", `comment ${JSON.stringify(m)}`);
    }
    const note = await api(base, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token: agent1.token, body: { body: "internal: check the invoice", internal: true } });
    assert(note.status === 201, `note: ${note.status}`);
    await a2.next("comment.created", (x) => x.comment.id === note.body.id);
    await sleep(300);
    assert(!JSON.stringify(c1.log).includes("check the invoice"), "the customer's socket received the internal note");
  });

  await check("a status change by PATCH arrives as ticket.updated with changes and version", async () => {
    const res = await api(base, "PATCH", `/api/v1/tickets/${ticket.id}`, { token: agent2.token, body: { status: "in_progress" }, headers: { "if-match": `"${ticket.version}"` } });
    assert(res.status === 200, `patch: ${res.status} ${JSON.stringify(res.body)}`);
    const m = await c1.next("ticket.updated");
    assert(m.version === res.body.version && JSON.stringify(m.changes.status) === JSON.stringify(["open", "in_progress"]), `update ${JSON.stringify(m)}`);
  });

  await check("bad messages get an error and the socket stays; ping gets pong", async () => {
    c1.send("not json");
    await c1.next("error");
    c1.send({ type: "typing", is_typing: true, internal: true });
    const forbidden = await c1.next("error");
    assert(forbidden.code === "FORBIDDEN", `customer internal typing: ${JSON.stringify(forbidden)}`);
    c1.send({ type: "ping" });
    await c1.next("pong");
  });

  await check("a socket flooding more than 20 messages a second is closed with 1008", async () => {
    const flooder = await open(room, agent2.token);
    await flooder.next("presence");
    for (let i = 0; i < 40; i++) flooder.send({ type: "ping", n: i });
    const closed = await Promise.race([flooder.closed, sleep(5_000).then(() => null)]);
    assert(closed?.code === 1008, `closed with ${JSON.stringify(closed)}`);
  });

  await check("the agents' feed: presence of agents and ticket.created as it commits", async () => {
    const feed = await open("/api/v1/live", agent1.token);
    const p = await feed.next("presence");
    assert(p.users.some((u) => u.id === agent1.user.id && u.state === "online"), `feed presence ${JSON.stringify(p)}`);
    const fresh = await api(base, "POST", "/api/v1/tickets", { token: customer2.token, body: { subject: "Feed check", description: "new in the queue" } });
    assert(fresh.status === 201, `create: ${fresh.status}`);
    await feed.next("ticket.created", (m) => m.ticket.id === fresh.body.id);
  });

  await check("leaving updates presence", async () => {
    c1.close();
    await a1.presence([agent1.user.id, agent2.user.id]);
  });
} catch (err) {
  results.push({ name: "setup", ok: false, error: err.message });
  say(`✗ setup: ${err.stack ?? err.message}`);
} finally {
  for (const c of opened) c.close();
  await server.stop();
}

const failed = results.filter((r) => !r.ok);
say(`${results.length - failed.length}/${results.length} checks passed`);
process.exit(failed.length ? 1 : 0);
