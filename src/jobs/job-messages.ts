/**
 * The messages of the JOBS queue (src/jobs/job-queue.ts), one chunk of work each. A leaf module:
 * env.ts types the queue binding with them.
 */

/** A step of a report rollup rebuild (features/reports/reports.rebuild.ts). */
export interface RebuildMessage {
  kind: "report-rebuild";
  step: number;
}

/** A chunk of an export job (features/exports/exports.jobs.ts). */
export interface ExportMessage {
  kind: "export";
  id: string;
  step: number;
}

/** A chunk of closed tickets to archive (features/archive): each still closed on or before `before`. */
export interface ArchiveMessage {
  kind: "archive";
  ids: string[];
  before: string;
}

/** A chunk of ticket ids of a year that is over, to move into its year database (features/archive/archive.retire.ts). */
export interface RetireMessage {
  kind: "retire";
  year: number;
  ids: string[];
}

export type JobMessage = RebuildMessage | ExportMessage | ArchiveMessage | RetireMessage;
