import { and, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import { insertRow, type Database } from "../../db/client";
import { auditLogs } from "../../db/schema";
import { decodeCursor, encodeCursor, keysetPage } from "../../lib/cursor";
import { newId } from "../../lib/ids";
import type { ServiceContext } from "../../lib/request-context";

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  changes: Record<string, unknown>;
}

/** The audit row of a write, to go into that write's batch (never written on its own). */
export function auditInsert(ctx: ServiceContext, entry: AuditEntry) {
  return insertRow(ctx.db, auditLogs, {
    id: newId(ctx.now.getTime()),
    at: ctx.now.toISOString(),
    actorId: ctx.actor?.id ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    changes: entry.changes,
    ip: ctx.meta.ip,
    userAgent: ctx.meta.userAgent,
  });
}

export interface AuditQuery {
  entity_type?: string;
  entity_id?: string;
  actor_id?: string;
  limit: number;
  cursor?: string;
}

const SORT = "audit:-at";

/**
 * The entity types present in the log, one index seek each. The entity index leads with the type, so
 * an `entity_id` filter without `entity_type` names all of them rather than scan the whole log for one id.
 */
const entityTypesInLog = sql`(WITH RECURSIVE seen(type) AS (
  SELECT min(entity_type) FROM audit_logs
  UNION ALL SELECT (SELECT min(entity_type) FROM audit_logs WHERE entity_type > seen.type) FROM seen WHERE seen.type IS NOT NULL
) SELECT type FROM seen WHERE type IS NOT NULL)`;

/** Newest first (by `id`, which is `(at, id)` order), keyset-paginated along whichever index the filter names. */
export async function listAuditLogs(db: Database, secret: string, q: AuditQuery) {
  const where: SQL[] = [];
  if (q.entity_type) where.push(eq(auditLogs.entityType, q.entity_type));
  if (q.entity_id) where.push(eq(auditLogs.entityId, q.entity_id));
  if (q.entity_id && !q.entity_type) where.push(sql`${auditLogs.entityType} IN ${entityTypesInLog}`);
  if (q.actor_id) where.push(eq(auditLogs.actorId, q.actor_id));
  if (q.cursor) {
    const pos = await decodeCursor(secret, SORT, q.cursor);
    // The cursor keeps its `(at, id)` position; `id` alone orders the same (see the schema).
    where.push(lt(auditLogs.id, pos.id));
  }
  const rows = await db
    .select()
    .from(auditLogs)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLogs.id))
    .limit(q.limit + 1);
  const { items: page, next_cursor } = await keysetPage(rows, q.limit, (last) => encodeCursor(secret, SORT, { key: last.at, id: last.id }));
  return {
    data: page.map((r) => ({
      id: r.id,
      at: r.at,
      actor_id: r.actorId,
      action: r.action,
      entity_type: r.entityType,
      entity_id: r.entityId,
      changes: r.changes,
      ip: r.ip,
      user_agent: r.userAgent,
    })),
    next_cursor,
  };
}
