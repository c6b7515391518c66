/**
 * Bars: PDQ has no crop robustness, so a letterboxed or pillarboxed copy of a clip shares
 * almost no frames with it (Meta's SD and HD `chair-orig` clips match 0% in the sample
 * hashes). tiphash finds a video's bars and also hashes the frames inside them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashVideo, type VideoHashResult } from '../src/hashing/video/index.js';
import { loadListFile } from '../src/lists/read.js';
import { createHammingIndex } from '../src/matching/create-index.js';
import { vpdqCompare } from '../src/matching/vpdq.js';
import { VideoMatcher } from '../src/matching/vpdq-matcher.js';
import { threatexchange } from './shared.js';
import { ffmpegMake, sampleHashes, sampleVideo } from './video-support.js';

describe("Meta's SD (pillarboxed) and HD chair-orig clips", () => {
  let sd: VideoHashResult;
  beforeAll(async () => {
    sd = await hashVideo({ path: sampleVideo('chair-orig-22-sd-bar') });
  });

  it('finds the 32-pixel pillars of the SD clip', () => {
    expect(sd.bars).toEqual({ top: 0, bottom: 0, left: 32, right: 32 });
    expect(sd.framesTrimmed).toHaveLength(sd.frames.length);
  });

  it.each(['chair-orig-22-hd-no-bar', 'chair-orig-22-fhd-no-bar'])(
    'matches the %s reference hashes through the trimmed frames only',
    (hd) => {
      const reference = sampleHashes(hd);
      expect(vpdqCompare(sd.frames, reference).queryPct).toBe(0);
      expect(vpdqCompare(sd.framesTrimmed!, reference).queryPct).toBe(100);
    },
  );

  it('reports the trimmed match through the video matcher, with the time it covers', async () => {
    const list = await loadListFile(threatexchange('vpdq/sample-hashes/chair-orig-22-hd-no-bar.txt'));
    expect(list.format).toBe('vpdq');
    const matcher = new VideoMatcher(
      [{ name: 'hd', kind: 'block', dihedral: false, thresholds: {}, entries: list.entries }],
      () => createHammingIndex({ impl: 'ts' }),
    );
    const { matches } = matcher.match(sd);
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({
      entryId: 'chair-orig-22-hd-no-bar',
      via: 'vpdqTrimmed',
      queryPct: 100,
      ranges: [[0, 22]],
    });
  });
});

describe('letterboxed and pillarboxed copies made here', () => {
  let dir: string;
  let original: VideoHashResult;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tiphash-bars-'));
    // 3 s of the 720x1280 pattern clip, re-encoded with black bars.
    const src = sampleVideo('pattern-hd-no-bar');
    const encode = ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '16', '-an'];
    ffmpegMake(['-t', '3', '-i', src, '-vf', 'pad=720:1600:0:160:black', ...encode, join(dir, 'letterbox.mp4')]);
    ffmpegMake(['-t', '3', '-i', src, '-vf', 'pad=1200:1280:240:0:black', ...encode, join(dir, 'pillarbox.mp4')]);
    original = await hashVideo({ path: src }, { mode: 'every', bars: false });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['letterbox', { top: 160, bottom: 160, left: 0, right: 0 }],
    ['pillarbox', { top: 0, bottom: 0, left: 240, right: 240 }],
  ] as const)('finds the %s bars and the trimmed frames match the original clip', async (name, bars) => {
    const copy = await hashVideo({ path: join(dir, `${name}.mp4`) }, { mode: 'every' });
    expect(copy.bars).toEqual(bars);
    const trimmed = vpdqCompare(copy.framesTrimmed!, original.frames);
    const full = vpdqCompare(copy.frames, original.frames);
    expect(trimmed.queryPct).toBeGreaterThanOrEqual(80);
    expect(full.queryPct).toBeLessThan(trimmed.queryPct);
  });
});
