import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ListEntry, RejectedLine } from '../src/core/match.js';
import {
  LISTS_CHANNEL,
  createList,
  entriesPage,
  getList,
  importListVersion,
  listVersions,
  setCurrentVersion,
  setEntryEnabled,
  setListEnabled,
  setListThresholds,
  streamEntries,
  type ListChange,
} from '../src/store/index.js';
import { asyncOf, backends, connectionErrors, useDb } from './store-backends.js';

function pdq(): string {
  return randomBytes(32).toString('hex');
}

function records(entries: ListEntry[], rejected: RejectedLine[] = []): AsyncIterable<ListEntry | RejectedLine> {
  return asyncOf<ListEntry | RejectedLine>([...rejected, ...entries]);
}

function makeEntries(n: number, category = 'cat-a'): ListEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    algorithm: 'pdq',
    hash: pdq(),
    category,
    id: `ext-${i}`,
    line: i + 2,
  }));
}

let names = 0;
const uniqueName = () => `list-${process.pid}-${++names}`;

describe.each(backends())('store lists on %s', (backend) => {
  const db = useDb(backend);

  it('creates a list with provenance and refuses a duplicate name', async () => {
    const name = uniqueName();
    const list = await createList(db(), {
      name,
      source: 'test suite',
      kind: 'block',
      thresholds: { pdq: 28 },
      createdBy: 'admin',
    });
    expect(list).toMatchObject({
      name,
      source: 'test suite',
      kind: 'block',
      thresholds: { pdq: 28 },
      enabled: true,
      dihedral: false,
      currentVersion: null,
      createdBy: 'admin',
    });
    expect(list.createdAt).toBeInstanceOf(Date);
    expect(await getList(db(), list.id)).toEqual(list);
    await expect(createList(db(), { name, source: 's', kind: 'allow', createdBy: 'admin' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('imports versions by COPY; matches of old versions keep their entries; the switch notifies', async () => {
    const list = await createList(db(), { name: uniqueName(), source: 's', kind: 'block', createdBy: 'admin' });
    const heard: ListChange[] = [];
    const stop = await db().listen(LISTS_CHANNEL, (p) => heard.push(JSON.parse(p) as ListChange));

    const v1Entries = [
      ...makeEntries(3000),
      { algorithm: 'md5', hash: 'd41d8cd98f00b204e9800998ecf8427e', category: null, id: null, line: 9000 },
      // Tabs, backslashes and newlines must survive COPY's text format.
      {
        algorithm: 'sha1',
        hash: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
        category: 'we\\ird\tcat\nx',
        id: 'é",',
        line: 9001,
      },
    ] satisfies ListEntry[];
    const v1 = await importListVersion(db(), {
      listId: list.id,
      importedBy: 'alice',
      format: 'tiphash-csv',
      records: records(v1Entries, [{ line: 1, reason: 'bad hash' }]),
    });
    expect(v1).toEqual({ listId: list.id, version: 1, entries: 3002, rejected: 1, keptDisabled: 0, keptReviewed: 0 });

    const first = await entriesPage(db(), { listId: list.id, version: 1, limit: 5000 });
    expect(first.map((e) => [e.algorithm, e.hash, e.category, e.externalId])).toEqual(
      v1Entries.map((e) => [e.algorithm, e.hash, e.category, e.id]),
    );

    // An analyst disables one entry; the re-import keeps it disabled (same algorithm + hash).
    const wrong = first[10]!;
    await setEntryEnabled(db(), { listId: list.id, version: 1, entryId: wrong.id, enabled: false, actor: 'ana' });
    const v2Entries = [...v1Entries.slice(0, 2000), ...makeEntries(500, 'cat-b')];
    const v2 = await importListVersion(db(), {
      listId: list.id,
      importedBy: 'bob',
      format: 'tiphash-csv',
      records: records(v2Entries),
    });
    expect(v2).toEqual({ listId: list.id, version: 2, entries: 2500, rejected: 0, keptDisabled: 1, keptReviewed: 0 });

    const after = await getList(db(), list.id);
    expect(after?.currentVersion).toBe(2);
    const versions = await listVersions(db(), list.id);
    expect(versions.map((v) => [v.version, v.importedBy, v.entries, v.rejected])).toEqual([
      [1, 'alice', 3002, 1],
      [2, 'bob', 2500, 0],
    ]);

    // Version 1's rows stay, so matches made against it keep pointing at real entries.
    expect(await entriesPage(db(), { listId: list.id, version: 1, limit: 1 })).toHaveLength(1);

    await expect.poll(() => heard.filter((c) => c.listId === list.id).map((c) => c.version)).toEqual([1, 1, 2]);
    await stop();
  });

  it('streams the enabled entries of a version in pages', async () => {
    const list = await createList(db(), { name: uniqueName(), source: 's', kind: 'block', createdBy: 'admin' });
    const entries = makeEntries(2345);
    await importListVersion(db(), {
      listId: list.id,
      importedBy: 'alice',
      format: 'tiphash-csv',
      records: records(entries),
    });
    const page = await entriesPage(db(), { listId: list.id, version: 1, limit: 1 });
    await setEntryEnabled(db(), { listId: list.id, version: 1, entryId: page[0]!.id, enabled: false, actor: 'ana' });

    const pages: number[] = [];
    const hashes: string[] = [];
    for await (const p of streamEntries(db(), { id: list.id, version: 1 }, 1000)) {
      pages.push(p.length);
      hashes.push(...p.map((e) => e.hash));
    }
    expect(pages).toEqual([1000, 1000, 344]);
    expect(hashes).toEqual(entries.slice(1).map((e) => e.hash));
  });

  it('rolls back an empty import or a failing source, leaving the list as it was', async () => {
    const list = await createList(db(), { name: uniqueName(), source: 's', kind: 'block', createdBy: 'admin' });
    await expect(
      importListVersion(db(), {
        listId: list.id,
        importedBy: 'a',
        format: 'f',
        records: records([], [{ line: 1, reason: 'x' }]),
      }),
    ).rejects.toMatchObject({ code: 'list_empty' });

    async function* failing(): AsyncGenerator<ListEntry | RejectedLine> {
      yield* records(makeEntries(10));
      throw new Error('the upload was cut off');
    }
    await expect(
      importListVersion(db(), { listId: list.id, importedBy: 'a', format: 'f', records: failing() }),
    ).rejects.toThrow(/cut off/);
    expect(await listVersions(db(), list.id)).toEqual([]);
    expect((await getList(db(), list.id))?.currentVersion).toBeNull();
    // The connection is still usable after an aborted COPY.
    expect(
      (
        await importListVersion(db(), {
          listId: list.id,
          importedBy: 'a',
          format: 'f',
          records: records(makeEntries(3)),
        })
      ).version,
    ).toBe(1);
  });

  it.runIf(backend === 'postgres')('re-listens after losing the listening connection and reports the gap', async () => {
    const heard: string[] = [];
    let gaps = 0;
    const stop = await db().listen(
      'tiphash_probe',
      (p) => heard.push(p),
      () => gaps++,
    );
    await db().notify('tiphash_probe', 'before');
    await expect.poll(() => heard).toEqual(['before']);
    const killed = await db().query<{ ok: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query = $1',
      [`LISTEN ${db().schema}__tiphash_probe`],
    );
    expect(killed).toEqual([{ ok: true }]);
    await expect.poll(() => gaps, { timeout: 10_000 }).toBe(1);
    expect(connectionErrors.map((e) => (e as { code?: string }).code)).toContain('57P01');
    await db().notify('tiphash_probe', 'after');
    await expect.poll(() => heard).toEqual(['before', 'after']);
    await stop();
  });

  it('switches versions, thresholds and the enabled flag, bumping the revision each time', async () => {
    const list = await createList(db(), { name: uniqueName(), source: 's', kind: 'allow', createdBy: 'admin' });
    await importListVersion(db(), { listId: list.id, importedBy: 'a', format: 'f', records: records(makeEntries(5)) });
    await importListVersion(db(), { listId: list.id, importedBy: 'a', format: 'f', records: records(makeEntries(5)) });
    const back = await setCurrentVersion(db(), list.id, 1, 'admin');
    expect(back.currentVersion).toBe(1);
    await expect(setCurrentVersion(db(), list.id, 7, 'admin')).rejects.toMatchObject({ code: 'not_found' });
    const t = await setListThresholds(db(), list.id, { pdq: 20, blockhash: 10 }, 'admin');
    expect(t.thresholds).toEqual({ pdq: 20, blockhash: 10 });
    const off = await setListEnabled(db(), list.id, false, 'admin');
    expect(off.enabled).toBe(false);
    expect(off.revision).toBe(back.revision + 2);
  });
});
