import { describe, expect, it } from 'vitest';
import {
  appendAudit,
  audit,
  auditHash,
  canonicalJson,
  createApiKey,
  listApiKeys,
  listAudit,
  openPostgres,
  pruneSignatures,
  recordSignature,
  revokeApiKey,
  verifyApiKey,
  verifyAudit,
  type Db,
} from '../src/store/index.js';
import { PG_URL, backends, useDb } from './store-backends.js';

/** What only a superuser can do: write to audit_log with its append-only triggers bypassed. */
function tamper(db: Db, sql: string, params: unknown[]): Promise<unknown> {
  return db.withTx(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    return tx.query(sql, params);
  });
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe.each(backends())('store security on %s', (backend) => {
  const db = useDb(backend);

  it('creates an API key, shows the plaintext once, verifies by hash, and revokes it', async () => {
    const created = await createApiKey(db(), { name: 'portal-intake', role: 'intake', createdBy: 'admin' });
    expect(created.key).toMatch(/^thk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const stored = await db().query<{ key_hash: string }>(
      "SELECT encode(key_hash, 'hex') AS key_hash FROM api_keys WHERE id = $1",
      [created.id],
    );
    expect(stored[0]!.key_hash).not.toContain(created.key);

    expect(await verifyApiKey(db(), created.key)).toEqual({ id: created.id, name: 'portal-intake', role: 'intake' });
    expect(
      await verifyApiKey(db(), created.key.slice(0, -1) + (created.key.endsWith('A') ? 'B' : 'A')),
    ).toBeUndefined();
    expect(await revokeApiKey(db(), created.id, 'admin')).toBe(true);
    expect(await revokeApiKey(db(), created.id, 'admin')).toBe(false);
    expect(await verifyApiKey(db(), created.key)).toBeUndefined();
    const listed = (await listApiKeys(db())).find((k) => k.id === created.id);
    expect(listed?.revokedAt).toBeInstanceOf(Date);
    expect(listed).not.toHaveProperty('key');
  });

  it('accepts a webhook signature once within its window', async () => {
    const sig = `sha256=${'ab'.repeat(32)}`;
    const later = new Date(Date.now() + 300_000);
    expect(await recordSignature(db(), sig, later)).toBe(true);
    expect(await recordSignature(db(), sig, later)).toBe(false);
    expect(await recordSignature(db(), `${sig}0`, later)).toBe(true);
    // An expired record no longer blocks (the timestamp check rejects old deliveries anyway).
    const old = 'sha256=expired';
    expect(await recordSignature(db(), old, new Date(Date.now() - 1000))).toBe(true);
    expect(await recordSignature(db(), old, later)).toBe(true);
    await recordSignature(db(), 'sha256=gone', new Date(Date.now() - 1000));
    expect(await pruneSignatures(db())).toBe(1);
  });

  it('keeps one unbroken chain under concurrent appends and names the row that was tampered with', async () => {
    // A second pool stands for a second process writing at the same time.
    const other = backend === 'postgres' ? openPostgres(PG_URL, { schema: db().schema!, max: 4 }) : db();
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          audit(i % 2 ? other : db(), {
            actor: `writer-${i % 4}`,
            action: 'test.append',
            target: `t:${i}`,
            details: { i, nested: { b: [1, 2], a: 'x' } },
          }),
        ),
      );
    } finally {
      if (other !== db()) await other.close();
    }
    const before = await verifyAudit(db());
    expect(before.ok).toBe(true);
    const rows = await listAudit(db(), { limit: 1000 });
    expect(rows.map((r) => r.id)).toEqual(rows.map((_, i) => i + 1));
    for (const [i, r] of rows.entries()) {
      expect(r.prevHash).toBe(i === 0 ? '00'.repeat(32) : rows[i - 1]!.hash);
      expect(auditHash(r)).toBe(r.hash);
    }

    const victim = rows[6]!;
    await tamper(db(), 'UPDATE audit_log SET details = \'{"i": 999}\' WHERE id = $1', [victim.id]);
    const altered = await verifyAudit(db());
    expect(altered).toMatchObject({ ok: false, brokenId: victim.id });
    expect(altered.ok ? '' : altered.reason).toMatch(/does not match its hash/);
    await tamper(db(), 'UPDATE audit_log SET details = $2 WHERE id = $1', [victim.id, JSON.stringify(victim.details)]);
    expect((await verifyAudit(db())).ok).toBe(true);

    await tamper(db(), 'DELETE FROM audit_log WHERE id = $1', [12]);
    expect(await verifyAudit(db())).toMatchObject({ ok: false, brokenId: 13 });
    await tamper(
      db(),
      `INSERT INTO audit_log (id, at, actor, action, target, details, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'), decode($8, 'hex'))`,
      [
        12,
        rows[11]!.at.toISOString(),
        rows[11]!.actor,
        rows[11]!.action,
        rows[11]!.target,
        JSON.stringify(rows[11]!.details),
        rows[11]!.prevHash,
        rows[11]!.hash,
      ],
    );
    expect((await verifyAudit(db())).ok).toBe(true);

    // Cutting off the tail is caught by the chain head.
    const last = rows[rows.length - 1]!;
    await tamper(db(), 'DELETE FROM audit_log WHERE id = $1', [last.id]);
    expect(await verifyAudit(db())).toMatchObject({ ok: false, brokenId: last.id });
  });

  it('appends audit rows only when the surrounding transaction commits', async () => {
    const before = (await listAudit(db(), { limit: 10_000 })).length;
    await expect(
      db().withTx(async (tx) => {
        await appendAudit(tx, { actor: 'a', action: 'will.roll.back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await listAudit(db(), { limit: 10_000 })).length).toBe(before);
  });
});
