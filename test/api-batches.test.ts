import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStaging } from '../src/intake/staging.js';
import { CSV_COLUMNS } from '../src/pipeline/report.js';
import { listAudit, recordResult, type StoredEntry } from '../src/store/index.js';
import { anyString, errorOf, matchOf, multipart, secretsInLogs, seedList, useApi } from './api-helpers.js';
import { repoRoot } from './shared.js';
import { backends } from './store-backends.js';

const jpeg = readFileSync(join(repoRoot, 'fixtures/images/bridge-256.jpg'));
const other = randomBytes(3000);

describe.each(backends())('API batches on %s', (backend) => {
  const api = useApi(backend);
  let entries: StoredEntry[] = [];

  const submit = (payload: object, role: 'submitter' | 'submitter2' = 'submitter') =>
    api().app.inject({ method: 'POST', url: '/v1/batches', headers: api().auth(role), payload });
  const upload = (parts: Parameters<typeof multipart>[0], app = api().app) => {
    const body = multipart(parts);
    return app.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...api().auth('submitter'), ...body.headers },
      payload: body.payload,
    });
  };
  const batchCount = async () =>
    Number((await api().db.query<{ n: number }>('SELECT count(*) AS n FROM batches'))[0]!.n);

  it('creates a URL batch, showing and logging no credentials or query, and enqueues its items', async () => {
    const res = await submit({
      caseRef: 'CASE-0142',
      items: [
        { url: 'https://agent:hunter2@files.example.org/a.jpg?token=s3cr3t' },
        { url: 'http://example.org/b.png' },
      ],
    });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ id: number; items: Array<{ id: number; seq: number; source: string }> }>();
    expect(body.items.map((i) => [i.seq, i.source])).toEqual([
      [1, 'https://files.example.org/a.jpg?…'],
      [2, 'http://example.org/b.png'],
    ]);
    expect(api().queue.items).toEqual(expect.arrayContaining(body.items.map((i) => i.id)));
    // The worker still gets the URL it must fetch.
    const refs = await api().db.query<{ source_ref: string }>(
      'SELECT source_ref FROM items WHERE batch_id = $1 ORDER BY seq',
      [body.id],
    );
    expect(refs[0]!.source_ref).toBe('https://agent:hunter2@files.example.org/a.jpg?token=s3cr3t');
    expect(api().logs.join('')).not.toMatch(/hunter2|s3cr3t/);
  });

  it('refuses bad URL batches naming the field', async () => {
    const cases: Array<[object, string]> = [
      [{ caseRef: 'C', items: [{ url: 'https://ok.example/1' }, { url: 'ftp://example.org/x' }] }, 'items[1].url'],
      [{ caseRef: 'C', items: [{ url: 'not a url' }] }, 'items[0].url'],
      [{ caseRef: 'C', items: [{ url: `https://example.org/${'a'.repeat(2100)}` }] }, 'items[0].url'],
      [{ caseRef: 'C', items: [] }, 'items'],
      [{ items: [{ url: 'https://example.org/' }] }, 'caseRef'],
      [{ caseRef: 'C', items: [{ url: 'https://example.org/', name: 'x' }] }, 'items[0].name'],
    ];
    for (const [payload, field] of cases) {
      const res = await submit(payload);
      expect([res.statusCode, errorOf(res).code, errorOf(res).field]).toEqual([400, 'invalid_argument', field]);
    }
    const small = await api().build({ TIPHASH_MAX_BATCH_ITEMS: '2' });
    const tooMany = await small.inject({
      method: 'POST',
      url: '/v1/batches',
      headers: api().auth('submitter'),
      payload: { caseRef: 'C', items: [1, 2, 3].map((i) => ({ url: `https://example.org/${i}` })) },
    });
    expect([tooMany.statusCode, errorOf(tooMany).field]).toEqual([400, 'items']);
  });

  it('streams multipart files into staging and creates upload items', async () => {
    const before = (await api().staging.keys()).length;
    const res = await upload([
      { name: 'caseRef', value: 'CASE-7' },
      { name: 'file', value: jpeg, filename: 'C:\\evidence\\bridge.jpg' },
      { name: 'file', value: other, filename: 'noise.bin' },
    ]);
    expect(res.statusCode).toBe(201);
    const body = res.json<{ id: number; items: Array<{ id: number; source: string }> }>();
    expect(body.items.map((i) => i.source)).toEqual(['bridge.jpg', 'noise.bin']);
    expect(res.body).not.toContain(jpeg.subarray(0, 64).toString('latin1'));
    const rows = await api().db.query<{ source_kind: string; source_ref: string }>(
      'SELECT source_kind, source_ref FROM items WHERE batch_id = $1 ORDER BY seq',
      [body.id],
    );
    expect(rows.map((r) => r.source_kind)).toEqual(['upload', 'upload']);
    expect(await api().staging.size(rows[0]!.source_ref)).toBe(jpeg.length);
    expect(await api().staging.size(rows[1]!.source_ref)).toBe(other.length);
    expect((await api().staging.keys()).length).toBe(before + 2);
    expect(api().queue.items).toEqual(expect.arrayContaining(body.items.map((i) => i.id)));
  });

  it('refuses a file over the limit or too many files with 413, removing every file staged', async () => {
    const small = await api().build({ TIPHASH_MAX_UPLOAD_BYTES: '2000', TIPHASH_MAX_BATCH_ITEMS: '2' });
    const staged = await api().staging.keys();
    const batches = await batchCount();
    const over = await upload(
      [
        { name: 'caseRef', value: 'CASE-8' },
        { name: 'file', value: randomBytes(1500), filename: 'fits.bin' },
        { name: 'file', value: randomBytes(2001), filename: 'too-big.bin' },
      ],
      small,
    );
    expect([over.statusCode, errorOf(over).code]).toEqual([413, 'payload_too_large']);
    expect(errorOf(over).message).toContain('2000 bytes');
    const many = await upload(
      [
        { name: 'caseRef', value: 'CASE-9' },
        ...[1, 2, 3].map((i) => ({ name: 'file', value: randomBytes(100), filename: `f${i}.bin` })),
      ],
      small,
    );
    expect([many.statusCode, errorOf(many).message]).toEqual([413, 'Expected at most 2 files in one batch']);
    expect(await api().staging.keys()).toEqual(staged);
    expect(await batchCount()).toBe(batches);
  });

  it('stages uploads encrypted with the real staging store, and leaves nothing behind past the limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tiphash-staging-'));
    try {
      const staging = await openStaging({ dir, key: randomBytes(32), ttlHours: 1 });
      const app = await api().build({ TIPHASH_MAX_UPLOAD_BYTES: String(jpeg.length) }, { staging });
      const ok = await upload(
        [
          { name: 'caseRef', value: 'CASE-E' },
          { name: 'file', value: jpeg, filename: 'bridge.jpg' },
        ],
        app,
      );
      expect(ok.statusCode).toBe(201);
      const [stored] = await readdir(dir);
      const onDisk = await readFile(join(dir, stored!));
      expect(onDisk.includes(jpeg.subarray(0, 64))).toBe(false);
      expect((await staging.get(stored!)).equals(jpeg)).toBe(true);

      const over = await upload(
        [
          { name: 'caseRef', value: 'CASE-E' },
          { name: 'file', value: Buffer.concat([jpeg, jpeg]), filename: 'big.jpg' },
        ],
        app,
      );
      expect([over.statusCode, errorOf(over).code]).toEqual([413, 'payload_too_large']);
      expect(await readdir(dir)).toEqual([stored]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a multipart batch without caseRef, without files or with other fields (400), staging nothing', async () => {
    const staged = await api().staging.keys();
    const cases: Array<[Parameters<typeof multipart>[0], string]> = [
      [[{ name: 'file', value: other, filename: 'a.bin' }], 'caseRef'],
      [[{ name: 'caseRef', value: 'C' }], 'file'],
      [
        [
          { name: 'caseRef', value: 'C' },
          { name: 'attachment', value: other, filename: 'a.bin' },
        ],
        'attachment',
      ],
      [
        [
          { name: 'caseRef', value: 'C\u0000' },
          { name: 'file', value: other, filename: 'a.bin' },
        ],
        'caseRef',
      ],
    ];
    for (const [parts, field] of cases) {
      const res = await upload(parts);
      expect([res.statusCode, errorOf(res).field]).toEqual([400, field]);
    }
    expect(await api().staging.keys()).toEqual(staged);
  });

  it('still answers 201 when the queue is down, leaving the items queued for the reconciler', async () => {
    api().queue.failing = true;
    try {
      const res = await submit({ caseRef: 'C-down', items: [{ url: 'https://example.org/1' }] });
      expect(res.statusCode).toBe(201);
      const id = res.json<{ id: number }>().id;
      const status = await api().app.inject({ url: `/v1/batches/${id}`, headers: api().auth('submitter') });
      expect(status.json()).toMatchObject({ status: 'running', counts: { queued: 1 } });
      expect(api().logs.some((l) => l.includes('"level":40') && l.includes('reconciler'))).toBe(true);
    } finally {
      api().queue.failing = false;
    }
  });

  async function batchWithResults(): Promise<{ id: number; itemIds: number[] }> {
    if (entries.length === 0) entries = await seedList(api().db, 4);
    const res = await submit({
      caseRef: 'CASE-R',
      items: ['a', 'b', 'c', 'd'].map((n) => ({ url: `https://example.org/${n}.jpg` })),
    });
    const { id, items } = res.json<{ id: number; items: Array<{ id: number }> }>();
    const itemIds = items.map((i) => i.id);
    const digests = {
      md5: 'a'.repeat(32),
      sha1: 'b'.repeat(40),
      sha256: 'c'.repeat(64),
      size: 1234,
      mediaType: 'image/jpeg',
    };
    await recordResult(api().db, itemIds[0]!, {
      status: 'matched',
      ...digests,
      hashes: [],
      matches: [matchOf(entries[0]!, 3, 91), matchOf(entries[1]!, 20, 40)],
    });
    await recordResult(api().db, itemIds[1]!, { status: 'no_match', ...digests, hashes: [], matches: [] });
    await recordResult(api().db, itemIds[2]!, {
      status: 'failed',
      hashes: [],
      matches: [],
      error: { code: 'http_status', message: 'The server answered 404, "quoted"' },
    });
    return { id, itemIds };
  }

  it('reports status and counts, to the submitter who owns the batch and to analysts only', async () => {
    const { id } = await batchWithResults();
    const read = (role: 'submitter' | 'submitter2' | 'intake' | 'analyst' | 'admin') =>
      api().app.inject({ url: `/v1/batches/${id}`, headers: api().auth(role) });
    const own = await read('submitter');
    expect(own.json()).toEqual({
      id,
      caseRef: 'CASE-R',
      kind: 'investigator',
      tipId: null,
      receivedAt: anyString,
      createdAt: anyString,
      items: 4,
      status: 'running',
      counts: { queued: 1, processing: 0, matched: 1, noMatch: 1, failed: 1 },
    });
    expect((await read('analyst')).statusCode).toBe(200);
    expect((await read('admin')).statusCode).toBe(200);
    for (const stranger of ['submitter2', 'intake'] as const) {
      const res = await read(stranger);
      expect([res.statusCode, errorOf(res).code]).toEqual([404, 'not_found']);
      const results = await api().app.inject({ url: `/v1/batches/${id}/results`, headers: api().auth(stranger) });
      expect(results.statusCode).toBe(404);
    }
    const missing = await api().app.inject({ url: '/v1/batches/999999999', headers: api().auth('analyst') });
    expect([missing.statusCode, errorOf(missing).code]).toEqual([404, 'not_found']);
  });

  it('serves results as JSON, NDJSON and CSV by Accept, with the scan report fields, and audits each read', async () => {
    const { id, itemIds } = await batchWithResults();
    const get = (accept?: string, query = '') =>
      api().app.inject({
        url: `/v1/batches/${id}/results${query}`,
        headers: { ...api().auth('submitter'), ...(accept ? { accept } : {}) },
      });

    const json = await get();
    expect(json.headers['content-type']).toBe('application/json');
    const { batchId, items } = json.json<{ batchId: number; items: Array<Record<string, unknown>> }>();
    expect(batchId).toBe(id);
    expect(items[0]).toEqual({
      id: itemIds[0],
      seq: 1,
      status: 'matched',
      source: 'https://example.org/a.jpg',
      verdict: 'matched',
      size: 1234,
      mediaType: 'image/jpeg',
      md5: 'a'.repeat(32),
      sha1: 'b'.repeat(40),
      sha256: 'c'.repeat(64),
      matches: [
        expect.objectContaining({
          list: expect.stringMatching(/^seed-/) as string,
          entryId: 'E-0',
          entryKey: entries[0]!.id,
          listVersion: 1,
          algorithm: 'pdq',
          distance: 3,
          threshold: 31,
          score: 91,
          category: 'a',
          quality: 90,
          lowConfidence: false,
          via: 'pdq',
        }),
        expect.objectContaining({ entryId: 'E-1', distance: 20 }),
      ],
    });
    expect(items.map((i) => [i.status, i.verdict, (i.error as { code?: string } | undefined)?.code])).toEqual([
      ['matched', 'matched', undefined],
      ['no_match', 'no_match', undefined],
      ['failed', 'failed', 'http_status'],
      ['queued', null, undefined],
    ]);

    const ndjson = await get('application/x-ndjson');
    expect(ndjson.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = ndjson.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual(items);

    const csv = await get('text/html;q=0.9, text/csv;q=1, application/json;q=0.5');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = csv.body.trimEnd().split('\n');
    expect(rows[0]).toBe(['item_id', 'seq', 'status', ...CSV_COLUMNS].join(','));
    // One row per match, one for each item without: 2 + 1 + 1 + 1.
    expect(rows).toHaveLength(6);
    expect(rows[1]).toMatch(
      new RegExp(
        `^${itemIds[0]},1,matched,https://example.org/a.jpg,1234,image/jpeg,a{32},b{40},c{64},matched,seed-[0-9a-f]+,E-0,pdq,3,31,91,a,90,false,pdq,,,,,$`,
      ),
    );
    expect(rows[4]).toBe(
      `${itemIds[2]},3,failed,https://example.org/c.jpg,,,,,,failed,,,,,,,,,,,,,,http_status,"The server answered 404, ""quoted"""`,
    );
    expect(rows[5]).toBe(`${itemIds[3]},4,queued,https://example.org/d.jpg,,,,,,,,,,,,,,,,,,,,,`);

    expect((await get('text/csv', '?format=ndjson')).headers['content-type']).toContain('application/x-ndjson');
    expect((await get('image/png')).headers['content-type']).toBe('application/json');

    const reads = (await listAudit(api().db, { limit: 10_000 })).filter(
      (r) => r.action === 'results.read' && r.target === `batch:${id}`,
    );
    expect(reads.map((r) => r.details.format)).toEqual(['json', 'ndjson', 'csv', 'ndjson', 'json']);
    expect(new Set(reads.map((r) => r.actor))).toEqual(new Set([api().keys.submitter.name]));
  });

  it('streams results of a batch larger than one page, in submission order', async () => {
    const n = 1_234;
    const res = await submit({
      caseRef: 'BIG',
      items: Array.from({ length: n }, (_, i) => ({ url: `https://example.org/${i}.jpg` })),
    });
    const id = res.json<{ id: number }>().id;
    const ndjson = await api().app.inject({
      url: `/v1/batches/${id}/results`,
      headers: { ...api().auth('analyst'), accept: 'application/x-ndjson' },
    });
    const seqs = ndjson.body
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const json = await api().app.inject({ url: `/v1/batches/${id}/results`, headers: api().auth('analyst') });
    expect(json.json<{ items: unknown[] }>().items).toHaveLength(n);
  });

  it('never writes a key, the webhook secret or uploaded bytes to the log', () => {
    expect(secretsInLogs(api())).toEqual([]);
    expect(api().logs.join('')).not.toContain(jpeg.subarray(0, 64).toString('latin1'));
  });
});
