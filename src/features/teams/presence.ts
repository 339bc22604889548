import type { Availability } from "../../db/schema";
import type { ServiceContext } from "../../lib/request-context";

/**
 * Live presence of staff, by user id (absent: no live signal, the manual status alone decides).
 */
export async function presenceOf(_ctx: ServiceContext, _userIds: string[]): Promise<Map<string, Availability>> {
  return new Map();
}
