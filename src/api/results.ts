import type { MatchRecord } from '../core/match.js';
import { CSV_COLUMNS, csvCell, csvRows, type PendingReport } from '../pipeline/report.js';
import { videoFields, videoOf } from '../reports/build.js';
import { batchResults, type ItemResult, type ItemStatus, type Queryable, type StoredMatch } from '../store/index.js';

export const RESULT_FORMATS = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
} as const;
export type ResultFormat = keyof typeof RESULT_FORMATS;

/** One item of a batch's results: the scan report's fields, plus the item's id, seq and status. */
export type ApiItem = PendingReport & { id: number; seq: number; status: ItemStatus };

function toMatchRecord(m: StoredMatch): MatchRecord {
  const r: MatchRecord = {
    list: m.listName,
    entryId: m.externalId ?? String(m.entryId),
    algorithm: m.algorithm,
    distance: m.distance,
    threshold: m.threshold,
    score: m.score,
    category: m.category,
    lowConfidence: m.lowConfidence,
    listId: m.listId,
    listVersion: m.listVersion,
    entryKey: m.entryId,
  };
  if (m.quality !== null) r.quality = m.quality;
  if (m.via !== null) r.via = m.via;
  return { ...r, ...videoFields(videoOf(m.frames)) };
}

export function toApiItem(r: ItemResult): ApiItem {
  const item: ApiItem = {
    id: r.id,
    seq: r.seq,
    status: r.status,
    source: r.sourceLabel,
    verdict: r.status === 'queued' || r.status === 'processing' ? null : r.status,
    matches: r.matches.map(toMatchRecord),
  };
  if (r.size !== null) item.size = r.size;
  if (r.mediaType !== null) item.mediaType = r.mediaType;
  if (r.md5 !== null) item.md5 = r.md5;
  if (r.sha1 !== null) item.sha1 = r.sha1;
  if (r.sha256 !== null) item.sha256 = r.sha256;
  if (r.error !== null) item.error = r.error;
  return item;
}

const CSV_HEADER = ['item_id', 'seq', 'status', ...CSV_COLUMNS].join(',');

function csvLines(item: ApiItem): string {
  const prefix = [item.id, item.seq, item.status].map(csvCell).join(',');
  return csvRows(item)
    .map((row) => `${prefix},${row}\n`)
    .join('');
}

/**
 * A batch's results in one format, a page of items per chunk: a batch of 100k items is
 * streamed, never held whole. JSON is `{"batchId":…,"items":[…]}`; NDJSON one item per line;
 * CSV the scan report's columns after item_id, seq and status, a row per match.
 */
export async function* resultChunks(q: Queryable, batchId: number, format: ResultFormat): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_HEADER}\n`;
  if (format === 'json') yield `{"batchId":${batchId},"items":[`;
  let afterSeq = 0;
  let first = true;
  for (;;) {
    const page = await batchResults(q, batchId, { afterSeq });
    const chunk = page.items.map((r) => {
      const item = toApiItem(r);
      if (format === 'csv') return csvLines(item);
      if (format === 'ndjson') return `${JSON.stringify(item)}\n`;
      const sep = first ? '\n' : ',\n';
      first = false;
      return sep + JSON.stringify(item);
    });
    if (chunk.length > 0) yield chunk.join('');
    if (page.next === null) break;
    afterSeq = page.next;
  }
  if (format === 'json') yield '\n]}\n';
}

/**
 * The format for an Accept header: the supported type with the highest q (ties: the first
 * listed). JSON when there is no header, `*\/*`, or nothing supported.
 */
export function negotiate(accept: string | undefined): ResultFormat {
  return negotiateAmong(accept, RESULT_FORMATS, 'json');
}

/** `negotiate` over any formats (name → media type), with `fallback` when none is acceptable. */
export function negotiateAmong<F extends string>(accept: string | undefined, types: Record<F, string>, fallback: F): F {
  let best: { format: F; q: number } | undefined;
  for (const range of (accept ?? '').split(',')) {
    const [type = '', ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    const format = (Object.keys(types) as F[]).find((f) => types[f] === type);
    if (format !== undefined && q > 0 && (best === undefined || q > best.q)) best = { format, q };
  }
  return best?.format ?? fallback;
}
