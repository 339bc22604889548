import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";
import { liveObject } from "../features/live/live.service";
import type { LiveChannel, UserSessionsRpc } from "../ticket-room/protocol";

/** Storage key of the version below which the user's sessions were ended. */
const ENDED_BELOW = "ended_below";
const CHANNEL_PREFIX = "channel:";
/**
 * Channels remembered per user. A count that leaked (an object reset without telling us its
 * sockets closed) is pruned by the next {@link UserSessions.end}; past this many the registry
 * stops growing rather than let one account fill storage.
 */
export const MAX_CHANNELS_PER_USER = 2_000;

/**
 * One per user (`getByName(user id)`): how many of the user's sockets each channel (a ticket's
 * room, the agents' feed) holds. Ending the user's sessions (a deactivation, a demotion, a new
 * password) asks exactly those objects to close them, at once, instead of waiting for each
 * object's periodic check (REVALIDATE_EVERY_MS). A socket that joins with a version already ended
 * is told so and closed, so a join racing the end cannot slip through.
 */
export class UserSessions extends DurableObject<Bindings> implements UserSessionsRpc {
  async joined(channel: LiveChannel, tokenVersion: number): Promise<boolean> {
    const endedBelow = (await this.ctx.storage.get<number>(ENDED_BELOW)) ?? 0;
    if (tokenVersion < endedBelow) return false;
    const key = CHANNEL_PREFIX + channel;
    const count = (await this.ctx.storage.get<number>(key)) ?? 0;
    if (count === 0 && (await this.ctx.storage.list({ prefix: CHANNEL_PREFIX, limit: MAX_CHANNELS_PER_USER })).size >= MAX_CHANNELS_PER_USER) return true;
    await this.ctx.storage.put(key, count + 1);
    return true;
  }

  async left(channel: LiveChannel): Promise<void> {
    const key = CHANNEL_PREFIX + channel;
    const count = ((await this.ctx.storage.get<number>(key)) ?? 0) - 1;
    if (count > 0) await this.ctx.storage.put(key, count);
    else await this.ctx.storage.delete(key);
  }

  async end(tokenVersion: number): Promise<void> {
    const endedBelow = (await this.ctx.storage.get<number>(ENDED_BELOW)) ?? 0;
    if (tokenVersion > endedBelow) await this.ctx.storage.put(ENDED_BELOW, tokenVersion);
    const userId = this.ctx.id.name;
    if (!userId) throw new Error("UserSessions must be addressed by name (the user id)");
    const channels = [...(await this.ctx.storage.list<number>({ prefix: CHANNEL_PREFIX })).keys()].map((k) => k.slice(CHANNEL_PREFIX.length) as LiveChannel);
    await Promise.all(
      channels.map(async (channel) => {
        try {
          const remaining = await liveObject(this.env, channel).endSessions(userId, tokenVersion);
          // What the object still holds of this user (sockets of a newer session) is the truth.
          if (remaining > 0) await this.ctx.storage.put(CHANNEL_PREFIX + channel, remaining);
          else await this.ctx.storage.delete(CHANNEL_PREFIX + channel);
        } catch (err) {
          // That object's own periodic check closes them within REVALIDATE_EVERY_MS.
          console.error(`user sessions: could not end sessions on ${channel}`, err);
        }
      }),
    );
  }
}
