import { isStaff } from "../domain/permissions";
import { LiveObject } from "../ticket-room/live-object";
import { feedMessages, feedPresence, isAway, newFeedSession, nextAway, type Audience, type FeedSession } from "../ticket-room/presence";
import { FeedClientMessage, parseClientMessage, publishedEvents, type AgentsFeedRpc, type PublishedEvents, type FeedNotification, type LiveIdentity, type ServerMessage } from "../ticket-room/protocol";

/** The one feed of a deployment (`idFromName`): every agent's dashboard connects to it. */
export const AGENTS_FEED_NAME = "agents";

/**
 * The agents' feed (API.md "Live collaboration"): which staff are online or away, and the queue
 * events `ticket.created`, `ticket.assigned`, `sla.breached`, `chat.waiting` as they commit. Staff only.
 */
export class AgentsFeed extends LiveObject<FeedSession> implements AgentsFeedRpc {
  override fetch(request: Request): Promise<Response> {
    return this.accept(request, (identity) => isStaff(identity.role));
  }

  /** Fans committed queue events (one write's, in order) out to every agent; other events are not for the feed. */
  async publish(events: PublishedEvents): Promise<void> {
    for (const event of publishedEvents(events)) for (const message of feedMessages(event)) this.broadcast({ staff: message });
  }

  /** A user's notifications go to that user's sockets alone (every tab), never to the other agents. */
  async notify(items: FeedNotification[]): Promise<void> {
    const byUser = new Map<string, FeedNotification[]>();
    for (const item of items) byUser.set(item.user_id, [...(byUser.get(item.user_id) ?? []), item]);
    for (const [ws, session] of [...this.sessions()]) {
      for (const item of byUser.get(session.id) ?? []) this.send(ws, { type: "notification", notification: item.notification });
    }
  }

  /** Staff connected now, online or away (idle 5 minutes): routing's live availability. */
  async presenceNow(): Promise<Record<string, "online" | "away">> {
    const out: Record<string, "online" | "away"> = {};
    for (const u of feedPresence(this.sessions().values(), Date.now())) out[u.id] = u.state === "online" ? "online" : "away";
    return out;
  }

  protected newSession(identity: LiveIdentity, now: number) {
    return newFeedSession(identity, now);
  }

  protected presence(now: number): Partial<Record<Audience, ServerMessage>> {
    return { staff: { type: "presence", users: feedPresence(this.sessions().values(), now) } };
  }

  protected async onMessage(ws: WebSocket, session: FeedSession, raw: string | ArrayBuffer, now: number) {
    const parsed = parseClientMessage(FeedClientMessage, raw);
    if (!parsed.ok) return this.send(ws, { type: "error", code: parsed.code, detail: parsed.detail });
    switch (parsed.message.type) {
      // Keep-alives say the tab is open, not that someone is at it: they do not end "away".
      case "ping":
        return this.send(ws, { type: "pong" });
      case "activity":
        this.save(ws, { ...session, lastActiveAt: now, announcedAway: false });
        this.sendPresence({ now });
        await this.scheduleAlarm(now);
        return;
    }
  }

  protected onLeave() {}

  protected nextTimer(now: number) {
    return nextAway(this.sessions().values(), now);
  }

  /** Agents idle for 5 minutes turn away. */
  protected onTimers(now: number) {
    let changed = false;
    for (const [ws, session] of [...this.sessions()]) {
      if (session.announcedAway || !isAway(session, now)) continue;
      this.save(ws, { ...session, announcedAway: true });
      changed = true;
    }
    if (changed) this.sendPresence({ now });
  }
}
