import { z } from "@hono/zod-openapi";
import { ROLES } from "../../domain/permissions";
import { IsoDate, PageQuery, commaList, pageOf } from "../../lib/openapi";

export const UserSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    active: z.boolean(),
    /** The address is proven (API.md "Auth"); until then a self-registered account sees only the tickets it opened itself. */
    email_verified: z.boolean(),
    created_at: IsoDate,
  })
  .openapi("User");

const email = z.string().trim().toLowerCase().pipe(z.email().max(254));
export const Password = z.string().min(8).max(256);
const name = z.string().trim().min(1).max(200);

export const CreateUserBody = z.object({ name, email, password: Password, role: z.enum(ROLES) }).openapi("CreateUser");
export const PatchUserBody = z
  .object({ name, email, password: Password, role: z.enum(ROLES), active: z.boolean() })
  .partial()
  .openapi("PatchUser");
export const UserListQuery = PageQuery.extend({
  // A comma list, so the console's staff directory (agent, manager, admin) is one request.
  role: commaList(z.enum(ROLES), ROLES.length).optional().openapi({ description: "one role, or a comma list of roles" }),
  q: z.string().trim().min(1).max(200).optional(),
});
export const UserPage = pageOf(UserSchema).openapi("UserPage");
export const UserIdParam = z.object({ id: z.string().min(1).max(64) });

export { email as EmailField, name as NameField };
