import { AppError, type ErrorCode, type ErrorInfo } from '../core/errors.js';
import type { HashAlgo } from '../core/hash.js';
import type { ItemStatus, SourceKind, TerminalStatus } from './batches.js';
import type { Db, Queryable, Tx } from './db.js';
import { matchesForItems, type StoredMatch } from './matches.js';

export interface ItemHashRecord {
  algorithm: 'pdq' | 'blockhash' | 'vpdq';
  /** 'pdq', 'pdqTrimmed', a dihedral name, 'blockhash', or a video frame index. */
  variant: string;
  hash: string;
  quality?: number | null;
  /** Seconds into the video, for frame hashes. */
  frameTs?: number | null;
}

export interface MatchInput {
  listId: number;
  listVersion: number;
  entryId: number;
  algorithm: HashAlgo;
  distance: number;
  quality?: number | null;
  threshold: number;
  category: string | null;
  via?: string | null;
  lowConfidence: boolean;
  score: number;
  /**
   * Video (jsonb): what the workers write, `{queryPct, comparedPct, ranges: [[startSec, endSec]],
   * duration?, frameCount?}`; readers also accept migration 001's documented `{item: [[s, e]]}`.
   */
  frames?: unknown;
}

export interface TerminalResult {
  status: TerminalStatus;
  md5?: string | null;
  sha1?: string | null;
  sha256?: string | null;
  size?: number | null;
  mediaType?: string | null;
  width?: number | null;
  height?: number | null;
  /** Required when status is 'failed'. */
  error?: ErrorInfo | null;
  hashes: ItemHashRecord[];
  matches: MatchInput[];
}

export interface RecordOutcome {
  /** false when the item was already terminal: nothing was written. */
  recorded: boolean;
  status: ItemStatus;
}

/**
 * Records an item's outcome — status, digests, hashes, matches — in one transaction. The
 * first result wins: recording again (a retried job, a duplicate delivery) changes nothing,
 * and the status update's row lock serialises racing recorders. Inserts also use
 * ON CONFLICT DO NOTHING, so even a partial earlier write could never be duplicated.
 */
export function recordResult(db: Db, itemId: number, r: TerminalResult): Promise<RecordOutcome> {
  return db.withTx(async (tx) => {
    const updated = await tx.query(
      `UPDATE items SET status = $2,
         md5 = coalesce(decode($3, 'hex'), md5), sha1 = coalesce(decode($4, 'hex'), sha1), sha256 = coalesce(decode($5, 'hex'), sha256),
         size = $6, media_type = $7, width = $8, height = $9, error_code = $10, error_message = $11,
         finished_at = now(), source_ref = NULL
       WHERE id = $1 AND status IN ('queued', 'processing') RETURNING id`,
      [
        itemId,
        r.status,
        r.md5 ?? null,
        r.sha1 ?? null,
        r.sha256 ?? null,
        r.size ?? null,
        r.mediaType ?? null,
        r.width ?? null,
        r.height ?? null,
        r.error?.code ?? null,
        r.error?.message ?? null,
      ],
    );
    if (updated.length === 0) {
      const [existing] = await tx.query<{ status: ItemStatus }>('SELECT status FROM items WHERE id = $1', [itemId]);
      if (!existing) throw new AppError('not_found', `No item with id ${itemId}`);
      return { recorded: false, status: existing.status };
    }
    await insertHashes(tx, itemId, r.hashes);
    await insertMatches(tx, itemId, r.matches);
    return { recorded: true, status: r.status };
  });
}

async function insertHashes(tx: Tx, itemId: number, hashes: ItemHashRecord[]): Promise<void> {
  if (hashes.length === 0) return;
  await tx.query(
    `INSERT INTO item_hashes (item_id, algorithm, variant, hash, quality, frame_ts)
     SELECT $1, h.algorithm, h.variant, decode(h.hash, 'hex'), h.quality, h.frame_ts
     FROM unnest($2::text[], $3::text[], $4::text[], $5::smallint[], $6::double precision[]) AS h(algorithm, variant, hash, quality, frame_ts)
     ON CONFLICT DO NOTHING`,
    [
      itemId,
      hashes.map((h) => h.algorithm),
      hashes.map((h) => h.variant),
      hashes.map((h) => h.hash),
      hashes.map((h) => h.quality ?? null),
      hashes.map((h) => h.frameTs ?? null),
    ],
  );
}

async function insertMatches(tx: Tx, itemId: number, matches: MatchInput[]): Promise<void> {
  if (matches.length === 0) return;
  const col = <T>(f: (m: MatchInput) => T) => matches.map(f);
  await tx.query(
    `INSERT INTO matches (item_id, list_id, list_version, entry_id, algorithm, distance, quality, threshold, category, via, low_confidence, score, frames)
     SELECT $1, m.list_id, m.list_version, m.entry_id, m.algorithm, m.distance, m.quality, m.threshold, m.category, m.via, m.low_confidence, m.score, m.frames::jsonb
     FROM unnest($2::bigint[], $3::integer[], $4::bigint[], $5::text[], $6::integer[], $7::smallint[], $8::integer[], $9::text[], $10::text[], $11::boolean[], $12::double precision[], $13::text[])
       AS m(list_id, list_version, entry_id, algorithm, distance, quality, threshold, category, via, low_confidence, score, frames)
     ON CONFLICT (item_id, entry_id, algorithm) DO NOTHING`,
    [
      itemId,
      col((m) => m.listId),
      col((m) => m.listVersion),
      col((m) => m.entryId),
      col((m) => m.algorithm),
      col((m) => m.distance),
      col((m) => m.quality ?? null),
      col((m) => m.threshold),
      col((m) => m.category),
      col((m) => m.via ?? null),
      col((m) => m.lowConfidence),
      col((m) => m.score),
      col((m) => (m.frames === undefined ? null : JSON.stringify(m.frames))),
    ],
  );
}

export interface ItemResult {
  id: number;
  seq: number;
  sourceKind: SourceKind;
  sourceLabel: string;
  status: ItemStatus;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  size: number | null;
  mediaType: string | null;
  width: number | null;
  height: number | null;
  error: ErrorInfo | null;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  matches: StoredMatch[];
}

export interface ResultPage {
  items: ItemResult[];
  /** Pass as `afterSeq` for the next page; null on the last page. */
  next: number | null;
}

interface ItemRow {
  id: number;
  seq: number;
  source_kind: SourceKind;
  source_label: string;
  status: ItemStatus;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  size: number | null;
  media_type: string | null;
  width: number | null;
  height: number | null;
  error_code: ErrorCode | null;
  error_message: string | null;
  attempts: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** A batch's items in submission order (seq), with their matches, one keyset page at a time. */
export async function batchResults(
  q: Queryable,
  batchId: number,
  opts: { afterSeq?: number; limit?: number } = {},
): Promise<ResultPage> {
  const limit = opts.limit ?? 500;
  const rows = await q.query<ItemRow>(
    `SELECT id, seq, source_kind, source_label, status, encode(md5, 'hex') AS md5, encode(sha1, 'hex') AS sha1,
       encode(sha256, 'hex') AS sha256, size, media_type, width, height, error_code, error_message, attempts,
       created_at, started_at, finished_at
     FROM items WHERE batch_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [batchId, opts.afterSeq ?? 0, limit],
  );
  const matches = await matchesForItems(
    q,
    rows.filter((r) => r.status === 'matched').map((r) => r.id),
  );
  const items = rows.map((r): ItemResult => ({
    id: r.id,
    seq: r.seq,
    sourceKind: r.source_kind,
    sourceLabel: r.source_label,
    status: r.status,
    md5: r.md5,
    sha1: r.sha1,
    sha256: r.sha256,
    size: r.size,
    mediaType: r.media_type,
    width: r.width,
    height: r.height,
    error: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' },
    attempts: r.attempts,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    matches: matches.get(r.id) ?? [],
  }));
  const last = items[items.length - 1];
  return { items, next: items.length < limit || !last ? null : last.seq };
}
