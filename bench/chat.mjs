// Live chat benchmark (issue 14): how fast a visitor's message reaches the agent, and what a chat costs.
//
//   1. message → agent socket: a visitor POSTs a message (the widget's path); the agent's socket on the
//      ticket's room receives `comment.created`. Latency from just before the POST to arrival, p50/p99,
//      one chat at a time and with many chats writing at once. Socket level: web's browser harness was
//      not on main when this was written, so the agent "page" is the agent's live socket (what the
//      console renders from); a page adds its own rendering on top.
//   2. agent reply → visitor socket, and typing both ways (socket message → the other socket).
//   3. the REST side under load: opening a chat (anonymous, per-IP limited) and a visitor message, with
//      rows read and written per request (the harness's two passes).
//
// Under the harness (`npm run bench -- --only chat`) it gets { baseUrl, tokens, measure, log, quick }.
import { Client } from "../test/blackbox/lib.mjs";
import { summary } from "./live.mjs";

/** Chats the message scenario rotates through: a chat takes 30 messages a minute, so a load test spreads over many. */
const CHAT_POOL = 300;
/** Simultaneous chats in the "many at once" round. */
const PARALLEL_CHATS = 50;

let ipCounter = 0;
/** A client address per chat (198.18.0.0/15): the per-IP chat limit is not what is measured. */
const nextIp = () => {
  const n = ++ipCounter;
  return `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;
};

export async function run({ baseUrl, tokens, measure, log, quick }) {
  const ws = baseUrl.replace(/^http/, "ws");
  const notes = [
    "Latency is socket level: from just before the visitor's POST (or the socket message) to the other side's socket receiving it; the agent's page renders from that socket.",
  ];

  async function call(method, pathname, { token, body, ip } = {}) {
    const res = await fetch(`${baseUrl}${pathname}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { "content-type": "application/json" } : {}),
        "cf-connecting-ip": ip ?? nextIp(),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${pathname}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  }
  const openChat = (i) => call("POST", "/api/v1/chat/sessions", { body: { name: `Bench visitor ${i}`, message: `bench chat ${i}` } });

  /** A chat with the visitor's and an agent's socket joined (both see each other in presence). */
  async function liveChat(i) {
    const chat = await openChat(i);
    const visitor = await Client.open(`${ws}/api/v1/chat/sessions/${chat.ticket.id}/live?token=${encodeURIComponent(chat.visitor_token)}`);
    const agent = await Client.open(`${ws}/api/v1/tickets/${chat.ticket.id}/live?access_token=${encodeURIComponent(tokens.agent)}`);
    await agent.next("presence", (m) => m.users.length === 2, 30_000);
    await visitor.next("presence", (m) => m.users.length === 2, 30_000);
    return { chat, visitor, agent };
  }

  /** Visitor message → agent socket; agent reply → visitor socket; typing both ways. One round per call. */
  async function round({ chat, visitor, agent }, label) {
    const marker = `${label} ${Math.random().toString(36).slice(2)}`;
    const atAgent = agent.next("comment.created", (m) => m.comment.body === marker, 30_000);
    const t0 = performance.now();
    await call("POST", `/api/v1/chat/sessions/${chat.ticket.id}/messages`, { token: chat.visitor_token, body: { body: marker } });
    const post = performance.now() - t0;
    const toAgent = (await atAgent).receivedAt - t0;

    const answer = `re ${marker}`;
    const atVisitor = visitor.next("comment.created", (m) => m.comment.body === answer, 30_000);
    const t1 = performance.now();
    await call("POST", `/api/v1/tickets/${chat.ticket.id}/comments`, { token: tokens.agent, body: { body: answer } });
    const toVisitor = (await atVisitor).receivedAt - t1;

    const typingAtAgent = agent.next("typing", (m) => m.is_typing && m.user_id === chat.ticket.requester.id, 30_000);
    const t2 = performance.now();
    visitor.send({ type: "typing", is_typing: true });
    const visitorTyping = (await typingAtAgent).receivedAt - t2;
    visitor.send({ type: "typing", is_typing: false });
    await agent.next("typing", (m) => !m.is_typing, 30_000);

    const typingAtVisitor = visitor.next("typing", (m) => m.is_typing, 30_000);
    const t3 = performance.now();
    agent.send({ type: "typing", is_typing: true, internal: false });
    const agentTyping = (await typingAtVisitor).receivedAt - t3;
    agent.send({ type: "typing", is_typing: false });
    await visitor.next("typing", (m) => !m.is_typing, 30_000);
    for (const s of [agent, visitor]) s.log.length = 0;
    return { post, toAgent, toVisitor, visitorTyping, agentTyping };
  }

  const collect = (rounds) => ({
    messageToAgent: summary(rounds.map((r) => r.toAgent)),
    visitorPost: summary(rounds.map((r) => r.post)),
    replyToVisitor: summary(rounds.map((r) => r.toVisitor)),
    visitorTypingToAgent: summary(rounds.map((r) => r.visitorTyping)),
    agentTypingToVisitor: summary(rounds.map((r) => r.agentTyping)),
  });
  const entry = (name, measured) => ({
    name,
    route: "POST /api/v1/chat/sessions/{id}/messages → agent WS",
    as: "visitor",
    load: { requests: measured.messageToAgent.n, errors: 0, latencyMs: { p50: measured.messageToAgent.p50, p90: measured.messageToAgent.p90, p99: measured.messageToAgent.p99 } },
    chat: measured,
  });
  const results = [];

  // 1 + 2, one chat at a time.
  {
    const live = await liveChat(0);
    await round(live, "warm-up");
    const rounds = [];
    const count = quick ? 20 : 100;
    for (let r = 0; r < count; r++) rounds.push(await round(live, `one chat #${r}`));
    live.visitor.close();
    live.agent.close();
    const measured = collect(rounds);
    log(
      `one chat: visitor message → agent socket p50 ${measured.messageToAgent.p50} ms, p99 ${measured.messageToAgent.p99} ms; ` +
        `agent reply → visitor p50 ${measured.replyToVisitor.p50} ms, p99 ${measured.replyToVisitor.p99} ms; ` +
        `typing visitor → agent p99 ${measured.visitorTypingToAgent.p99} ms, agent → visitor p99 ${measured.agentTypingToVisitor.p99} ms`,
    );
    results.push(entry("one chat: visitor message → agent socket", measured));
  }

  // 1, many chats at once.
  {
    const chats = quick ? 10 : PARALLEL_CHATS;
    log(`${chats} chats at once: opening them`);
    const lives = [];
    for (let i = 0; i < chats; i++) lives.push(await liveChat(1_000 + i));
    const rounds = [];
    const waves = quick ? 3 : 10;
    for (let w = 0; w < waves; w++) rounds.push(...(await Promise.all(lives.map((l, i) => round(l, `wave ${w} chat ${i}`)))));
    for (const l of lives) (l.visitor.close(), l.agent.close());
    const measured = collect(rounds);
    log(`${chats} chats at once: visitor message → agent socket p50 ${measured.messageToAgent.p50} ms, p99 ${measured.messageToAgent.p99} ms`);
    results.push(entry(`${chats} chats writing at once: visitor message → agent socket`, measured));
  }

  // 3, the REST side: opening a chat, and a visitor's message, with rows per request.
  await measure({
    name: "open a chat (anonymous)",
    route: "POST /api/v1/chat/sessions",
    as: "visitor",
    request: (i) => ({ method: "POST", path: "/api/v1/chat/sessions", headers: { "cf-connecting-ip": `198.19.${(i >> 8) & 255}.${i & 255}` }, body: { name: `Load ${i}`, message: `load test chat ${i}` } }),
    expectStatus: 201,
    // Each one is a new account and ticket: a few hundred make the point.
    maxRequests: quick ? 200 : 2_000,
  });
  log(`opening a pool of ${CHAT_POOL} chats for the message scenario`);
  const pool = [];
  for (let i = 0; i < CHAT_POOL; i++) pool.push(await openChat(10_000 + i));
  await measure({
    name: "a visitor's message",
    route: "POST /api/v1/chat/sessions/{id}/messages",
    as: "visitor",
    request: (i) => {
      const chat = pool[i % pool.length];
      return { method: "POST", path: `/api/v1/chat/sessions/${chat.ticket.id}/messages`, token: chat.visitor_token, body: { body: `load message ${i}` } };
    },
    expectStatus: 201,
    // 30 per chat per minute: the pool keeps a 10 s run far below that.
    maxRequests: quick ? 500 : Math.min(CHAT_POOL * 20, 6_000),
  });

  return { results, notes };
}
