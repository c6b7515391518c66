/**
 * The case report: what an investigator files about one batch. Metadata only — digests,
 * verdicts, matches and their reviews — never media. Every value is JSON (timestamps are
 * ISO 8601 UTC strings, absent values null) so that the report's digest, computed over its
 * canonical JSON, can be recomputed from any JSON copy (./digest.ts).
 */
import type { ErrorInfo } from '../core/errors.js';
import type { HashAlgo } from '../core/hash.js';
import type { BatchKind, ItemStatus, ListKind, ReviewVerdict, SourceKind } from '../store/index.js';

export const REPORT_SCHEMA = 'tiphash.case-report/1';

export interface ReportBatch {
  id: number;
  caseRef: string | null;
  kind: BatchKind;
  tipId: string | null;
  /** The name of the API key that submitted the batch. */
  submittedBy: string;
  receivedAt: string;
  createdAt: string;
  items: number;
}

export interface ReportReview {
  verdict: ReviewVerdict;
  reviewer: string;
  at: string;
  note: string | null;
}

export interface ReportMatch {
  /** The store's match id (the review page and GET /v1/matches/:id use it). */
  id: number;
  list: { id: number; name: string; version: number };
  entry: { id: number; externalId: string | null };
  algorithm: HashAlgo;
  via: string | null;
  distance: number;
  threshold: number;
  quality: number | null;
  lowConfidence: boolean;
  /** 0–100, src/matching/score.ts and docs/score.md. */
  score: number;
  category: string | null;
  /** vpdq: the shares of frames matched (0–100) and the matched time ranges of the item, in seconds. */
  video: { queryPct: number | null; comparedPct: number | null; ranges: Array<[number, number]> } | null;
  /** The latest review's verdict: what the match's outcome is now; null while unreviewed. */
  outcome: ReviewVerdict | null;
  /** Every review, oldest first: a verdict that changed keeps its history. */
  reviews: ReportReview[];
}

export interface ReportItem {
  seq: number;
  /** The URL without credentials, or the uploaded file's name. */
  source: string;
  sourceKind: SourceKind;
  status: ItemStatus;
  sha256: string | null;
  md5: string | null;
  sha1: string | null;
  size: number | null;
  mediaType: string | null;
  width: number | null;
  height: number | null;
  error: ErrorInfo | null;
  finishedAt: string | null;
  matches: ReportMatch[];
}

export interface ReportListVersion {
  id: number;
  name: string;
  source: string;
  kind: ListKind;
  version: number;
  importedAt: string;
  importedBy: string;
  format: string;
  entries: number;
}

export interface ReportEnabledList {
  id: number;
  name: string;
  source: string;
  kind: ListKind;
  currentVersion: number | null;
}

export type StatusCounts = Record<ItemStatus, number>;
export type OutcomeCounts = Record<ReviewVerdict | 'unreviewed', number>;

/** The batch's state when the report was generated. */
export interface ReportSummary {
  /** running: some items are still queued or processing, and the report is partial. */
  status: 'running' | 'done';
  /** When the last item finished; null while the batch runs. */
  finishedAt: string | null;
  items: StatusCounts;
  matches: number;
  /** Matches by their latest review verdict. */
  outcomes: OutcomeCounts;
}

/**
 * The fields of the report that precede `items` in canonical (sorted-key) order: all known
 * before any item is read, so the digest is computed in the same pass that reads the items.
 */
export interface ReportHead {
  batch: ReportBatch;
  generatedAt: string;
  generatedBy: string;
}

/** The fields that follow `items` in canonical order: all known only once every item was read. */
export interface ReportTail {
  /** Every list version that a match in the report was made against. */
  lists: ReportListVersion[];
  /** The lists enabled when the report was generated (items were matched against those enabled when they ran). */
  listsEnabled: ReportEnabledList[];
  schema: typeof REPORT_SCHEMA;
  summary: ReportSummary;
  tiphashVersion: string;
}

/** The report's data: what its digest covers. */
export type ReportBody = ReportHead & { items: ReportItem[] } & ReportTail;

/** A JSON copy of the report: the body plus its digest. */
export type CaseReport = ReportBody & { digest: ReportDigestField };

export interface ReportDigestField {
  sha256: string;
  method: string;
}
