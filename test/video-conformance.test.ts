/**
 * vPDQ conformance on Meta's sample videos (../shared/fixtures/threatexchange): frame hashes
 * against the every-frame reference hashes, and match percentages and verdicts against
 * ../shared/fixtures/expected/vpdq-verdicts.csv, first from the reference hashes (must be
 * exact: same inputs) then from tiphash's own every-frame hashes of the videos. The 14 videos
 * are hashed once, every frame, two at a time (~5 900 frames).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hamming } from '../src/hashing/test-support.js';
import { hashVideo, type VideoFrameHash } from '../src/hashing/video/index.js';
import { VideoMatcher } from '../src/matching/vpdq-matcher.js';
import { createHammingIndex } from '../src/matching/create-index.js';
import { vpdqCompare, vpdqVerdict } from '../src/matching/vpdq.js';
import { videoItems } from '../src/lists/vpdq.js';
import type { ListEntry } from '../src/core/match.js';
import { mapLimit, sampleHashes, sampleVideo, sampleVideoNames, verdictRows } from './video-support.js';

const names = sampleVideoNames();
const own = new Map<string, VideoFrameHash[]>();
const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

beforeAll(async () => {
  const hashed = await mapLimit(names, 2, (n) => hashVideo({ path: sampleVideo(n) }, { mode: 'every', bars: false }));
  names.forEach((n, i) => own.set(n, hashed[i]!.frames));
}, 300_000);

describe('every-frame hashes against the reference', () => {
  it('has the 14 sample videos and their verdict table', () => {
    expect(names).toHaveLength(14);
    expect(verdictRows()).toHaveLength(196);
  });

  it('gives the same frames, indexes and timestamps, and ≥ 95% of frames within 8 bits, per video', () => {
    let total = 0;
    let within8 = 0;
    let exact = 0;
    for (const n of names) {
      const ref = sampleHashes(n);
      const mine = own.get(n)!;
      expect(mine.map((f) => [f.frame, f.ts])).toEqual(ref.map((f) => [f.index, f.ts]));
      const near = mine.filter((f, i) => hamming(f.pdq, ref[i]!.pdq) <= 8).length;
      expect(near / ref.length, n).toBeGreaterThanOrEqual(0.95);
      total += ref.length;
      within8 += near;
      exact += mine.filter((f, i) => f.pdq === ref[i]!.pdq).length;
    }
    expect(within8 / total).toBeGreaterThanOrEqual(0.99);
    // The default mode converts YUV as the reference did: most frames are bit-identical.
    expect(exact / total).toBeGreaterThanOrEqual(0.9);
  });

  it.each(['doorknob-hd-no-bar', 'pattern-sd-grey-bar'])('is bit-exact in exact mode: %s', async (n) => {
    const { frames } = await hashVideo({ path: sampleVideo(n) }, { mode: 'every', exact: true, bars: false });
    expect(frames.map((f) => `${f.frame},${f.quality},${f.pdq}`)).toEqual(
      sampleHashes(n).map((f) => `${f.index},${f.quality},${f.pdq}`),
    );
  });

  it('samples one frame a second as vPDQ does (frame numbers divisible by int(fps))', async () => {
    const n = 'chair-19-sd-bar';
    const { frames } = await hashVideo({ path: sampleVideo(n) }, { mode: 'fps1', bars: false });
    const ref = sampleHashes(n).filter((f) => f.index % 30 === 0);
    expect(frames.map((f) => [f.frame, f.ts])).toEqual(ref.map((f) => [f.index, f.ts]));
    expect(frames.map((f) => f.pdq)).toEqual(frames.map((f) => own.get(n)![f.frame]!.pdq));
  });

  it('hashes keyframes only, stamped with their own index and time', async () => {
    const n = 'pattern-hd-no-bar';
    const { frames } = await hashVideo({ path: sampleVideo(n) }, { mode: 'keyframes', bars: false });
    // Keyframes every 2 s at 30 fps.
    expect(frames.map((f) => f.frame)).toEqual([0, 60, 120, 180]);
    expect(frames.map((f) => f.ts)).toEqual([0, 2, 4, 6]);
    expect(frames.map((f) => f.pdq)).toEqual(frames.map((f) => own.get(n)![f.frame]!.pdq));
  });
});

describe('verdicts against vpdq-verdicts.csv', () => {
  const rows = verdictRows();

  it('reproduces every percentage and verdict exactly from the reference hashes', () => {
    const ref = new Map(names.map((n) => [n, sampleHashes(n)]));
    for (const r of rows) {
      const p = vpdqCompare(ref.get(r.query)!, ref.get(r.compared)!);
      expect([round1(p.queryPct), round1(p.comparedPct)], `${r.query} vs ${r.compared}`).toEqual([
        r.queryPct,
        r.comparedPct,
      ]);
      expect(vpdqVerdict(p, 'hma')).toBe(r.hma);
      expect(vpdqVerdict(p, 'compared')).toBe(r.compared80);
    }
  });

  it('gives the same matches through the frame index as by brute force', async () => {
    const entries: ListEntry[] = names.flatMap((n, i) =>
      videoItems(sampleHashes(n), n, null, i + 1).flatMap((it) => (it.kind === 'entry' ? [it.entry] : [])),
    );
    const matcher = new VideoMatcher(
      [{ name: 'samples', kind: 'block', dihedral: false, thresholds: {}, entries }],
      () => createHammingIndex({ impl: 'ts' }),
    );
    await matcher.ready();
    for (const rule of ['hma', 'compared'] as const) {
      for (const q of names) {
        const query = sampleHashes(q).map((f) => ({ pdq: f.pdq, quality: f.quality, ts: f.ts }));
        const got = matcher.match({ frames: query }, { rule }).matches;
        const want = rows.filter((r) => r.query === q && (rule === 'hma' ? r.hma : r.compared80));
        expect(got.map((m) => m.entryId).sort(), `${rule} ${q}`).toEqual(want.map((r) => r.compared).sort());
        for (const m of got) {
          const p = vpdqCompare(query, sampleHashes(m.entryId));
          expect([m.queryPct, m.comparedPct]).toEqual([round2(p.queryPct), round2(p.comparedPct)]);
        }
      }
    }
  });

  it('reproduces the percentages within 5 points, and every verdict clear of its threshold, from its own hashes', () => {
    let maxError = 0;
    for (const r of rows) {
      const p = vpdqCompare(own.get(r.query)!, own.get(r.compared)!);
      maxError = Math.max(maxError, Math.abs(p.queryPct - r.queryPct), Math.abs(p.comparedPct - r.comparedPct));
      if (Math.abs(r.queryPct - 80) > 5) expect(vpdqVerdict(p, 'hma'), `${r.query} vs ${r.compared}`).toBe(r.hma);
      if (Math.abs(r.comparedPct - 80) > 5)
        expect(vpdqVerdict(p, 'compared'), `${r.query} vs ${r.compared}`).toBe(r.compared80);
    }
    expect(maxError).toBeLessThanOrEqual(5);
  });
});
