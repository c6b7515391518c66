import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { listAudit } from '../src/store/index.js';
import { anyNumber, anyString, errorOf, secretsInLogs, useApi } from './api-helpers.js';
import { repoRoot } from './shared.js';
import { backends } from './store-backends.js';

const fixture = (name: string) => readFileSync(join(repoRoot, 'fixtures/lists', name));
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

interface ImportReport {
  listId: number;
  version: number;
  format: string;
  imported: number;
  rejected: Array<{ line: number; reason: string }>;
  rejectedTotal: number;
}
type ListView = Record<string, unknown> & { id: number };

describe.each(backends())('API hash lists on %s', (backend) => {
  const api = useApi(backend);
  const admin = () => api().auth('admin');

  async function newList(extra: object = {}): Promise<number> {
    const res = await api().app.inject({
      method: 'POST',
      url: '/v1/lists',
      headers: admin(),
      payload: { name: `list-${hex(4)}`, source: 'NCMEC test feed', kind: 'block', ...extra },
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: number }>().id;
  }

  const importBody = (id: number, payload: Buffer | string | Readable, contentType: string, query = '') =>
    api().app.inject({
      method: 'POST',
      url: `/v1/lists/${id}/entries${query}`,
      headers: { ...admin(), 'content-type': contentType },
      payload,
    });

  it('creates a list with its settings, and refuses a taken name', async () => {
    const name = `pdq-feed-${hex(3)}`;
    const res = await api().app.inject({
      method: 'POST',
      url: '/v1/lists',
      headers: admin(),
      payload: { name, source: 'partner', kind: 'allow', thresholds: { pdq: 24 }, dihedral: true },
    });
    expect([res.statusCode, res.json()]).toEqual([
      201,
      expect.objectContaining({
        name,
        source: 'partner',
        kind: 'allow',
        thresholds: { pdq: 24 },
        dihedral: true,
        enabled: true,
        currentVersion: null,
      }),
    ]);
    const dup = await api().app.inject({
      method: 'POST',
      url: '/v1/lists',
      headers: admin(),
      payload: { name, source: 's', kind: 'block' },
    });
    expect([dup.statusCode, errorOf(dup).code]).toEqual([400, 'invalid_argument']);
    const bad = await api().app.inject({
      method: 'POST',
      url: '/v1/lists',
      headers: admin(),
      payload: { name: 'x', source: 's', kind: 'block', thresholds: { md5: 2 } },
    });
    expect([bad.statusCode, errorOf(bad).field]).toEqual([400, 'thresholds.md5']);
  });

  it.each([
    ['bridge.tiphash.csv', 'text/csv', 'tiphash-csv', 6, 0],
    ['bridge.pytx.csv', 'text/csv', 'pytx-csv', 3, 1],
    ['bridge.plain.txt', 'text/plain', 'plain', 3, 0],
    ['bridge.vics2.json', 'application/json', 'vics', 5, 0],
    ['bridge.vics1.json', 'application/json; charset=utf-8', 'vics', 2, 0],
  ])('imports %s (%s) by detection', async (file, contentType, format, imported, rejected) => {
    const id = await newList();
    const res = await importBody(id, fixture(file), contentType);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ listId: id, version: 1, format, imported, rejectedTotal: rejected });
    expect(res.json<ImportReport>().rejected).toHaveLength(rejected);
  });

  it('imports a gzipped list and a named format, each as a new version', async () => {
    const id = await newList();
    const first = await importBody(id, gzipSync(fixture('bridge.tiphash.csv')), 'application/gzip');
    expect(first.json()).toMatchObject({ version: 1, imported: 6 });
    const second = await importBody(id, fixture('bridge.plain.txt'), 'application/octet-stream', '?format=plain');
    expect(second.json()).toMatchObject({ version: 2, format: 'plain', imported: 3 });
    const wrong = await importBody(id, fixture('bridge.plain.txt'), 'text/plain', '?format=csv');
    expect([wrong.statusCode, errorOf(wrong).field]).toEqual([400, 'querystring.format']);
  });

  it('reports rejected lines with their numbers, capped, and the total', async () => {
    const id = await newList();
    const lines = ['algorithm,hash,category,id', `pdq,${'z'.repeat(64)},,`, `md5,${hex(16)},cat,e1`, `sha1,abc,,`];
    const res = await importBody(id, lines.join('\n'), 'text/csv');
    expect(res.json()).toMatchObject({ imported: 1, rejectedTotal: 2 });
    expect(res.json<ImportReport>().rejected.map((r) => r.line)).toEqual([2, 4]);
    expect(res.json<ImportReport>().rejected[1]?.reason).toMatch(/40 hex digits/);

    // 20k entries and 1.5k bad lines: ~1.6 MB, past the JSON body limit — the body is streamed, not buffered.
    const many = Readable.from(
      (function* () {
        yield 'algorithm,hash,category,id\n';
        for (let i = 0; i < 20_000; i++) yield `pdq,${hex(32)},bulk,b${i}\n`;
        for (let i = 0; i < 1_500; i++) yield `pdq,not-a-hash,,\n`;
      })(),
    );
    const bulk = await importBody(id, many, 'text/csv');
    expect(bulk.json()).toMatchObject({ version: 2, imported: 20_000, rejectedTotal: 1_500 });
    expect(bulk.json<ImportReport>().rejected).toHaveLength(1_000);
  });

  it('refuses a list with no valid entry (400 list_empty) and leaves the list as it was', async () => {
    const id = await newList();
    await importBody(id, fixture('bridge.plain.txt'), 'text/plain');
    for (const body of ['algorithm,hash\npdq,123\n', '', '   \n']) {
      const res = await importBody(id, body, 'text/csv');
      expect([res.statusCode, errorOf(res).code]).toEqual([400, 'list_empty']);
    }
    const noBody = await api().app.inject({ method: 'POST', url: `/v1/lists/${id}/entries`, headers: admin() });
    expect([noBody.statusCode, errorOf(noBody).code]).toEqual([400, 'list_empty']);
    for (const [body, query] of [
      ['{"not":"a list"}', ''],
      ['algorithm,hash\npdq,1\n', '?format=vics'],
    ] as const) {
      const garbage = await importBody(id, body, 'application/json', query);
      expect([garbage.statusCode, errorOf(garbage).code]).toEqual([400, 'list_invalid']);
    }
    const lists = (await api().app.inject({ url: '/v1/lists', headers: admin() })).json<{ lists: ListView[] }>().lists;
    expect(lists.find((l) => l.id === id)).toMatchObject({ currentVersion: 1, versions: [{ version: 1 }] });
    const missing = await importBody(999_999_999, fixture('bridge.plain.txt'), 'text/plain');
    expect([missing.statusCode, errorOf(missing).code]).toEqual([404, 'not_found']);
  });

  it('lists lists with versions and provenance, and changes settings with an audit row each', async () => {
    const id = await newList();
    await importBody(id, fixture('bridge.pytx.csv'), 'text/csv');
    const before = await listAudit(api().db, { limit: 10_000 });
    const patch = (payload: object) =>
      api().app.inject({ method: 'PATCH', url: `/v1/lists/${id}`, headers: admin(), payload });
    const changed = await patch({ enabled: false, thresholds: { pdq: 20, blockhash: 5 }, dihedral: true });
    expect([changed.statusCode, changed.json()]).toEqual([
      200,
      expect.objectContaining({
        id,
        enabled: false,
        thresholds: { pdq: 20, blockhash: 5 },
        dihedral: true,
        revision: anyNumber,
      }),
    ]);
    expect((await patch({})).statusCode).toBe(400);
    expect(errorOf(await patch({ thresholds: { pdq: 257 } })).field).toBe('thresholds.pdq');
    expect(
      (
        await api().app.inject({
          method: 'PATCH',
          url: '/v1/lists/999999999',
          headers: admin(),
          payload: { enabled: true },
        })
      ).statusCode,
    ).toBe(404);

    const after = (await listAudit(api().db, { afterId: before.at(-1)?.id ?? 0, limit: 100 })).filter(
      (r) => r.target === `list:${id}`,
    );
    expect(after.map((r) => [r.action, r.actor])).toEqual([
      ['list.disable', api().keys.admin.name],
      ['list.thresholds', api().keys.admin.name],
      ['list.dihedral', api().keys.admin.name],
    ]);
    const listed = (await api().app.inject({ url: '/v1/lists', headers: admin() }))
      .json<{ lists: ListView[] }>()
      .lists.find((l) => l.id === id);
    expect(listed).toMatchObject({
      source: 'NCMEC test feed',
      createdBy: api().keys.admin.name,
      versions: [
        {
          version: 1,
          importedBy: api().keys.admin.name,
          format: 'pytx-csv',
          entries: 3,
          rejected: 1,
          importedAt: anyString,
        },
      ],
    });
  });

  it('disables a wrong entry of the current version, audited; it stays disabled across a re-import', async () => {
    const id = await newList();
    await importBody(id, fixture('bridge.tiphash.csv'), 'text/csv');
    const [entry] = await api().db.query<{ id: number; hash: string }>(
      "SELECT id, encode(hash, 'hex') AS hash FROM hash_entries WHERE list_id = $1 AND version = 1 ORDER BY id LIMIT 1",
      [id],
    );
    const patch = (entryId: number, payload: object, listId = id) =>
      api().app.inject({ method: 'PATCH', url: `/v1/lists/${listId}/entries/${entryId}`, headers: admin(), payload });
    const res = await patch(entry!.id, { enabled: false, note: 'a partner recalled this hash' });
    expect([res.statusCode, res.json()]).toEqual([200, { listId: id, version: 1, entryId: entry!.id, enabled: false }]);
    const [audit] = (await listAudit(api().db, { limit: 10_000 })).filter((r) => r.target === `entry:${entry!.id}`);
    expect(audit).toMatchObject({
      action: 'entry.disable',
      actor: api().keys.admin.name,
      details: { listId: id, version: 1, note: 'a partner recalled this hash' },
    });
    expect((await patch(999_999_999, { enabled: false })).statusCode).toBe(404);
    expect((await patch(entry!.id, { enabled: false }, 999_999_999)).statusCode).toBe(404);
    expect(errorOf(await patch(entry!.id, {})).field).toBe('enabled');

    const again = await importBody(id, fixture('bridge.tiphash.csv'), 'text/csv');
    expect(again.json()).toMatchObject({ version: 2, keptDisabled: 1 });
    const [kept] = await api().db.query<{ enabled: boolean }>(
      "SELECT enabled FROM hash_entries WHERE list_id = $1 AND version = 2 AND hash = decode($2, 'hex')",
      [id, entry!.hash],
    );
    expect(kept).toEqual({ enabled: false });
  });

  it('never writes a key or the webhook secret to the log', () => {
    expect(secretsInLogs(api())).toEqual([]);
  });
});
