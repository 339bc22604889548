import type { users } from "../../db/schema";

type UserRow = typeof users.$inferSelect;

/** The wire shape of a user: never the password hash or token version. */
export function toUser(u: UserRow) {
  return { id: u.id, name: u.name, email: u.email, role: u.role, active: u.active, email_verified: u.emailVerifiedAt !== null, created_at: u.createdAt };
}
