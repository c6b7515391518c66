import { createHash } from 'node:crypto';
import type { Db, Queryable, Tx } from './db.js';

export interface AuditInput {
  actor: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type AuditVerdict = { ok: true; rows: number } | { ok: false; rows: number; brokenId: number; reason: string };

const GENESIS = '00'.repeat(32);
const PAGE = 1000;

/** JSON with object keys sorted at every depth, so the same row always serialises to the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** hash = SHA-256(prev_hash hex ‖ "\n" ‖ canonical JSON of the row's other columns). */
export function auditHash(row: Omit<AuditRow, 'hash'>): string {
  const body = canonicalJson({
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: row.details,
  });
  return createHash('sha256').update(`${row.prevHash}\n${body}`).digest('hex');
}

/**
 * Appends one row inside the caller's transaction. The chain head's row lock serialises
 * appenders until commit, so each row has exactly one successor and ids have no gaps.
 * Call it last in a transaction: the lock is held until commit.
 */
export async function appendAudit(tx: Tx, input: AuditInput): Promise<AuditRow> {
  const [head] = await tx.query<{ last_id: number; last_hash: string }>(
    "SELECT last_id, encode(last_hash, 'hex') AS last_hash FROM audit_head FOR UPDATE",
  );
  if (!head) throw new Error('audit_head is missing: the database was not migrated');
  // JSON round-trip first: the hash must cover exactly what jsonb will give back.
  const details = JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>;
  const partial = {
    id: head.last_id + 1,
    at: new Date(),
    actor: input.actor,
    action: input.action,
    target: input.target ?? null,
    details,
    prevHash: head.last_hash,
  };
  const row: AuditRow = { ...partial, hash: auditHash(partial) };
  await tx.query(
    `INSERT INTO audit_log (id, at, actor, action, target, details, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'), decode($8, 'hex'))`,
    [
      row.id,
      row.at.toISOString(),
      row.actor,
      row.action,
      row.target,
      JSON.stringify(row.details),
      row.prevHash,
      row.hash,
    ],
  );
  await tx.query("UPDATE audit_head SET last_id = $1, last_hash = decode($2, 'hex')", [row.id, row.hash]);
  return row;
}

/** appendAudit in a transaction of its own. */
export function audit(db: Db, input: AuditInput): Promise<AuditRow> {
  return db.withTx((tx) => appendAudit(tx, input));
}

const SELECT_ROWS = `SELECT id, at, actor, action, target, details, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
  FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`;

interface DbAuditRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

function fromDb(r: DbAuditRow): AuditRow {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    target: r.target,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Reads the log in id order, `limit` rows after `afterId`. */
export async function listAudit(q: Queryable, opts: { afterId?: number; limit?: number } = {}): Promise<AuditRow[]> {
  return (await q.query<DbAuditRow>(SELECT_ROWS, [opts.afterId ?? 0, opts.limit ?? 100])).map(fromDb);
}

export interface RecentAuditQuery {
  /** Only this actor's rows (an API key's name). */
  actor?: string;
  /** Keyset cursor: rows with a smaller id (the previous page's last id). */
  beforeId?: number;
  limit?: number;
  /** Include `*.read` rows (every read of matches and results is audited, so they crowd out the rest). */
  reads?: boolean;
}

/** The newest rows first, for people looking at what was done lately. */
export async function recentAudit(q: Queryable, opts: RecentAuditQuery = {}): Promise<AuditRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown) => `$${params.push(v)}`;
  if (opts.actor !== undefined) where.push(`actor = ${param(opts.actor)}`);
  if (opts.beforeId !== undefined) where.push(`id < ${param(opts.beforeId)}`);
  if (!opts.reads) where.push("action NOT LIKE '%.read'");
  const rows = await q.query<DbAuditRow>(
    `SELECT id, at, actor, action, target, details, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
     FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${param(opts.limit ?? 50)}`,
    params,
  );
  return rows.map(fromDb);
}

/**
 * Walks the whole chain and recomputes every hash. Names the first row that was altered,
 * inserted, or follows a removed row; a removed tail is caught by comparing with the head.
 */
export async function verifyAudit(q: Queryable): Promise<AuditVerdict> {
  let prev = GENESIS;
  let expectId = 1;
  let rows = 0;
  for (;;) {
    const page = await listAudit(q, { afterId: expectId - 1, limit: PAGE });
    for (const row of page) {
      const broken = (reason: string): AuditVerdict => ({ ok: false, rows, brokenId: row.id, reason });
      if (row.id !== expectId) return broken(`expected row ${expectId} next but found row ${row.id}: rows are missing`);
      if (row.prevHash !== prev) return broken('prev_hash does not match the previous row');
      if (auditHash(row) !== row.hash) return broken('the row does not match its hash');
      prev = row.hash;
      expectId++;
      rows++;
    }
    if (page.length < PAGE) break;
  }
  const [head] = await q.query<{ last_id: number; last_hash: string }>(
    "SELECT last_id, encode(last_hash, 'hex') AS last_hash FROM audit_head",
  );
  if (head && (head.last_id !== rows || head.last_hash !== prev)) {
    return {
      ok: false,
      rows,
      brokenId: rows + 1,
      reason: `the chain head names row ${head.last_id}, but the log ends at row ${rows}`,
    };
  }
  return { ok: true, rows };
}
