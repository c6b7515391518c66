/** Animated GIF and WebP are hashed as videos (frames from sharp), and match the clip they came from. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashImage } from '../src/hashing/index.js';
import { hashVideo } from '../src/hashing/video/index.js';
import { vpdqCompare } from '../src/matching/vpdq.js';
import { ffmpegMake, sampleHashes, sampleVideo } from './video-support.js';

let dir: string;
const clip = 'pattern-sd-grey-bar';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tiphash-animated-'));
  const vf = ['-vf', 'fps=5,scale=240:-2'];
  ffmpegMake(['-t', '2', '-i', sampleVideo(clip), ...vf, join(dir, 'clip.gif')]);
  ffmpegMake([
    '-t',
    '2',
    '-i',
    sampleVideo(clip),
    ...vf,
    '-c:v',
    'libwebp_anim',
    '-lossless',
    '1',
    '-loop',
    '0',
    join(dir, 'clip.webp'),
  ]);
  ffmpegMake(['-i', sampleVideo(clip), '-frames:v', '1', '-vf', 'scale=240:-2', join(dir, 'still.gif')]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('animated pictures as videos', () => {
  it.each(['gif', 'webp'])('hashes every frame of an animated %s, stamped by its frame delays', async (ext) => {
    const r = await hashVideo({ path: join(dir, `clip.${ext}`) }, { mode: 'every' });
    expect(r.mediaType).toBe(`image/${ext}`);
    expect(r.frames.map((f) => f.frame)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.frames.map((f) => f.ts)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8]);
    expect([r.width, r.height, r.fps, r.durationSec]).toEqual([240, 360, 5, 2]);
    // The clip's reference frames (bars included, as in the animation) are found: PDQ does not
    // mind the smaller size.
    expect(vpdqCompare(r.frames, sampleHashes(clip)).queryPct).toBeGreaterThanOrEqual(80);
  });

  it('samples one frame a second in fps1 mode', async () => {
    const r = await hashVideo({ path: join(dir, 'clip.webp') });
    expect(r.frames.map((f) => [f.frame, f.ts])).toEqual([
      [0, 0],
      [5, 1],
    ]);
  });

  it('gives frame 0 the hash the still-image path gives the picture', async () => {
    const file = join(dir, 'clip.gif');
    const still = await hashImage(file, { exact: true });
    const video = await hashVideo({ bytes: await readFile(file) }, { mode: 'every', exact: true, bars: false });
    expect(video.frames[0]!.pdq).toBe(still.hashes.pdq);
    expect(video.frames[0]!.quality).toBe(still.hashes.pdqQuality);
  });

  it('treats a single-frame GIF as a one-frame video', async () => {
    const r = await hashVideo({ path: join(dir, 'still.gif') }, { mode: 'every' });
    expect(r.frames).toHaveLength(1);
  });

  it('refuses an animation over the frame limit', async () => {
    await expect(hashVideo({ path: join(dir, 'clip.gif') }, { limits: { maxFrames: 5 } })).rejects.toMatchObject({
      code: 'too_many_frames',
    });
  });
});
