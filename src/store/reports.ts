import type { Queryable } from './db.js';
import type { ListKind } from './lists.js';
import type { Review } from './reviews.js';

/** The action of the audit row written for every case report (src/reports). */
export const REPORT_AUDIT_ACTION = 'report.generate';

/** Every review of some matches, oldest first per match. */
export async function reviewsForMatches(q: Queryable, matchIds: readonly number[]): Promise<Map<number, Review[]>> {
  const byMatch = new Map<number, Review[]>();
  if (matchIds.length === 0) return byMatch;
  const rows = await q.query<Review>(
    `SELECT id, match_id AS "matchId", verdict, note, reviewer, at FROM reviews
     WHERE match_id = ANY($1::bigint[]) ORDER BY match_id, id`,
    [matchIds],
  );
  for (const r of rows) {
    const list = byMatch.get(r.matchId) ?? [];
    list.push(r);
    byMatch.set(r.matchId, list);
  }
  return byMatch;
}

/** A list version with the provenance of its list: what a case report names for each match. */
export interface ListVersionUsed {
  listId: number;
  name: string;
  source: string;
  kind: ListKind;
  version: number;
  importedAt: Date;
  importedBy: string;
  format: string;
  entries: number;
}

/** The named list versions (list id, version), ordered by list name then version. */
export async function listVersionsUsed(
  q: Queryable,
  keys: ReadonlyArray<{ listId: number; version: number }>,
): Promise<ListVersionUsed[]> {
  if (keys.length === 0) return [];
  return q.query<ListVersionUsed>(
    `SELECT l.id AS "listId", l.name, l.source, l.kind, v.version, v.imported_at AS "importedAt",
       v.imported_by AS "importedBy", v.format, v.entries
     FROM unnest($1::bigint[], $2::integer[]) AS k(list_id, version)
     JOIN list_versions v ON v.list_id = k.list_id AND v.version = k.version
     JOIN hash_lists l ON l.id = v.list_id
     ORDER BY l.name, v.version`,
    [keys.map((k) => k.listId), keys.map((k) => k.version)],
  );
}

export interface ReportIssue {
  auditId: number;
  at: Date;
  actor: string;
  /** `batch:<id>` */
  target: string | null;
  details: Record<string, unknown>;
}

/**
 * The audit rows of the reports whose data digest or whose delivered bytes have this SHA-256
 * (lowercase hex), oldest first. A scan of the report rows: verification is rare, and the
 * audit log has no index on its details.
 */
export function reportIssues(q: Queryable, sha256: string): Promise<ReportIssue[]> {
  return q.query<ReportIssue>(
    `SELECT id AS "auditId", at, actor, target, details FROM audit_log
     WHERE action = $1 AND (details->>'digest' = $2 OR details->>'contentSha256' = $2)
     ORDER BY id`,
    [REPORT_AUDIT_ACTION, sha256],
  );
}
