/**
 * Generates a batch's case report in one format and records it in the audit log: who, which
 * batch, the format, the data digest (./digest.ts) and the SHA-256 of the exact bytes
 * delivered, so a later copy of any format can be checked (./verify.ts). The row is written
 * when the document has been read to the end; a download abandoned part way is recorded too,
 * as incomplete and without a content hash.
 */
import { createHash } from 'node:crypto';
import { audit, type Batch, type Db } from '../store/index.js';
import { REPORT_AUDIT_ACTION } from '../store/reports.js';
import { csvReport } from './csv.js';
import { htmlReport } from './html.js';
import type { ViewOptions } from './i18n.js';
import { jsonReport } from './json.js';
import { prepareReport, type PreparedReport } from './snapshot.js';

/** Each format's media type; every one is sent as UTF-8. */
export const REPORT_FORMATS = {
  json: 'application/json',
  csv: 'text/csv',
  html: 'text/html',
} as const;
export type ReportFormat = keyof typeof REPORT_FORMATS;

export interface ReportRequest {
  format: ReportFormat;
  /** Who asks: the API key's name, or the CLI's user. */
  actor: string;
  /** Language, calendar and time zone of the HTML document. */
  view: ViewOptions;
  now?: Date;
}

export interface GeneratedReport {
  format: ReportFormat;
  digest: string;
  contentType: string;
  filename: string;
  /** HTML: the Content-Security-Policy the document carries. */
  csp: string | null;
  items: number;
  matches: number;
  /** The document in chunks; reading it to the end (or abandoning it) writes the audit row. */
  body: AsyncGenerator<string>;
}

export interface ReportAuditDetails {
  format: ReportFormat;
  digest: string;
  /** SHA-256 of the delivered bytes; absent when the download did not complete. */
  contentSha256?: string;
  complete: boolean;
  items: number;
  matches: number;
}

async function* audited(
  db: Db,
  r: PreparedReport,
  req: ReportRequest,
  chunks: AsyncIterable<string>,
): AsyncGenerator<string> {
  const bytes = createHash('sha256');
  let complete = false;
  try {
    for await (const chunk of chunks) {
      bytes.update(chunk);
      yield chunk;
    }
    complete = true;
  } finally {
    const details: ReportAuditDetails = {
      format: req.format,
      digest: r.digest,
      ...(complete ? { contentSha256: bytes.digest('hex') } : {}),
      complete,
      items: r.head.batch.items,
      matches: r.tail.summary.matches,
    };
    await audit(db, {
      actor: req.actor,
      action: REPORT_AUDIT_ACTION,
      target: `batch:${r.head.batch.id}`,
      details: { ...details },
    });
  }
}

export async function generateReport(db: Db, batch: Batch, req: ReportRequest): Promise<GeneratedReport> {
  const r = await prepareReport(db, batch, { generatedBy: req.actor, now: req.now ?? new Date() });
  const html = req.format === 'html' ? htmlReport(r, req.view) : null;
  const chunks = html ? html.chunks : req.format === 'csv' ? csvReport(r) : jsonReport(r);
  return {
    format: req.format,
    digest: r.digest,
    contentType: `${REPORT_FORMATS[req.format]}; charset=utf-8`,
    filename: `tiphash-report-batch-${batch.id}.${req.format}`,
    csp: html?.csp ?? null,
    items: batch.itemCount,
    matches: r.tail.summary.matches,
    body: audited(db, r, req, chunks),
  };
}
