import { AppError } from '../core/errors.js';
import type { HashAlgo } from '../core/hash.js';
import { appendAudit } from './audit.js';
import type { Db, Queryable, Tx } from './db.js';

export type ListKind = 'block' | 'allow';
export type Thresholds = Partial<Record<HashAlgo, number>>;

/** Workers LISTEN here; the payload is JSON `ListChange`. */
export const LISTS_CHANNEL = 'tiphash_lists';

export interface ListChange {
  listId: number;
  version: number | null;
  revision: number;
}

export interface HashList {
  id: number;
  name: string;
  source: string;
  kind: ListKind;
  thresholds: Thresholds;
  enabled: boolean;
  dihedral: boolean;
  currentVersion: number | null;
  revision: number;
  createdBy: string;
  createdAt: Date;
}

export interface ListVersion {
  listId: number;
  version: number;
  importedAt: Date;
  importedBy: string;
  format: string;
  entries: number;
  rejected: number;
}

export interface NewList {
  name: string;
  source: string;
  kind: ListKind;
  thresholds?: Thresholds;
  enabled?: boolean;
  dihedral?: boolean;
  createdBy: string;
}

const LIST_COLUMNS = `id, name, source, kind, thresholds, enabled, dihedral, current_version, revision, created_by, created_at`;

interface ListRow {
  id: number;
  name: string;
  source: string;
  kind: ListKind;
  thresholds: Thresholds;
  enabled: boolean;
  dihedral: boolean;
  current_version: number | null;
  revision: number;
  created_by: string;
  created_at: Date;
}

function toList(r: ListRow): HashList {
  return {
    id: r.id,
    name: r.name,
    source: r.source,
    kind: r.kind,
    thresholds: r.thresholds,
    enabled: r.enabled,
    dihedral: r.dihedral,
    currentVersion: r.current_version,
    revision: r.revision,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

export function createList(db: Db, input: NewList): Promise<HashList> {
  return db.withTx(async (tx) => {
    const [row] = await tx.query<ListRow>(
      `INSERT INTO hash_lists (name, source, kind, thresholds, enabled, dihedral, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (name) DO NOTHING RETURNING ${LIST_COLUMNS}`,
      [
        input.name,
        input.source,
        input.kind,
        JSON.stringify(input.thresholds ?? {}),
        input.enabled ?? true,
        input.dihedral ?? false,
        input.createdBy,
      ],
    );
    if (!row)
      throw new AppError(
        'invalid_argument',
        `Expected a new list name for name but received ${JSON.stringify(input.name)}, which already exists`,
      );
    const list = toList(row);
    await appendAudit(tx, {
      actor: input.createdBy,
      action: 'list.create',
      target: `list:${list.id}`,
      details: { name: list.name, kind: list.kind, source: list.source },
    });
    return list;
  });
}

export async function getList(q: Queryable, id: number): Promise<HashList | undefined> {
  const [row] = await q.query<ListRow>(`SELECT ${LIST_COLUMNS} FROM hash_lists WHERE id = $1`, [id]);
  return row && toList(row);
}

export async function getListByName(q: Queryable, name: string): Promise<HashList | undefined> {
  const [row] = await q.query<ListRow>(`SELECT ${LIST_COLUMNS} FROM hash_lists WHERE name = $1`, [name]);
  return row && toList(row);
}

export async function listLists(q: Queryable, opts: { enabledOnly?: boolean } = {}): Promise<HashList[]> {
  const rows = await q.query<ListRow>(
    `SELECT ${LIST_COLUMNS} FROM hash_lists ${opts.enabledOnly ? 'WHERE enabled' : ''} ORDER BY id`,
  );
  return rows.map(toList);
}

export async function listVersions(q: Queryable, listId: number): Promise<ListVersion[]> {
  const rows = await q.query<{
    list_id: number;
    version: number;
    imported_at: Date;
    imported_by: string;
    format: string;
    entries: number;
    rejected: number;
  }>(
    `SELECT list_id, version, imported_at, imported_by, format, entries, rejected FROM list_versions WHERE list_id = $1 ORDER BY version`,
    [listId],
  );
  return rows.map((r) => ({
    listId: r.list_id,
    version: r.version,
    importedAt: r.imported_at,
    importedBy: r.imported_by,
    format: r.format,
    entries: r.entries,
    rejected: r.rejected,
  }));
}

/**
 * Bumps the list's revision and tells workers, inside the caller's transaction: the NOTIFY
 * is delivered only if the change commits.
 */
export async function announceChange(tx: Tx, listId: number): Promise<ListChange> {
  const [row] = await tx.query<{ current_version: number | null; revision: number }>(
    'UPDATE hash_lists SET revision = revision + 1 WHERE id = $1 RETURNING current_version, revision',
    [listId],
  );
  if (!row) throw new AppError('not_found', `No hash list with id ${listId}`);
  const change: ListChange = { listId, version: row.current_version, revision: row.revision };
  await tx.notify(LISTS_CHANNEL, JSON.stringify(change));
  return change;
}

async function updateList(
  db: Db,
  listId: number,
  actor: string,
  action: string,
  set: string,
  params: unknown[],
  details: Record<string, unknown>,
  precheck?: (tx: Tx) => Promise<void>,
): Promise<HashList> {
  return db.withTx(async (tx) => {
    await precheck?.(tx);
    const [row] = await tx.query<{ id: number }>(`UPDATE hash_lists SET ${set} WHERE id = $1 RETURNING id`, [
      listId,
      ...params,
    ]);
    if (!row) throw new AppError('not_found', `No hash list with id ${listId}`);
    await announceChange(tx, listId);
    await appendAudit(tx, { actor, action, target: `list:${listId}`, details });
    return toList((await tx.query<ListRow>(`SELECT ${LIST_COLUMNS} FROM hash_lists WHERE id = $1`, [listId]))[0]!);
  });
}

export function setListEnabled(db: Db, listId: number, enabled: boolean, actor: string): Promise<HashList> {
  return updateList(db, listId, actor, enabled ? 'list.enable' : 'list.disable', 'enabled = $2', [enabled], {});
}

export function setListThresholds(db: Db, listId: number, thresholds: Thresholds, actor: string): Promise<HashList> {
  return updateList(db, listId, actor, 'list.thresholds', 'thresholds = $2', [JSON.stringify(thresholds)], {
    thresholds,
  });
}

export function setListDihedral(db: Db, listId: number, dihedral: boolean, actor: string): Promise<HashList> {
  return updateList(db, listId, actor, 'list.dihedral', 'dihedral = $2', [dihedral], { dihedral });
}

/** Points the list back (or forward) at an imported version, e.g. to undo a bad import. */
export function setCurrentVersion(db: Db, listId: number, version: number, actor: string): Promise<HashList> {
  return updateList(
    db,
    listId,
    actor,
    'list.switch_version',
    'current_version = $2',
    [version],
    { version },
    async (tx) => {
      const found = await tx.query('SELECT 1 FROM list_versions WHERE list_id = $1 AND version = $2', [
        listId,
        version,
      ]);
      if (found.length === 0) throw new AppError('not_found', `Hash list ${listId} has no version ${version}`);
    },
  );
}
