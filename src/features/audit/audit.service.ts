import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { Database } from "../../db/client";
import { auditLogs } from "../../db/schema";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
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
  return ctx.db.insert(auditLogs).values({
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

/** Newest first, keyset-paginated along whichever index the filter names. */
export async function listAuditLogs(db: Database, secret: string, q: AuditQuery) {
  const where: SQL[] = [];
  if (q.entity_type) where.push(eq(auditLogs.entityType, q.entity_type));
  if (q.entity_id) where.push(eq(auditLogs.entityId, q.entity_id));
  if (q.actor_id) where.push(eq(auditLogs.actorId, q.actor_id));
  if (q.cursor) {
    const pos = await decodeCursor(secret, SORT, q.cursor);
    const at = String(pos.key);
    where.push(or(lt(auditLogs.at, at), and(eq(auditLogs.at, at), lt(auditLogs.id, pos.id)))!);
  }
  const rows = await db
    .select()
    .from(auditLogs)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLogs.at), desc(auditLogs.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
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
    next_cursor: rows.length > q.limit && last ? await encodeCursor(secret, SORT, { key: last.at, id: last.id }) : null,
  };
}
