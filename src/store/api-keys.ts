import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../core/errors.js';
import { appendAudit } from './audit.js';
import type { Db, Queryable } from './db.js';

export const ROLES = ['submitter', 'intake', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  id: number;
  name: string;
  role: Role;
  /** The key's first characters, enough to recognise it in a list; not enough to use it. */
  prefix: string;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const KEY_PREFIX = 'thk_';
const SHOWN = KEY_PREFIX.length + 6;

/**
 * SHA-256 suffices: the key is 256 random bits, so there is nothing to brute-force, and a
 * fast hash lets each request find its key by an indexed lookup.
 */
function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

interface KeyRow {
  id: number;
  name: string;
  role: Role;
  prefix: string;
  created_by: string;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, role, prefix, created_by, created_at, revoked_at';
const toKey = (r: KeyRow): ApiKey => ({
  id: r.id,
  name: r.name,
  role: r.role,
  prefix: r.prefix,
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

/** Creates a key. The plaintext is returned here once and never stored. Names are unique. */
export function createApiKey(
  db: Db,
  input: { name: string; role: Role; createdBy: string },
): Promise<ApiKey & { key: string }> {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  return db.withTx(async (tx) => {
    const [row] = await tx.query<KeyRow>(
      `INSERT INTO api_keys (name, role, key_hash, prefix, created_by) VALUES ($1, $2, decode($3, 'hex'), $4, $5)
       ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
      [input.name, input.role, keyHash(key), key.slice(0, SHOWN), input.createdBy],
    );
    if (!row) {
      throw new AppError(
        'invalid_argument',
        `Expected a new key name for name but received ${JSON.stringify(input.name)}, which another key has`,
      );
    }
    const created = toKey(row);
    await appendAudit(tx, {
      actor: input.createdBy,
      action: 'apikey.create',
      target: `apikey:${created.id}`,
      details: { name: created.name, role: created.role, prefix: created.prefix },
    });
    return { ...created, key };
  });
}

/** The key's identity and role, or undefined if unknown or revoked. */
export async function verifyApiKey(
  q: Queryable,
  key: string,
): Promise<Pick<ApiKey, 'id' | 'name' | 'role'> | undefined> {
  const [row] = await q.query<{ id: number; name: string; role: Role }>(
    "SELECT id, name, role FROM api_keys WHERE key_hash = decode($1, 'hex') AND revoked_at IS NULL",
    [keyHash(key)],
  );
  return row;
}

/** Returns false if the key does not exist or was already revoked. */
export function revokeApiKey(db: Db, id: number, actor: string): Promise<boolean> {
  return db.withTx(async (tx) => {
    const rows = await tx.query(
      'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [id],
    );
    if (rows.length === 0) return false;
    await appendAudit(tx, { actor, action: 'apikey.revoke', target: `apikey:${id}` });
    return true;
  });
}

export async function listApiKeys(q: Queryable): Promise<ApiKey[]> {
  return (await q.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY id`)).map(toKey);
}

/**
 * Installs `key` (TIPHASH_BOOTSTRAP_ADMIN_KEY) as the first admin key, only while no key
 * exists at all. Several processes starting together are safe: the check and the insert
 * are one statement, and a racing insert of the same name does nothing.
 */
export function bootstrapAdminKey(db: Db, key: string): Promise<boolean> {
  return db.withTx(async (tx) => {
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO api_keys (name, role, key_hash, prefix, created_by)
       SELECT 'bootstrap-admin', 'admin', decode($1, 'hex'), $2, 'bootstrap'
       WHERE NOT EXISTS (SELECT 1 FROM api_keys)
       ON CONFLICT DO NOTHING RETURNING id`,
      // A chosen key may be shorter on entropy than a generated one: show less of it.
      [keyHash(key), key.slice(0, 6)],
    );
    if (!row) return false;
    await appendAudit(tx, {
      actor: 'bootstrap',
      action: 'apikey.bootstrap',
      target: `apikey:${row.id}`,
      details: { name: 'bootstrap-admin', role: 'admin' },
    });
    return true;
  });
}
