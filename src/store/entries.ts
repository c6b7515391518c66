import { AppError } from '../core/errors.js';
import type { HashAlgo } from '../core/hash.js';
import { appendAudit } from './audit.js';
import type { Db, Queryable } from './db.js';
import { announceChange } from './lists.js';

export interface StoredEntry {
  /** The store's id for the entry: what a match records. */
  id: number;
  listId: number;
  version: number;
  algorithm: HashAlgo;
  /** Lowercase hex. */
  hash: string;
  category: string | null;
  /** The list's own id for the entry (MediaID, id column), if it had one. */
  externalId: string | null;
  enabled: boolean;
}

interface EntryRow {
  id: number;
  list_id: number;
  version: number;
  algorithm: HashAlgo;
  hash: string;
  category: string | null;
  external_id: string | null;
  enabled: boolean;
}

export interface EntryPageQuery {
  listId: number;
  version: number;
  /** Keyset cursor: the last id of the previous page (0 for the first). */
  afterId?: number;
  limit?: number;
  enabledOnly?: boolean;
}

/** One page of a list version's entries in id order, served by the primary key. */
export async function entriesPage(q: Queryable, p: EntryPageQuery): Promise<StoredEntry[]> {
  const rows = await q.query<EntryRow>(
    `SELECT id, list_id, version, algorithm, encode(hash, 'hex') AS hash, category, external_id, enabled
     FROM hash_entries
     WHERE list_id = $1 AND version = $2 AND id > $3 ${p.enabledOnly ? 'AND enabled' : ''}
     ORDER BY id LIMIT $4`,
    [p.listId, p.version, p.afterId ?? 0, p.limit ?? 1000],
  );
  return rows.map((r) => ({
    id: r.id,
    listId: r.list_id,
    version: r.version,
    algorithm: r.algorithm,
    hash: r.hash,
    category: r.category,
    externalId: r.external_id,
    enabled: r.enabled,
  }));
}

/**
 * Streams the enabled entries of one list version, page by page, for building a matcher's
 * index: memory stays bounded by the page size whatever the list's size. The version is
 * pinned by the caller, so a switch during the load cannot mix two versions.
 */
export async function* streamEntries(
  q: Queryable,
  list: { id: number; version: number },
  pageSize = 20_000,
): AsyncGenerator<StoredEntry[]> {
  let afterId = 0;
  for (;;) {
    const page = await entriesPage(q, {
      listId: list.id,
      version: list.version,
      afterId,
      limit: pageSize,
      enabledOnly: true,
    });
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    afterId = page[page.length - 1]!.id;
  }
}

/** An analyst disables (or re-enables) one entry, e.g. a known false positive; workers reload. */
export function setEntryEnabled(
  db: Db,
  input: { listId: number; version: number; entryId: number; enabled: boolean; actor: string; note?: string },
): Promise<void> {
  return db.withTx(async (tx) => {
    const rows = await tx.query(
      'UPDATE hash_entries SET enabled = $4 WHERE list_id = $1 AND version = $2 AND id = $3 RETURNING id',
      [input.listId, input.version, input.entryId, input.enabled],
    );
    if (rows.length === 0)
      throw new AppError(
        'not_found',
        `Version ${input.version} of hash list ${input.listId} has no entry ${input.entryId}`,
      );
    await announceChange(tx, input.listId);
    await appendAudit(tx, {
      actor: input.actor,
      action: input.enabled ? 'entry.enable' : 'entry.disable',
      target: `entry:${input.entryId}`,
      details: {
        listId: input.listId,
        version: input.version,
        ...(input.note === undefined ? {} : { note: input.note }),
      },
    });
  });
}
