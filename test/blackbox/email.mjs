// Black-box check of the email channel (API.md "Email channel", "Local demo") over the network:
// starts `npm start` on a free port (or uses BASE_URL), POSTs real .eml files of
// test/fixtures/email to wrangler's local mail route `/cdn-cgi/handler/email?from=..&to=..`, and
// checks through the public API what an agent and a customer see: tickets with the right subject,
// requester and attachments, no tickets from auto-replies and bounces, replies threaded by subject
// tag, strangers kept out, redelivery changing nothing. Exits 0 when every check passes, 1 otherwise.
//
//   npm run test:blackbox:email
//   BASE_URL=http://127.0.0.1:8787 npm run test:blackbox:email
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { api, login, ROOT, sleep, startServer } from "./lib.mjs";

const FIXTURES = path.join(ROOT, "test", "fixtures", "email");
const SUPPORT = "support@example.com";
const manifest = JSON.parse(readFileSync(path.join(FIXTURES, "manifest.json"), "utf8"));
const results = [];
const skipped = [];
const say = (msg) => console.log(`[email] ${msg}`);

class Skip extends Error {}

async function check(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    results.push({ name, ok: true });
    say(`✓ ${name} (${(performance.now() - t0).toFixed(0)} ms)`);
  } catch (err) {
    if (err instanceof Skip) {
      skipped.push(`${name}: ${err.message}`);
      return;
    }
    results.push({ name, ok: false, error: err.message });
    say(`✗ ${name}: ${err.message}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** POSTs a raw message to the local mail route; resolves the HTTP status and body text. */
async function mail(base, raw, from, to = SUPPORT) {
  const res = await fetch(`${base}/cdn-cgi/handler/email?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { method: "POST", body: raw });
  return { status: res.status, text: await res.text() };
}

const hasMessageId = (raw) => /^message-id:\s*\S/im.test(raw.subarray(0, 20_000).toString("latin1"));
const unique = () => randomBytes(6).toString("hex");
const rawMail = ({ from, subject, body = "Hello from the black-box test.", messageId = `${unique()}@blackbox.example.net`, headers = [] }) =>
  [`From: <${from}>`, `To: ${SUPPORT}`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, `Message-ID: <${messageId}>`, ...headers, "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body, ""].join("\r\n");

/** Tickets of a requester, by their email, as an agent sees them. */
async function ticketsOf(base, token, email) {
  const users = await api(base, "GET", `/api/v1/users?q=${encodeURIComponent(email)}&limit=10`, { token });
  const user = users.body?.data?.find((u) => u.email === email.toLowerCase());
  if (!user) return [];
  const list = await api(base, "GET", `/api/v1/tickets?requester_id=${user.id}&limit=100`, { token });
  return list.body.data;
}

/** Mail is processed before the route answers, but allow the local queue a moment anyway. */
async function eventually(fn, tries = 20) {
  for (let i = 0; ; i++) {
    const value = await fn();
    if (value || i >= tries) return value;
    await sleep(250);
  }
}

const server = await startServer({ log: say });
const base = server.baseUrl;
try {
  const agent = await login(base, "agent1@example.com");
  const customer1 = await login(base, "customer1@example.com");
  const customer2 = await login(base, "customer2@example.com");

  for (const entry of manifest) {
    const raw = readFileSync(path.join(FIXTURES, entry.file));
    const from = entry.expected.from_address;
    if (!from || !hasMessageId(raw)) continue; // wrangler's route refuses mail without a Message-ID
    await check(`${entry.file} → ${entry.expected.is_auto_reply ? "no ticket" : "a ticket"}`, async () => {
      const before = (await ticketsOf(base, agent.token, from)).length;
      const res = await mail(base, raw, from);
      // wrangler's local route parses the mail itself first and refuses some real messages (header
      // names it cannot put in a Headers object, bare Message-IDs) before our Worker sees them.
      // Those are covered inside workerd by test/email/inbound.test.ts.
      if (/Invalid header name|no message id/i.test(res.text) && res.status !== 200) throw new Skip(res.text.slice(0, 120));
      assert(res.status === 200, `mail route answered ${res.status}: ${res.text.slice(0, 300)}`);
      const after = await ticketsOf(base, agent.token, from);
      if (entry.expected.is_auto_reply || entry.expected.auto_kind) {
        assert(after.length === before, `an auto-reply/bounce created a ticket`);
        return;
      }
      const subject = (entry.expected.subject ?? "").replace(/[\u0000-\u0008\u000a-\u001f\u007f]+/g, " ").trim() || "(no subject)";
      const ticket = after.find((t) => t.subject === (subject.length > 200 ? `${subject.slice(0, 199)}…` : subject));
      assert(ticket, `no ticket "${subject}" for ${from} (has: ${after.map((t) => t.subject).join(" | ")})`);
      assert(ticket.channel === "email", `channel ${ticket.channel}`);
      const files = await api(base, "GET", `/api/v1/tickets/${ticket.id}/attachments?limit=100`, { token: agent.token });
      assert(files.body.data.length === entry.expected.attachment_count, `${files.body.data.length} attachments, expected ${entry.expected.attachment_count}`);
      if (files.body.data.length) {
        const res = await fetch(`${base}/api/v1/attachments/${files.body.data[0].id}`, { headers: { authorization: `Bearer ${agent.token}` } });
        assert(res.status === 200 && /^attachment;/.test(res.headers.get("content-disposition") ?? ""), `download ${res.status}`);
        assert(res.headers.get("x-content-type-options") === "nosniff", "nosniff");
        assert((await res.arrayBuffer()).byteLength === files.body.data[0].size, "size");
      }
    });
  }

  let ticket;
  const subject = `Black-box printer ${unique()}`;
  const firstId = `${unique()}@blackbox.example.net`;
  await check("customer1 mails in: a ticket of theirs, channel email, visible in their own list", async () => {
    const res = await mail(base, rawMail({ from: "customer1@example.com", subject, messageId: firstId, body: "The printer is on fire." }), "customer1@example.com");
    assert(res.status === 200, `mail route ${res.status}`);
    const mine = await api(base, "GET", "/api/v1/tickets?limit=100", { token: customer1.token });
    ticket = mine.body.data.find((t) => t.subject === subject);
    assert(ticket, "ticket not in customer1's list");
    assert(ticket.description === "The printer is on fire.", `description ${JSON.stringify(ticket.description)}`);
  });

  await check("the same Message-ID again changes nothing", async () => {
    await mail(base, rawMail({ from: "customer1@example.com", subject, messageId: firstId, body: "The printer is on fire." }), "customer1@example.com");
    const mine = await api(base, "GET", "/api/v1/tickets?limit=100", { token: customer1.token });
    assert(mine.body.data.filter((t) => t.subject === subject).length === 1, "duplicate ticket");
  });

  await check("the requester's reply with the subject tag becomes a comment, quotes stripped", async () => {
    const body = `It is still burning.\n\nOn Tue, 1 Dec 2026 at 10:02, Support <${SUPPORT}> wrote:\n> We are on it.`;
    await mail(base, rawMail({ from: "customer1@example.com", subject: `Re: [${ticket.number}] ${subject}`, body }), "customer1@example.com");
    const comments = await eventually(async () => {
      const list = await api(base, "GET", `/api/v1/tickets/${ticket.id}/comments`, { token: customer1.token });
      return list.body.data.length ? list.body.data : null;
    });
    assert(comments, "no comment");
    assert(comments[0].body === "It is still burning." && comments[0].channel === "email", JSON.stringify(comments[0]));
  });

  await check("a stranger with the copied subject tag gets a ticket of their own, and cannot read the original", async () => {
    await mail(base, rawMail({ from: "customer2@example.com", subject: `Re: [${ticket.number}] ${subject}`, body: "Let me in." }), "customer2@example.com");
    const comments = await api(base, "GET", `/api/v1/tickets/${ticket.id}/comments`, { token: agent.token });
    assert(comments.body.data.length === 1, `${comments.body.data.length} comments on the original`);
    const theirs = await api(base, "GET", "/api/v1/tickets?limit=100", { token: customer2.token });
    assert(theirs.body.data.some((t) => t.description === "Let me in."), "no own ticket for the stranger");
    const peek = await api(base, "GET", `/api/v1/tickets/${ticket.id}`, { token: customer2.token });
    assert(peek.status === 404, `stranger read the ticket: ${peek.status}`);
  });

  await check("an agent's reply goes out through the local queue; the ticket's mail lists it", async () => {
    const reply = await api(base, "POST", `/api/v1/tickets/${ticket.id}/comments`, { token: agent.token, body: { body: "Please unplug it." } });
    assert(reply.status === 201, `comment ${reply.status}`);
    const messages = await eventually(async () => {
      const res = await api(base, "GET", `/api/v1/tickets/${ticket.id}/messages`, { token: agent.token });
      const sent = res.body.data?.find((m) => m.direction === "outbound" && m.kind === "reply" && m.status === "sent");
      return sent ? res.body.data : null;
    }, 40);
    assert(messages, "the reply was not sent by the local queue");
    // The acknowledgement went out too, unless the demo's earlier email tickets of customer1 used up
    // the automatic mails allowed to that address this hour.
    const ack = messages.find((m) => m.kind === "ticket_created");
    assert(ack && ["sent", "suppressed"].includes(ack.status), `acknowledgement ${JSON.stringify(ack)}`);
    const forbidden = await api(base, "GET", `/api/v1/tickets/${ticket.id}/messages`, { token: customer1.token });
    assert(forbidden.status === 403, `customer listed mail: ${forbidden.status}`);
  });

  await check("an out-of-office answer creates nothing", async () => {
    const from = `away-${unique()}@example.net`;
    await mail(base, rawMail({ from, subject: "Out of office", headers: ["Auto-Submitted: auto-replied"] }), from);
    assert((await ticketsOf(base, agent.token, from)).length === 0, "ticket from an auto-reply");
  });
} catch (err) {
  results.push({ name: "setup", ok: false, error: err.message });
  say(`✗ setup: ${err.stack ?? err.message}`);
} finally {
  await server.stop();
}

for (const s of skipped) say(`- skipped (refused by wrangler's local mail route, not by edgedesk): ${s}`);
const failed = results.filter((r) => !r.ok);
say(`${results.length - failed.length}/${results.length} checks passed`);
console.log(`${results.length - failed.length} passed, ${failed.length} failed, ${skipped.length} skipped`);
process.exit(failed.length ? 1 : 0);
