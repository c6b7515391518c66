/**
 * Videos through the service, as through `tiphash scan`: an uploaded MP4 (its index at the end,
 * so it is spooled for ffmpeg to seek in) and a video by URL are hashed frame by frame, matched
 * against a vPDQ list imported from Meta's sample hashes, and recorded with their frame hashes
 * and the match's frame shares and time ranges; a broken video fails with its digests kept.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadListFile } from '../src/lists/read.js';
import { videoSpool } from '../src/service/workers.js';
import { createBatch, createList, importListVersion } from '../src/store/index.js';
import { serveFiles, shapes, useService, waitFor, waitForBatch, type FileServer } from './service-helpers.js';
import { threatexchange } from './shared.js';
import { asyncOf } from './store-backends.js';
import { sampleVideo } from './video-support.js';

describe.each(shapes())('videos through the service, %s shape', (shape) => {
  const svc = useService(shape);
  let files: FileServer;
  let tmp: string;
  let moovLast: Buffer;
  let pattern: Buffer;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'tiphash-svc-video-'));
    // ffmpeg's MP4 muxer puts the index after the media unless asked for faststart.
    const remuxed = join(tmp, 'chair-19-moov-last.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-i', sampleVideo('chair-19-sd-bar'), '-c', 'copy', remuxed]);
    moovLast = await readFile(remuxed);
    pattern = await readFile(sampleVideo('pattern-hd-no-bar'));
    const { service } = svc();
    const list = await createList(service.db, {
      name: 'videos',
      source: 'sample hashes',
      kind: 'block',
      createdBy: 'test',
    });
    const loaded = await loadListFile(threatexchange('vpdq/sample-hashes/chair-20-sd-bar.txt'));
    const { version } = await importListVersion(service.db, {
      listId: list.id,
      importedBy: 'test',
      format: loaded.format,
      records: asyncOf(loaded.entries),
    });
    await waitFor('the video list in the live matcher', () =>
      service.matcher?.status().lists.some((l) => l.id === list.id && l.version === version) ? true : undefined,
    );
    files = await serveFiles({ '/pattern.mp4': { body: pattern } });
  });
  afterAll(async () => {
    await files?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('matches an uploaded video, records its frames and the share of frames matched, and wipes the spool', async () => {
    const { service, dataDir } = svc();
    const stage = async (body: Buffer) => (await service.staging.put(Readable.from([body]), 64 << 20)).key;
    const batch = await createBatch(service.db, {
      submitterName: 'test',
      kind: 'investigator',
      receivedAt: new Date(),
      items: [
        { sourceKind: 'upload', sourceLabel: 'chair.mp4', sourceRef: await stage(moovLast) },
        { sourceKind: 'url', sourceLabel: 'pattern.mp4', sourceRef: `${files.url}/pattern.mp4` },
        { sourceKind: 'upload', sourceLabel: 'cut.mp4', sourceRef: await stage(moovLast.subarray(0, 40_000)) },
      ],
    });
    await service.queue.enqueue(
      'item',
      batch.items.map((i) => ({ itemId: i.id })),
    );
    const rows = await waitForBatch(service.db, batch.batchId, 120_000);
    expect(rows.map((r) => r.status)).toEqual(['matched', 'no_match', 'failed']);
    expect(rows[2]!.error_code).toMatch(/^video_(corrupt|unreadable)|^corrupt|^truncated/);

    const [chair, , cut] = rows;
    const [item] = await service.db.query<{ media_type: string; width: number; height: number; md5: string | null }>(
      "SELECT media_type, width, height, encode(md5, 'hex') AS md5 FROM items WHERE id = $1",
      [chair!.id],
    );
    expect(item).toEqual({
      media_type: 'video/mp4',
      width: 480,
      height: 720,
      md5: expect.stringMatching(/^[0-9a-f]{32}$/) as string,
    });
    const frames = await service.db.query<{ variant: string; frame_ts: number }>(
      "SELECT variant, frame_ts FROM item_hashes WHERE item_id = $1 AND algorithm = 'vpdq' AND variant LIKE 'f%' ORDER BY frame_ts",
      [chair!.id],
    );
    // One frame a second (the default) of an 18.8 s video.
    expect(frames.length).toBeGreaterThanOrEqual(18);
    expect(frames.slice(0, 2)).toEqual([
      { variant: 'f0', frame_ts: 0 },
      { variant: 'f30', frame_ts: 1 },
    ]);
    const [match] = await service.db.query<{
      algorithm: string;
      via: string;
      frames: { queryPct: number; comparedPct: number; ranges: number[][]; duration: number; frameCount: number };
    }>('SELECT algorithm, via, frames FROM matches WHERE item_id = $1', [chair!.id]);
    expect(match).toMatchObject({ algorithm: 'vpdq', via: 'vpdq' });
    expect(match!.frames.queryPct).toBeGreaterThanOrEqual(80);
    expect(match!.frames.comparedPct).toBeGreaterThan(0);
    expect(match!.frames.ranges[0]![0]).toBe(0);
    // What the review page's timeline draws the ranges against: the video's length and frames.
    expect(match!.frames).toMatchObject({
      duration: expect.closeTo(18.8, 0) as number,
      frameCount: expect.any(Number) as number,
    });

    // The broken upload keeps its digests (a video-MD5 list could still know it).
    const [broken] = await service.db.query<{ md5: string | null; size: number }>(
      "SELECT encode(md5, 'hex') AS md5, size FROM items WHERE id = $1",
      [cut!.id],
    );
    expect(broken).toEqual({ md5: expect.stringMatching(/^[0-9a-f]{32}$/) as string, size: 40_000 });

    // Decrypted bytes spooled for ffmpeg are gone, as are the staged uploads.
    const spool = join(dataDir, 'video-spool');
    expect(await readdir(spool)).toEqual([]);
    expect(await readdir(join(dataDir, 'staging')).catch(() => [])).toEqual([]);
  });
});

describe('the video spool', () => {
  it('is private to the worker and its sweep removes only what is older than any video job', async () => {
    const data = await mkdtemp(join(tmpdir(), 'tiphash-spool-'));
    try {
      const { dir } = await videoSpool(data, 60_000);
      expect(dir).toBe(join(data, 'video-spool'));
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      const now = Date.now();
      await mkdir(join(dir, 'tiphash-video-crashed'));
      await mkdir(join(dir, 'tiphash-video-running'));
      const old = new Date(now - 10 * 60_000);
      await utimes(join(dir, 'tiphash-video-crashed'), old, old);
      expect((await videoSpool(data, 60_000, now)).removed).toBe(1);
      expect(await readdir(dir)).toEqual(['tiphash-video-running']);
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});
