import { AppError } from '../core/errors.js';
import type { ListEntry, RejectedLine } from '../core/match.js';
import { appendAudit } from './audit.js';
import type { CopyValue, Db, Tx } from './db.js';
import { announceChange } from './lists.js';

export interface ImportInput {
  listId: number;
  importedBy: string;
  /** The list file's format, as recorded in the version's provenance (e.g. 'tiphash-csv'). */
  format: string;
  /** What the list parser yields: entries, and the lines it refused. */
  records: AsyncIterable<ListEntry | RejectedLine>;
}

export interface ImportResult {
  listId: number;
  version: number;
  entries: number;
  rejected: number;
  /** Entries an analyst had disabled in the previous version that stay disabled in this one. */
  keptDisabled: number;
  /** Entries analysts added from reviews (allow lists) carried over from the previous version. */
  keptReviewed: number;
}

const ENTRY_COLUMNS = ['list_id', 'version', 'algorithm', 'hash', 'category', 'external_id'] as const;

/**
 * Imports a new version of a list in one transaction: COPY the entries, carry over the
 * entries analysts disabled, switch `current_version`, NOTIFY workers, audit. Nothing is
 * visible until it commits, and a failed or empty import leaves the list as it was.
 * Matches made earlier keep pointing at the version they were made against.
 */
export function importListVersion(db: Db, input: ImportInput): Promise<ImportResult> {
  return db.withTx(async (tx) => {
    const [list] = await tx.query<{ current_version: number | null; next: number }>(
      `SELECT current_version, (SELECT coalesce(max(version), 0) + 1 FROM list_versions WHERE list_id = $1) AS next
       FROM hash_lists WHERE id = $1 FOR UPDATE`,
      [input.listId],
    );
    if (!list) throw new AppError('not_found', `No hash list with id ${input.listId}`);
    const version = list.next;
    await tx.query('INSERT INTO list_versions (list_id, version, imported_by, format) VALUES ($1, $2, $3, $4)', [
      input.listId,
      version,
      input.importedBy,
      input.format,
    ]);

    const counts = { rejected: 0 };
    const entries = await tx.copyFrom(
      { table: 'hash_entries', columns: ENTRY_COLUMNS },
      copyRows(input.records, input.listId, version, counts),
    );
    if (entries === 0) {
      throw new AppError(
        'list_empty',
        `The list has no valid entries (${counts.rejected} lines rejected); no version was created`,
      );
    }
    const keptDisabled =
      list.current_version === null ? 0 : await carryDisabled(tx, input.listId, list.current_version, version);
    const keptReviewed =
      list.current_version === null ? 0 : await carryReviewed(tx, input.listId, list.current_version, version);
    await tx.query('UPDATE list_versions SET entries = $3, rejected = $4 WHERE list_id = $1 AND version = $2', [
      input.listId,
      version,
      entries + keptReviewed,
      counts.rejected,
    ]);
    await tx.query('UPDATE hash_lists SET current_version = $2 WHERE id = $1', [input.listId, version]);
    await announceChange(tx, input.listId);
    const result: ImportResult = {
      listId: input.listId,
      version,
      entries: entries + keptReviewed,
      rejected: counts.rejected,
      keptDisabled,
      keptReviewed,
    };
    await appendAudit(tx, {
      actor: input.importedBy,
      action: 'list.import',
      target: `list:${input.listId}`,
      details: { ...result, format: input.format },
    });
    return result;
  });
}

async function* copyRows(
  records: AsyncIterable<ListEntry | RejectedLine>,
  listId: number,
  version: number,
  counts: { rejected: number },
): AsyncGenerator<readonly CopyValue[]> {
  for await (const r of records) {
    if ('reason' in r) counts.rejected++;
    else yield [listId, version, r.algorithm, { bytea: r.hash }, r.category, r.id];
  }
}

/** An analyst's "this entry is wrong" should survive the list being re-imported. */
async function carryDisabled(tx: Tx, listId: number, from: number, to: number): Promise<number> {
  const disabled = await tx.query<{ algorithm: string; hash: string }>(
    "SELECT algorithm, encode(hash, 'hex') AS hash FROM hash_entries WHERE list_id = $1 AND version = $2 AND NOT enabled",
    [listId, from],
  );
  if (disabled.length === 0) return 0;
  const rows = await tx.query(
    `UPDATE hash_entries n SET enabled = false
     FROM unnest($3::text[], $4::text[]) AS d(algorithm, hash)
     WHERE n.list_id = $1 AND n.version = $2 AND n.algorithm = d.algorithm AND n.hash = decode(d.hash, 'hex')
     RETURNING n.id`,
    [listId, to, disabled.map((d) => d.algorithm), disabled.map((d) => d.hash)],
  );
  return rows.length;
}

/**
 * An analyst's "this is benign" (an allow-list entry added from a review) should survive the
 * list's file being re-imported too: such entries are copied, with their provenance, unless the
 * new file already lists the same hash. Runs after carryDisabled, so a copied entry keeps the
 * enabled state it had.
 */
async function carryReviewed(tx: Tx, listId: number, from: number, to: number): Promise<number> {
  // The partial index answers this at once; the anti-join below reads the new version whole.
  const [any] = await tx.query(
    'SELECT 1 FROM hash_entries WHERE list_id = $1 AND version = $2 AND added_by IS NOT NULL LIMIT 1',
    [listId, from],
  );
  if (!any) return 0;
  const rows = await tx.query(
    `INSERT INTO hash_entries (list_id, version, algorithm, hash, category, external_id, enabled, added_by, added_note, added_at)
     SELECT o.list_id, $3, o.algorithm, o.hash, o.category, o.external_id, o.enabled, o.added_by, o.added_note, o.added_at
     FROM hash_entries o
     WHERE o.list_id = $1 AND o.version = $2 AND o.added_by IS NOT NULL
       AND NOT EXISTS (
         SELECT 1 FROM hash_entries n
         WHERE n.list_id = $1 AND n.version = $3 AND n.algorithm = o.algorithm AND n.hash = o.hash AND n.added_by IS NULL)
     ORDER BY o.id
     RETURNING 1`,
    [listId, from, to],
  );
  return rows.length;
}
