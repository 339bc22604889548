import { and, eq, isNull } from "drizzle-orm";
import { refreshTokens } from "../../db/schema";
import type { ServiceContext } from "../../lib/request-context";

/**
 * Ending every session of a user takes two writes in the batch of the change that ends them (a
 * password change, a reset, a deactivation, a demotion): the user's token version goes up (the
 * caller's UPDATE of users), which kills outstanding access tokens at once, and this, which revokes
 * every refresh token. Live sockets close after commit (features/live: closeLiveSessions).
 */
export function revokeRefreshTokens(ctx: ServiceContext, userId: string) {
  return ctx.db
    .update(refreshTokens)
    .set({ revokedAt: ctx.now.toISOString() })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}
