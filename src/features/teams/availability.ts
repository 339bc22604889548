import type { Availability } from "../../domain/vocabulary";
import type { ServiceContext } from "../../lib/request-context";
import { agentsFeed } from "../live/live.service";

/**
 * Live availability of staff from the agents' feed (API.md "Live collaboration"): connected and
 * active → online, connected but idle 5 minutes → away, not connected → offline. Routing caps it
 * with each agent's manual status. If the feed cannot be asked, the answer is empty and the
 * manual status alone decides, so routing degrades instead of failing.
 */
export async function presenceOf(ctx: ServiceContext, userIds: string[]): Promise<Map<string, Availability>> {
  let live: Record<string, "online" | "away">;
  try {
    live = await agentsFeed(ctx.env).presenceNow();
  } catch (err) {
    console.error(JSON.stringify({ event: "routing.presence_unavailable", error: String(err) }));
    return new Map();
  }
  return new Map(userIds.map((id) => [id, live[id] ?? "offline"]));
}
