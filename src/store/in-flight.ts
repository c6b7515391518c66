import { ITEM_STATUSES, type ItemStatus } from './batches.js';
import type { Queryable } from './db.js';

/**
 * Items still queued or processing that nobody has touched (created, or claimed by a
 * worker) for `idleSeconds`: the reconciler enqueues them again in case their job was lost.
 * One keyset page in id order; the partial index items_in_flight keeps it small.
 */
export async function idleItemsInFlight(
  q: Queryable,
  opts: { idleSeconds: number; afterId?: number; limit?: number },
): Promise<number[]> {
  const rows = await q.query<{ id: number }>(
    `SELECT id FROM items
     WHERE status IN ('queued', 'processing') AND id > $1
       AND coalesce(started_at, created_at) < now() - $2 * interval '1 second'
     ORDER BY id LIMIT $3`,
    [opts.afterId ?? 0, opts.idleSeconds, opts.limit ?? 1000],
  );
  return rows.map((r) => r.id);
}

/** Which of these staging keys an item still waiting to be processed refers to. */
export async function stagedKeysInUse(q: Queryable, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await q.query<{ source_ref: string }>(
    `SELECT source_ref FROM items
     WHERE source_kind = 'upload' AND status IN ('queued', 'processing') AND source_ref = ANY($1::text[])`,
    [keys],
  );
  return new Set(rows.map((r) => r.source_ref));
}

/** Items by status across every batch (for metrics). */
export async function itemStatusCounts(q: Queryable): Promise<Record<ItemStatus, number>> {
  const counts = Object.fromEntries(ITEM_STATUSES.map((s) => [s, 0])) as Record<ItemStatus, number>;
  for (const r of await q.query<{ status: ItemStatus; n: number }>(
    'SELECT status, count(*) AS n FROM items GROUP BY status',
  ))
    counts[r.status] = r.n;
  return counts;
}

/** Matches per list and algorithm (for metrics). */
export async function matchCounts(q: Queryable): Promise<Array<{ listId: number; algorithm: string; count: number }>> {
  const rows = await q.query<{ list_id: number; algorithm: string; n: number }>(
    'SELECT list_id, algorithm, count(*) AS n FROM matches GROUP BY list_id, algorithm ORDER BY list_id, algorithm',
  );
  return rows.map((r) => ({ listId: r.list_id, algorithm: r.algorithm, count: r.n }));
}
