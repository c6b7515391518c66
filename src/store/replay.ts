import { createHash } from 'node:crypto';
import type { Queryable } from './db.js';

/**
 * Records a webhook signature as seen until `expiresAt` (the end of its replay window).
 * Returns true the first time, false for a replay. An expired record is taken over, so the
 * table never blocks a signature forever.
 */
export async function recordSignature(q: Queryable, signature: string, expiresAt: Date): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO webhook_signatures (signature, expires_at) VALUES (decode($1, 'hex'), $2)
     ON CONFLICT (signature) DO UPDATE SET expires_at = EXCLUDED.expires_at
       WHERE webhook_signatures.expires_at < now()
     RETURNING 1`,
    [createHash('sha256').update(signature).digest('hex'), expiresAt.toISOString()],
  );
  return rows.length === 1;
}

/** Deletes records whose window has passed; returns how many. */
export async function pruneSignatures(q: Queryable, now = new Date()): Promise<number> {
  return (await q.query('DELETE FROM webhook_signatures WHERE expires_at < $1 RETURNING 1', [now.toISOString()]))
    .length;
}
