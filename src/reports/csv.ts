/**
 * The report as CSV for spreadsheets: one table, its header on the first line (so filters,
 * pivot tables and imports work unchanged), a row per match or per item without matches.
 * The scan report's columns (src/pipeline/report.ts) sit in the middle; before them the case
 * and the item's place in the batch, after them the list's provenance, video shares and the
 * match's review. Every row names its case, so rows copied elsewhere keep it.
 *
 * The report's own facts (digest, generated when and by whom) are not rows: the digest comes
 * in the X-Tiphash-Report-Digest header (or from the CLI), and the audit log records the
 * SHA-256 of these exact bytes, which `tiphash report verify FILE` looks up. A UTF-8 byte
 * order mark comes first: without it Excel reads Thai file names as mojibake.
 */
import { CSV_COLUMNS, csvCell, csvRows, type PendingReport } from '../pipeline/report.js';
import { verdictOf, videoFields } from './build.js';
import type { ReportItem, ReportMatch } from './model.js';
import type { PreparedReport } from './snapshot.js';

export const REPORT_CSV_COLUMNS = [
  'case_ref',
  'batch_id',
  'seq',
  'status',
  ...CSV_COLUMNS,
  'list_source',
  'list_version',
  'match_id',
  'review',
  'reviewed_by',
  'reviewed_at',
  'review_note',
  'review_count',
] as const;

/** The columns after the scan report's, empty on a row without a match. */
const MATCH_CELLS = REPORT_CSV_COLUMNS.length - 4 - CSV_COLUMNS.length;

function pending(item: ReportItem): PendingReport {
  return {
    source: item.source,
    size: item.size ?? undefined,
    mediaType: item.mediaType ?? undefined,
    md5: item.md5 ?? undefined,
    sha1: item.sha1 ?? undefined,
    sha256: item.sha256 ?? undefined,
    verdict: verdictOf(item.status),
    error: item.error ?? undefined,
    matches: item.matches.map((m) => ({
      list: m.list.name,
      entryId: m.entry.externalId ?? String(m.entry.id),
      algorithm: m.algorithm,
      distance: m.distance,
      threshold: m.threshold,
      score: m.score,
      category: m.category,
      quality: m.quality ?? undefined,
      lowConfidence: m.lowConfidence,
      via: m.via ?? undefined,
      ...videoFields(m.video),
    })),
  };
}

function matchCells(m: ReportMatch, listSource: string | undefined): string {
  const latest = m.reviews[m.reviews.length - 1];
  return [
    listSource,
    m.list.version,
    m.id,
    latest?.verdict,
    latest?.reviewer,
    latest?.at,
    latest?.note,
    m.reviews.length,
  ]
    .map(csvCell)
    .join(',');
}

export async function* csvReport(r: PreparedReport): AsyncGenerator<string> {
  const sources = new Map(r.tail.lists.map((l) => [`${l.id}:${l.version}`, l.source]));
  const { batch } = r.head;
  yield `\ufeff${REPORT_CSV_COLUMNS.join(',')}\r\n`;
  for await (const page of r.pages()) {
    const lines: string[] = [];
    for (const item of page) {
      const prefix = [batch.caseRef, batch.id, item.seq, item.status].map(csvCell).join(',');
      csvRows(pending(item)).forEach((row, i) => {
        const m = item.matches[i];
        const tail = m ? matchCells(m, sources.get(`${m.list.id}:${m.list.version}`)) : ','.repeat(MATCH_CELLS - 1);
        lines.push(`${prefix},${row},${tail}\r\n`);
      });
    }
    if (lines.length > 0) yield lines.join('');
  }
}
