import { describe, expect, it } from 'vitest';
import { audit, loadMigrations, migrate } from '../src/store/index.js';
import { backends, useDb } from './store-backends.js';

describe.each(backends())('store migrations on %s', (backend) => {
  const db = useDb(backend, { migrate: false });

  it('applies every migration once and records it; a second run applies nothing', async () => {
    const files = await loadMigrations();
    expect(files.map((m) => m.name)).toContain('001_init.sql');
    expect(await migrate(db())).toEqual(files.map((m) => m.name));
    expect(await migrate(db())).toEqual([]);
    const recorded = await db().query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations ORDER BY name',
    );
    expect(recorded).toEqual(files.map((m) => ({ name: m.name, checksum: m.checksum })));
  });

  it('runs concurrent migrate() calls without applying a file twice', async () => {
    const runs = await Promise.all([migrate(db()), migrate(db()), migrate(db())]);
    expect(runs).toEqual([[], [], []]);
  });

  it('refuses to start when an applied migration was edited', async () => {
    const [first, ...rest] = await loadMigrations();
    const edited = { ...first!, checksum: '0'.repeat(64) };
    await expect(migrate(db(), [edited, ...rest])).rejects.toThrow(/edited after it was applied/);
  });

  it('creates every table the store uses', async () => {
    const rows = await db().query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name',
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'api_keys',
      'audit_head',
      'audit_log',
      'batches',
      'hash_entries',
      'hash_lists',
      'item_hashes',
      'items',
      'list_versions',
      'matches',
      'reviews',
      'schema_migrations',
      'webhook_signatures',
    ]);
  });

  it('enforces the enum CHECK constraints', async () => {
    await expect(
      db().query("INSERT INTO hash_lists (name, source, kind, created_by) VALUES ('x', 's', 'maybe', 't')"),
    ).rejects.toThrow(/check constraint/);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on audit_log', async () => {
    await audit(db(), { actor: 'test', action: 'probe' });
    await expect(db().query("UPDATE audit_log SET actor = 'mallory'")).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db().query('DELETE FROM audit_log')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db().query('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await db().query('SELECT actor FROM audit_log')).toEqual([{ actor: 'test' }]);
  });
});
