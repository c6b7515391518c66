import { appendAudit } from './audit.js';
import type { Db, Queryable } from './db.js';

export type BatchKind = 'investigator' | 'tip';
export type SourceKind = 'url' | 'upload' | 'digest';
export const ITEM_STATUSES = ['queued', 'processing', 'matched', 'no_match', 'failed'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];
export type TerminalStatus = Extract<ItemStatus, 'matched' | 'no_match' | 'failed'>;

export interface NewItem {
  sourceKind: SourceKind;
  /** Shown to people: the URL without credentials, or the original file name. */
  sourceLabel: string;
  /** For the worker only: the URL to fetch or the staged upload's key; cleared at the end. */
  sourceRef?: string | null;
  /** Digests given by the submitter (`digest` items), lowercase hex. */
  md5?: string | null;
  sha1?: string | null;
  sha256?: string | null;
}

export interface NewBatch {
  caseRef?: string | null;
  submitterKeyId?: number | null;
  submitterName: string;
  kind: BatchKind;
  /** The tip portal's id: a re-delivered tip returns the batch created the first time. */
  tipId?: string | null;
  receivedAt: Date;
  items: NewItem[];
}

export interface CreatedBatch {
  batchId: number;
  /** false when the tip had been delivered before and its existing batch is returned. */
  created: boolean;
  items: Array<{ id: number; seq: number }>;
}

export interface Batch {
  id: number;
  caseRef: string | null;
  submitterKeyId: number | null;
  submitterName: string;
  kind: BatchKind;
  tipId: string | null;
  receivedAt: Date;
  createdAt: Date;
  itemCount: number;
  counts: Record<ItemStatus, number>;
}

export interface ClaimedItem {
  id: number;
  batchId: number;
  seq: number;
  sourceKind: SourceKind;
  sourceLabel: string;
  sourceRef: string | null;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  /** Including this one. */
  attempts: number;
}

async function itemIds(q: Queryable, batchId: number): Promise<Array<{ id: number; seq: number }>> {
  return q.query<{ id: number; seq: number }>('SELECT id, seq FROM items WHERE batch_id = $1 ORDER BY seq', [batchId]);
}

/** Creates the batch and all its items (seq 1…n, in input order) in one transaction. */
export function createBatch(db: Db, input: NewBatch): Promise<CreatedBatch> {
  return db.withTx(async (tx) => {
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO batches (case_ref, submitter_key, submitter_name, kind, tip_id, received_at, item_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tip_id) WHERE tip_id IS NOT NULL DO NOTHING RETURNING id`,
      [
        input.caseRef ?? null,
        input.submitterKeyId ?? null,
        input.submitterName,
        input.kind,
        input.tipId ?? null,
        input.receivedAt.toISOString(),
        input.items.length,
      ],
    );
    if (!row) {
      // Only a tip id can conflict, so the tip's batch exists.
      const [existing] = await tx.query<{ id: number }>('SELECT id FROM batches WHERE tip_id = $1', [input.tipId]);
      if (!existing) throw new Error(`Expected a batch for tip ${JSON.stringify(input.tipId)} after a conflict on it`);
      return { batchId: existing.id, created: false, items: await itemIds(tx, existing.id) };
    }
    const col = <K extends keyof NewItem>(k: K) => input.items.map((it) => it[k] ?? null);
    const items = await tx.query<{ id: number; seq: number }>(
      `INSERT INTO items (batch_id, seq, source_kind, source_label, source_ref, md5, sha1, sha256)
       SELECT $1, s.seq, s.kind, s.label, s.ref, decode(s.md5, 'hex'), decode(s.sha1, 'hex'), decode(s.sha256, 'hex')
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
         WITH ORDINALITY AS s(kind, label, ref, md5, sha1, sha256, seq)
       RETURNING id, seq::integer AS seq`,
      [row.id, col('sourceKind'), col('sourceLabel'), col('sourceRef'), col('md5'), col('sha1'), col('sha256')],
    );
    items.sort((a, b) => a.seq - b.seq);
    await appendAudit(tx, {
      actor: input.submitterName,
      action: 'batch.create',
      target: `batch:${row.id}`,
      details: {
        kind: input.kind,
        caseRef: input.caseRef ?? null,
        tipId: input.tipId ?? null,
        items: input.items.length,
      },
    });
    return { batchId: row.id, created: true, items };
  });
}

export async function countByStatus(q: Queryable, batchId: number): Promise<Record<ItemStatus, number>> {
  const counts = Object.fromEntries(ITEM_STATUSES.map((s) => [s, 0])) as Record<ItemStatus, number>;
  const rows = await q.query<{ status: ItemStatus; n: number }>(
    'SELECT status, count(*) AS n FROM items WHERE batch_id = $1 GROUP BY status',
    [batchId],
  );
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

export async function getBatch(q: Queryable, batchId: number): Promise<Batch | undefined> {
  const [r] = await q.query<{
    id: number;
    case_ref: string | null;
    submitter_key: number | null;
    submitter_name: string;
    kind: BatchKind;
    tip_id: string | null;
    received_at: Date;
    created_at: Date;
    item_count: number;
  }>(
    'SELECT id, case_ref, submitter_key, submitter_name, kind, tip_id, received_at, created_at, item_count FROM batches WHERE id = $1',
    [batchId],
  );
  if (!r) return undefined;
  return {
    id: r.id,
    caseRef: r.case_ref,
    submitterKeyId: r.submitter_key,
    submitterName: r.submitter_name,
    kind: r.kind,
    tipId: r.tip_id,
    receivedAt: r.received_at,
    createdAt: r.created_at,
    itemCount: r.item_count,
    counts: await countByStatus(q, batchId),
  };
}

/**
 * Marks an item as being processed and returns what the worker needs. A retried job (the
 * previous worker died) claims it again; an item already terminal returns undefined, so
 * the job ends without redoing or double-counting anything.
 */
export async function claimItem(q: Queryable, itemId: number): Promise<ClaimedItem | undefined> {
  const [r] = await q.query<{
    id: number;
    batch_id: number;
    seq: number;
    source_kind: SourceKind;
    source_label: string;
    source_ref: string | null;
    md5: string | null;
    sha1: string | null;
    sha256: string | null;
    attempts: number;
  }>(
    `UPDATE items SET status = 'processing', attempts = attempts + 1, started_at = now()
     WHERE id = $1 AND status IN ('queued', 'processing')
     RETURNING id, batch_id, seq, source_kind, source_label, source_ref,
       encode(md5, 'hex') AS md5, encode(sha1, 'hex') AS sha1, encode(sha256, 'hex') AS sha256, attempts`,
    [itemId],
  );
  if (!r) return undefined;
  return {
    id: r.id,
    batchId: r.batch_id,
    seq: r.seq,
    sourceKind: r.source_kind,
    sourceLabel: r.source_label,
    sourceRef: r.source_ref,
    md5: r.md5,
    sha1: r.sha1,
    sha256: r.sha256,
    attempts: r.attempts,
  };
}
