import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../src/cli/audit.js';
import { keysCommand } from '../src/cli/keys.js';
import { listsCommand } from '../src/cli/lists.js';
import { run } from '../src/cli/main.js';
import { getList, listAudit, verifyApiKey } from '../src/store/index.js';
import { repoRoot } from './shared.js';
import { capture, suiteStore } from './cli-capture.js';
import { backends, useDb } from './store-backends.js';


describe.each(backends())('tiphash keys, lists and audit on %s', (backend) => {
  const db = useDb(backend);
  const open = suiteStore(db);
  const suffix = `${Date.now()}`;

  it('creates a key printing only the key, lists it without the secret, and revokes it', async () => {
    const created = await capture(() => keysCommand(['create', '--role', 'analyst', '--name', `ana-${suffix}`], open));
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(created.stdout).toMatch(/^thk_[A-Za-z0-9_-]{43}\n$/);
    const who = await verifyApiKey(db(), key);
    expect(who).toMatchObject({ name: `ana-${suffix}`, role: 'analyst' });

    const listed = await capture(() => keysCommand(['list'], open));
    expect(listed.stdout).toMatch(new RegExp(`\\b${who!.id}\\s+ana-${suffix}\\s+analyst\\s+${key.slice(0, 10)}\\s`));
    expect(listed.stdout).not.toContain(key);

    expect((await capture(() => keysCommand(['revoke', String(who!.id)], open))).code).toBe(0);
    expect(await verifyApiKey(db(), key)).toBeUndefined();
    await expect(keysCommand(['revoke', String(who!.id)], open)).rejects.toMatchObject({ code: 'not_found' });
    await expect(keysCommand(['create', '--role', 'root', '--name', 'x'], open)).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(keysCommand(['create', '--role', 'admin', '--name', `ana-${suffix}`], open)).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    const actions = (await listAudit(db(), { limit: 1000 })).filter((r) => r.target === `apikey:${who!.id}`);
    expect(actions.map((r) => r.action)).toEqual(['apikey.create', 'apikey.revoke']);
    expect(actions[0]!.actor).toMatch(/^cli/);
  });

  it('creates a list, imports a file into it by name, and lists it with its version', async () => {
    const name = `cli-list-${suffix}`;
    const created = await capture(() =>
      listsCommand(['create', '--name', name, '--source', 'partner', '--dihedral', '--threshold', 'pdq=24'], open),
    );
    const id = Number(created.stdout.trim());
    expect(await getList(db(), id)).toMatchObject({ name, dihedral: true, thresholds: { pdq: 24 }, kind: 'block' });

    const imported = await capture(() =>
      listsCommand(['import', name, join(repoRoot, 'fixtures/lists/bridge.pytx.csv')], open),
    );
    expect(imported.stdout).toBe(`Imported 3 entries into ${name} as version 1 (pytx-csv); 1 lines rejected\n`);
    expect(imported.stderr).toMatch(/line 5: /);

    const ls = await capture(() => listsCommand(['ls'], open));
    expect(ls.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+KIND\s+ENABLED\s+SOURCE\s+VERSION\s+ENTRIES/);
    expect(ls.stdout).toMatch(new RegExp(`${id}\\s+${name}\\s+block\\s+yes\\s+partner\\s+1\\s+3\\s`));
    await expect(
      listsCommand(['create', '--name', 'x', '--source', 's', '--threshold', 'md5=1'], open),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(listsCommand(['import', 'no-such-list', 'f'], open)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('verifies the audit chain: ok and exit 0, or the first broken row and exit 1', async () => {
    const ok = await capture(() => auditCommand(['verify'], open));
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringMatching(/^ok: \d+ rows, chain intact\n$/)]);
    await db().withTx(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query("UPDATE audit_log SET action = 'x' WHERE id = 2");
    });
    const broken = await capture(() => auditCommand(['verify'], open));
    expect([broken.code, broken.stdout]).toEqual([
      1,
      'broken at row 2: the row does not match its hash (1 rows before it are intact)\n',
    ]);
  });
});

describe('tiphash keys through the CLI entry point, on the configured (embedded) store', () => {
  let dir = '';
  const saved = { ...process.env };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tiphash-cli-store-'));
    delete process.env.DATABASE_URL;
    process.env.TIPHASH_DATA_DIR = dir;
  });
  afterAll(async () => {
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('prints only the key, and the audit log verifies', async () => {
    const created = await capture(() => run(['keys', 'create', '--role', 'admin', '--name', 'first-admin']));
    expect([created.code, created.stdout]).toEqual([0, expect.stringMatching(/^thk_[A-Za-z0-9_-]{43}\n$/)]);
    const verified = await capture(() => run(['audit', 'verify']));
    expect([verified.code, verified.stdout]).toEqual([0, 'ok: 1 rows, chain intact\n']);
    const bad = await capture(() => run(['keys', 'revoke', 'abc']));
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('invalid_argument')]);
  });
});
