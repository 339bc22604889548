import { expect } from "vitest";
import { api } from "../helpers";
import { connect, type LiveSocket } from "../helpers/sockets";

let ipCounter = 0;
const ipBase = Math.floor(Math.random() * 200);
/** An address of its own per call (198.18.0.0/15, the benchmarking range), so per-IP limits of one test do not touch another. */
export const uniqueIp = () => {
  const n = ++ipCounter;
  return `198.18.${(ipBase + (n >> 8)) % 256}.${n & 255}`;
};
let v6Counter = 0;
/** A /64 of its own per call (2001:db8::/32, documentation range). */
export const uniqueV6Prefix = () => `2001:db8:${(++v6Counter).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;

export interface Chat {
  ticket: any;
  token: string;
}

export async function openChat(body: Record<string, unknown> = { name: "Vera Visitor", message: "Hello, is anyone there?" }, ip = uniqueIp()): Promise<Chat> {
  const res = await api("POST", "/api/v1/chat/sessions", { body, headers: { "cf-connecting-ip": ip } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ticket: res.body.ticket, token: res.body.visitor_token };
}

export const chatPath = (chat: Chat, tail = "") => `/api/v1/chat/sessions/${chat.ticket.id}${tail}`;

/** The visitor's socket, its token in `?token=` as the widget sends it. */
export async function visitorSocket(chat: Chat): Promise<LiveSocket> {
  const up = await connect(`${chatPath(chat, "/live")}?token=${encodeURIComponent(chat.token)}`);
  if (!up.socket) throw new Error(`visitor upgrade refused: ${up.status} ${JSON.stringify(up.body)}`);
  return up.socket;
}

export function say(chat: Chat, body: string, headers: Record<string, string> = {}) {
  return api("POST", chatPath(chat, "/messages"), { token: chat.token, body: { body }, headers });
}
