/**
 * Checks a copy of a case report. Two facts can be established:
 * - a JSON copy's data is intact: its digest, recomputed from the data, equals the digest it
 *   carries (this holds even after the JSON was re-indented or its members reordered);
 * - the report was issued by this service: the audit log holds a `report.generate` row
 *   with that data digest, or with the SHA-256 of the file's exact bytes (any format, as
 *   long as the file was not re-saved).
 * The first alone proves nothing about origin (anyone can recompute a hash after editing),
 * so a copy verifies only when the audit log knows it — or, offline, a JSON copy's data is
 * at least intact, which the result says.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../store/index.js';
import { reportIssues, type ReportIssue } from '../store/reports.js';
import { digestOf } from './digest.js';
import { REPORT_SCHEMA, type CaseReport } from './model.js';

export interface ReportInspection {
  /** SHA-256 of the file's bytes. */
  fileSha256: string;
  kind: 'json' | 'html' | 'other';
  /** The digest the file names: the JSON `digest.sha256`, or the HTML's tiphash-report-digest meta tag. */
  claimed: string | null;
  /** JSON copies: the digest recomputed from the data. */
  computed: string | null;
}

const HEX64 = /^[0-9a-f]{64}$/;
const META = /<meta name="tiphash-report-digest" content="sha256:([0-9a-f]{64})">/;

function parseJsonReport(text: string): CaseReport | null {
  if (!text.trimStart().startsWith('{')) return null;
  try {
    const parsed = JSON.parse(text) as Partial<CaseReport> | null;
    return parsed !== null && typeof parsed === 'object' && parsed.schema === REPORT_SCHEMA
      ? (parsed as CaseReport)
      : null;
  } catch {
    return null;
  }
}

export function inspectReport(bytes: Buffer): ReportInspection {
  const fileSha256 = createHash('sha256').update(bytes).digest('hex');
  const text = bytes.toString('utf8').replace(/^\ufeff/, '');
  const json = parseJsonReport(text);
  if (json) {
    const { digest, ...body } = json;
    const claimed = typeof digest?.sha256 === 'string' && HEX64.test(digest.sha256) ? digest.sha256 : null;
    return { fileSha256, kind: 'json', claimed, computed: digestOf(body) };
  }
  const meta = META.exec(text.slice(0, 4096));
  return { fileSha256, kind: meta ? 'html' : 'other', claimed: meta?.[1] ?? null, computed: null };
}

export interface ReportVerdict {
  inspection: ReportInspection;
  /** JSON copies: whether the recomputed digest equals the one carried. */
  intact: boolean | null;
  /** Audit rows that issued this data (by digest) or these exact bytes; null when not looked up. */
  issuedAsData: ReportIssue[] | null;
  issuedAsFile: ReportIssue[] | null;
  ok: boolean;
}

/** Inspects the copy and, unless `q` is null (offline), looks it up in the audit log. */
export async function verifyReport(q: Queryable | null, bytes: Buffer): Promise<ReportVerdict> {
  const inspection = inspectReport(bytes);
  const intact = inspection.kind === 'json' ? inspection.computed === inspection.claimed : null;
  if (q === null) return { inspection, intact, issuedAsData: null, issuedAsFile: null, ok: intact === true };
  const issuedAsFile = await reportIssues(q, inspection.fileSha256);
  const issuedAsData =
    intact === true && inspection.computed !== null ? await reportIssues(q, inspection.computed) : [];
  const ok = issuedAsFile.length > 0 || issuedAsData.length > 0;
  return { inspection, intact, issuedAsData, issuedAsFile, ok };
}
