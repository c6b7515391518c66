import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { hashImage } from '../src/hashing/index.js';
import { DEFAULT_DECODE_LIMITS } from '../src/media/decode.js';
import { itemHandler } from '../src/pipeline/service-item.js';
import type { JobContext } from '../src/queue/index.js';
import { startService } from '../src/service/index.js';
import { createBatch, createList, importListVersion, type NewItem } from '../src/store/index.js';
import {
  quietLogger,
  serveFiles,
  shapes,
  useService,
  waitFor,
  waitForBatch,
  type FileServer,
} from './service-helpers.js';
import { repoRoot } from './shared.js';
import { asyncOf } from './store-backends.js';

const BRIDGE = join(repoRoot, 'fixtures/images/bridge-256.jpg');

describe.each(shapes())('the item job, %s shape', (shape) => {
  const svc = useService(shape, { TIPHASH_JOB_ATTEMPTS: '2' });
  let files: FileServer;
  let bridge: Buffer;
  let listId: number;
  let version: number;
  const tipSha256 = randomBytes(32).toString('hex');

  beforeAll(async () => {
    bridge = await readFile(BRIDGE);
    const h = await hashImage(bridge);
    const { service } = svc();
    const list = await createList(service.db, {
      name: 'bridge',
      source: 'test fixtures',
      kind: 'block',
      createdBy: 'test',
    });
    listId = list.id;
    version = (
      await importListVersion(service.db, {
        listId,
        importedBy: 'test',
        format: 'tiphash-csv',
        records: asyncOf([
          { algorithm: 'pdq' as const, hash: h.hashes.pdq, category: 'demo', id: 'bridge-pdq', line: 2 },
          { algorithm: 'md5' as const, hash: h.digests.md5, category: 'demo', id: 'bridge-md5', line: 3 },
          { algorithm: 'sha256' as const, hash: tipSha256, category: 'demo', id: 'tip-sha256', line: 4 },
        ]),
      })
    ).version;
    await waitFor('the list in the live matcher', () =>
      service.matcher?.status().lists.some((l) => l.id === listId && l.version === version) ? true : undefined,
    );
    files = await serveFiles({
      '/bridge.jpg': { body: bridge },
      '/gone': { status: 404, body: 'gone' },
      '/busy': { status: 503, body: 'try later' },
    });
  });
  afterAll(() => files?.close());

  const submit = async (items: NewItem[], enqueue = true) => {
    const { service } = svc();
    const batch = await createBatch(service.db, {
      submitterName: 'test',
      kind: 'investigator',
      receivedAt: new Date(),
      items,
    });
    if (enqueue)
      await service.queue.enqueue(
        'item',
        batch.items.map((i) => ({ itemId: i.id })),
      );
    return batch;
  };
  const stage = async (body: Buffer) => (await svc().service.staging.put(Readable.from([body]), 1 << 20)).key;

  it('is ready with the database, the queue and the index', async () => {
    const r = await svc().service.ready();
    expect(r).toMatchObject({ ready: true, checks: { db: 'ok', queue: 'ok' } });
    expect(r.checks.index).toMatch(/^ok \(1 lists, 3 entries\)$/);
  });

  it('takes URL, upload and digest items to one terminal state each, with hashes, matches and codes', async () => {
    const { service } = svc();
    const upload = await stage(bridge);
    const text = await stage(Buffer.from('a text file, not a picture'));
    const vanished = await stage(bridge);
    await service.staging.remove(vanished);
    const batch = await submit([
      { sourceKind: 'url', sourceLabel: 'bridge.jpg', sourceRef: `${files.url}/bridge.jpg` },
      { sourceKind: 'upload', sourceLabel: 'bridge-upload.jpg', sourceRef: upload },
      { sourceKind: 'digest', sourceLabel: 'tip file 1', sha256: tipSha256 },
      { sourceKind: 'digest', sourceLabel: 'tip file 2', md5: randomBytes(16).toString('hex') },
      { sourceKind: 'url', sourceLabel: 'gone', sourceRef: `${files.url}/gone` },
      { sourceKind: 'url', sourceLabel: 'busy', sourceRef: `${files.url}/busy` },
      { sourceKind: 'upload', sourceLabel: 'notes.jpg', sourceRef: text },
      { sourceKind: 'upload', sourceLabel: 'vanished.jpg', sourceRef: vanished },
    ]);
    const rows = await waitForBatch(service.db, batch.batchId);
    expect(rows.map((r) => [r.status, r.error_code])).toEqual([
      ['matched', null],
      ['matched', null],
      ['matched', null],
      ['no_match', null],
      ['failed', 'http_status'],
      ['failed', 'http_status'],
      ['failed', 'unsupported_type'],
      ['failed', 'staging_missing'],
    ]);
    // A 404 is permanent (one try); a 503 is retried until the attempts (2) run out.
    expect(rows[4]!.attempts).toBe(1);
    expect(rows[5]!.attempts).toBe(2);
    expect(files.hits.get('/busy')).toBe(2);

    const [url] = await service.db.query<Record<string, unknown>>(
      `SELECT size, media_type, width, height, encode(sha256, 'hex') AS sha256, source_ref FROM items WHERE id = $1`,
      [rows[0]!.id],
    );
    expect(url).toMatchObject({
      size: bridge.length,
      media_type: 'image/jpeg',
      width: 256,
      height: 256,
      source_ref: null,
    });
    const variants = (
      await service.db.query<{ variant: string }>(
        'SELECT variant FROM item_hashes WHERE item_id = $1 ORDER BY variant',
        [rows[0]!.id],
      )
    ).map((r) => r.variant);
    expect(variants).toEqual(
      expect.arrayContaining(['pdq', 'blockhash', 'rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flipp', 'flipm']),
    );
    const matches = await service.db.query<{
      item_id: number;
      algorithm: string;
      list_id: number;
      list_version: number;
      external_id: string;
      distance: number;
    }>(
      `SELECT m.item_id, m.algorithm, m.list_id, m.list_version, e.external_id, m.distance
       FROM matches m JOIN hash_entries e ON e.list_id = m.list_id AND e.version = m.list_version AND e.id = m.entry_id
       WHERE m.item_id = ANY($1::bigint[]) ORDER BY m.item_id, m.algorithm`,
      [rows.slice(0, 3).map((r) => r.id)],
    );
    expect(matches.map((m) => [m.item_id, m.algorithm, m.external_id, m.list_id, m.list_version])).toEqual([
      [rows[0]!.id, 'md5', 'bridge-md5', listId, version],
      [rows[0]!.id, 'pdq', 'bridge-pdq', listId, version],
      [rows[1]!.id, 'md5', 'bridge-md5', listId, version],
      [rows[1]!.id, 'pdq', 'bridge-pdq', listId, version],
      [rows[2]!.id, 'sha256', 'tip-sha256', listId, version],
    ]);
    // Staged uploads are deleted once their item is terminal, whatever the outcome.
    for (const key of [upload, text])
      await expect(service.staging.get(key)).rejects.toMatchObject({ code: 'staging_missing' });
    const [open] = await service.db.query<{ n: number }>(
      'SELECT count(*) AS n FROM items WHERE batch_id = $1 AND source_ref IS NOT NULL',
      [batch.batchId],
    );
    expect(open!.n).toBe(0);
  });

  it('is idempotent: the same job run twice at once, again, and re-enqueued records one set of matches', async () => {
    const { service, config } = svc();
    const batch = await submit(
      [{ sourceKind: 'url', sourceLabel: 'bridge.jpg', sourceRef: `${files.url}/bridge.jpg` }],
      false,
    );
    const itemId = batch.items[0]!.id;
    const handler = itemHandler({
      db: service.db,
      staging: service.staging,
      matcher: () => service.matcher!.matcher(),
      limits: DEFAULT_DECODE_LIMITS,
      video: {},
      fetch: config.fetch,
      maxStarts: 10,
    });
    const ctx: JobContext = {
      jobId: `item-${itemId}`,
      attempt: 1,
      lastAttempt: true,
      signal: new AbortController().signal,
      logger: quietLogger(),
    };
    await Promise.all([handler({ itemId }, ctx), handler({ itemId }, ctx)]);
    await handler({ itemId }, ctx);
    await service.queue.enqueue('item', [{ itemId }, { itemId }]);
    await waitFor('the queue to be idle', async () => {
      const d = await service.queue.depth();
      return d.waiting + d.active + d.delayed === 0 ? true : undefined;
    });
    const [row] = await service.db.query<{ status: string; n: number }>(
      'SELECT status, (SELECT count(*) FROM matches WHERE item_id = items.id) AS n FROM items WHERE id = $1',
      [itemId],
    );
    expect(row).toEqual({ status: 'matched', n: 2 });
  });

  it('reconciles items the queue never had (a lost job) and gives up on an item that keeps crashing workers', async () => {
    const { service } = svc();
    const lost = await submit(
      Array.from({ length: 3 }, () => ({
        sourceKind: 'url' as const,
        sourceLabel: 'bridge.jpg',
        sourceRef: `${files.url}/bridge.jpg`,
      })),
      false,
    );
    const crashing = await submit(
      [{ sourceKind: 'url', sourceLabel: 'bridge.jpg', sourceRef: `${files.url}/bridge.jpg` }],
      false,
    );
    // As if 4 workers (maxStarts for 2 attempts) had died holding it.
    await service.db.query(`UPDATE items SET status = 'processing', attempts = 4 WHERE id = $1`, [
      crashing.items[0]!.id,
    ]);
    expect(await service.reconcile(0)).toBeGreaterThanOrEqual(4);
    const rows = await waitForBatch(service.db, lost.batchId);
    expect(rows.map((r) => r.status)).toEqual(['matched', 'matched', 'matched']);
    const [gaveUp] = await waitForBatch(service.db, crashing.batchId);
    expect(gaveUp).toMatchObject({ status: 'failed', error_code: 'processing_interrupted', attempts: 5 });
  });
});

describe.each(shapes())('metrics, %s shape', (shape) => {
  const svc = useService(shape);

  it('exports items by status, matches, queue depth, index size and job latency', async () => {
    const { service } = svc();
    const files = await serveFiles({ '/bridge.jpg': { body: await readFile(BRIDGE) } });
    try {
      const list = await createList(service.db, { name: 'm', source: 'test', kind: 'block', createdBy: 'test' });
      const h = await hashImage(BRIDGE);
      await importListVersion(service.db, {
        listId: list.id,
        importedBy: 'test',
        format: 'tiphash-csv',
        records: asyncOf([{ algorithm: 'md5' as const, hash: h.digests.md5, category: null, id: 'm', line: 2 }]),
      });
      await waitFor('the list', () =>
        service.matcher?.status().lists.some((l) => l.id === list.id) ? true : undefined,
      );
      const batch = await createBatch(service.db, {
        submitterName: 'test',
        kind: 'investigator',
        receivedAt: new Date(),
        items: [{ sourceKind: 'url', sourceLabel: 'bridge.jpg', sourceRef: `${files.url}/bridge.jpg` }],
      });
      await service.queue.enqueue('item', [{ itemId: batch.items[0]!.id }]);
      await waitForBatch(service.db, batch.batchId);
      const res = await fetch(`${service.url}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/^tiphash_items\{status="matched"\} 1$/m);
      expect(text).toMatch(/^tiphash_items\{status="queued"\} 0$/m);
      expect(text).toMatch(new RegExp(`^tiphash_matches\\{list_id="${list.id}",algorithm="md5"\\} 1$`, 'm'));
      expect(text).toMatch(/^tiphash_queue_jobs\{state="waiting"\} 0$/m);
      expect(text).toMatch(/^tiphash_index_entries\{algorithm="md5"\} 1$/m);
      expect(text).toMatch(/^tiphash_job_duration_seconds_count\{job="item",outcome="completed"\} 1$/m);
      expect(text).toMatch(/^tiphash_metrics_source_up\{source="items"\} 1$/m);
    } finally {
      await files.close();
    }
  });
});

describe('service shapes', () => {
  it('refuses an api or worker role without Redis, and a worker without Postgres, with a clear message', async () => {
    const logger = quietLogger();
    await expect(startService({ role: 'api', config: loadConfig({}), logger })).rejects.toThrow(
      /needs the distributed shape: set REDIS_URL/,
    );
    await expect(startService({ role: 'worker', config: loadConfig({}), logger })).rejects.toThrow(
      /needs the distributed shape/,
    );
    await expect(
      startService({
        role: 'worker',
        config: loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', TIPHASH_STAGING_KEY: 'ab'.repeat(32) }),
        logger,
      }),
    ).rejects.toThrow(/set DATABASE_URL/);
  });
});
