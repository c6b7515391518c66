import type { HashAlgo } from '../core/hash.js';
import type { Queryable } from './db.js';

export type ReviewVerdict = 'confirmed' | 'false_positive' | 'escalate';

export interface StoredMatch {
  id: number;
  itemId: number;
  batchId: number;
  itemSeq: number;
  sourceLabel: string;
  /** The matched item's digests (lowercase hex), null until known. */
  itemMd5: string | null;
  itemSha1: string | null;
  itemSha256: string | null;
  /** What is known of the item in place of a picture (null until it was read). */
  itemSize: number | null;
  itemMediaType: string | null;
  itemWidth: number | null;
  itemHeight: number | null;
  caseRef: string | null;
  tipId: string | null;
  /** When the batch (or tip) was received. */
  receivedAt: Date;
  listId: number;
  listName: string;
  listSource: string;
  listVersion: number;
  entryId: number;
  externalId: string | null;
  algorithm: HashAlgo;
  distance: number;
  quality: number | null;
  threshold: number;
  category: string | null;
  via: string | null;
  lowConfidence: boolean;
  score: number;
  frames: unknown;
  createdAt: Date;
  /** The latest review's verdict, or null while unreviewed. */
  verdict: ReviewVerdict | null;
}

export type MatchOrder = 'id' | 'newest' | 'score';

export interface MatchFilter {
  /** true: only reviewed; false: only unreviewed (the review queue). */
  reviewed?: boolean;
  minScore?: number;
  maxScore?: number;
  listId?: number;
  category?: string;
  batchId?: number;
  /** 'id': oldest first (default); 'newest': newest first; 'score': highest score first. */
  order?: MatchOrder;
  /** From the previous page's `next`. */
  cursor?: string;
  limit?: number;
}

export interface MatchPage {
  matches: StoredMatch[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next: string | null;
}

const SELECT = `SELECT m.id, m.item_id, i.batch_id, i.seq AS item_seq, i.source_label,
    encode(i.md5, 'hex') AS item_md5, encode(i.sha1, 'hex') AS item_sha1, encode(i.sha256, 'hex') AS item_sha256,
    i.size AS item_size, i.media_type AS item_media_type, i.width AS item_width, i.height AS item_height,
    b.case_ref, b.tip_id, b.received_at, m.list_id, l.name AS list_name, l.source AS list_source, m.list_version, m.entry_id, e.external_id, m.algorithm, m.distance, m.quality, m.threshold, m.category, m.via,
    m.low_confidence, m.score, m.frames, m.created_at,
    (SELECT r.verdict FROM reviews r WHERE r.match_id = m.id ORDER BY r.id DESC LIMIT 1) AS verdict
  FROM matches m
  JOIN items i ON i.id = m.item_id
  JOIN batches b ON b.id = i.batch_id
  JOIN hash_lists l ON l.id = m.list_id
  JOIN hash_entries e ON e.list_id = m.list_id AND e.version = m.list_version AND e.id = m.entry_id`;

interface MatchRow {
  id: number;
  item_id: number;
  batch_id: number;
  item_seq: number;
  source_label: string;
  item_md5: string | null;
  item_sha1: string | null;
  item_sha256: string | null;
  item_size: number | null;
  item_media_type: string | null;
  item_width: number | null;
  item_height: number | null;
  case_ref: string | null;
  tip_id: string | null;
  received_at: Date;
  list_id: number;
  list_name: string;
  list_source: string;
  list_version: number;
  entry_id: number;
  external_id: string | null;
  algorithm: HashAlgo;
  distance: number;
  quality: number | null;
  threshold: number;
  category: string | null;
  via: string | null;
  low_confidence: boolean;
  score: number;
  frames: unknown;
  created_at: Date;
  verdict: ReviewVerdict | null;
}

function toMatch(r: MatchRow): StoredMatch {
  return {
    id: r.id,
    itemId: r.item_id,
    batchId: r.batch_id,
    itemSeq: r.item_seq,
    sourceLabel: r.source_label,
    itemMd5: r.item_md5,
    itemSha1: r.item_sha1,
    itemSha256: r.item_sha256,
    itemSize: r.item_size,
    itemMediaType: r.item_media_type,
    itemWidth: r.item_width,
    itemHeight: r.item_height,
    caseRef: r.case_ref,
    tipId: r.tip_id,
    receivedAt: r.received_at,
    listId: r.list_id,
    listName: r.list_name,
    listSource: r.list_source,
    listVersion: r.list_version,
    entryId: r.entry_id,
    externalId: r.external_id,
    algorithm: r.algorithm,
    distance: r.distance,
    quality: r.quality,
    threshold: r.threshold,
    category: r.category,
    via: r.via,
    lowConfidence: r.low_confidence,
    score: r.score,
    frames: r.frames,
    createdAt: r.created_at,
    verdict: r.verdict,
  };
}

interface Cursor {
  id: number;
  score?: number;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

/** Cursors come back from clients; the API layer checks they are ours with `isMatchCursor`. */
function decodeCursor(s: string): Cursor {
  return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Cursor;
}

export function isMatchCursor(s: string, order: MatchOrder = 'id'): boolean {
  try {
    const c = decodeCursor(s) as Partial<Cursor>;
    return Number.isSafeInteger(c.id) && (order !== 'score' || (typeof c.score === 'number' && Number.isFinite(c.score)));
  } catch {
    return false;
  }
}

const ORDER_BY: Record<MatchOrder, string> = { id: 'm.id', newest: 'm.id DESC', score: 'm.score DESC, m.id DESC' };

/**
 * Lists matches by keyset paging (no OFFSET, so page 1000 costs what page 1 does). The
 * WHERE clause is assembled from fixed fragments; every value is a parameter.
 */
export async function listMatches(q: Queryable, f: MatchFilter = {}): Promise<MatchPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown) => `$${params.push(v)}`;
  if (f.reviewed !== undefined)
    where.push(`${f.reviewed ? '' : 'NOT '}EXISTS (SELECT 1 FROM reviews r WHERE r.match_id = m.id)`);
  if (f.minScore !== undefined) where.push(`m.score >= ${param(f.minScore)}`);
  if (f.maxScore !== undefined) where.push(`m.score <= ${param(f.maxScore)}`);
  if (f.listId !== undefined) where.push(`m.list_id = ${param(f.listId)}`);
  if (f.category !== undefined) where.push(`m.category = ${param(f.category)}`);
  if (f.batchId !== undefined) where.push(`i.batch_id = ${param(f.batchId)}`);
  const order = f.order ?? 'id';
  const cursor = f.cursor === undefined ? undefined : decodeCursor(f.cursor);
  if (cursor && order === 'id') where.push(`m.id > ${param(cursor.id)}`);
  if (cursor && order === 'newest') where.push(`m.id < ${param(cursor.id)}`);
  if (cursor && order === 'score')
    where.push(`(m.score, m.id) < (${param(cursor.score)}::double precision, ${param(cursor.id)}::bigint)`);
  const limit = f.limit ?? 100;
  const sql = `${SELECT} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${ORDER_BY[order]} LIMIT ${param(limit)}`;
  const matches = (await q.query<MatchRow>(sql, params)).map(toMatch);
  const last = matches[matches.length - 1];
  const next =
    matches.length < limit || !last
      ? null
      : encodeCursor(order === 'score' ? { id: last.id, score: last.score } : { id: last.id });
  return { matches, next };
}

export async function getMatch(q: Queryable, id: number): Promise<StoredMatch | undefined> {
  const [row] = await q.query<MatchRow>(`${SELECT} WHERE m.id = $1`, [id]);
  return row && toMatch(row);
}

/** The matches of some items, strongest first within each item (digests, then distance). */
export async function matchesForItems(q: Queryable, itemIds: readonly number[]): Promise<Map<number, StoredMatch[]>> {
  const byItem = new Map<number, StoredMatch[]>();
  if (itemIds.length === 0) return byItem;
  const rows = await q.query<MatchRow>(
    `${SELECT} WHERE m.item_id = ANY($1::bigint[])
     ORDER BY m.item_id, (m.algorithm IN ('md5', 'sha1', 'sha256')) DESC, m.distance, m.id`,
    [itemIds],
  );
  for (const r of rows) {
    const list = byItem.get(r.item_id) ?? [];
    list.push(toMatch(r));
    byItem.set(r.item_id, list);
  }
  return byItem;
}
