import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ListEntry } from '../core/match.js';
import { createHammingIndex } from './create-index.js';
import type { ListSpec } from './list-matcher.js';
import { timeRanges, VideoMatcher } from './vpdq-matcher.js';
import { vpdqCompare } from './vpdq.js';

/** Deterministic, well-spread 256-bit hashes. */
function hash(seed: number): string {
  const b = Buffer.alloc(32);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < 32; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b.toString('hex');
}
/** `h` with its first `bits` bits flipped. */
function near(h: string, bits: number): string {
  const b = Buffer.from(h, 'hex');
  for (let i = 0; i < bits; i++) b[i >> 3]! ^= 0x80 >> (i & 7);
  return b.toString('hex');
}

function video(id: string, seeds: number[], quality = 100): ListEntry[] {
  return seeds.map((s, i) => ({
    algorithm: 'vpdq',
    hash: hash(s),
    category: 'cat',
    id,
    line: 1,
    frame: { index: i, ts: i, quality },
  }));
}
const spec = (entries: ListEntry[], over: Partial<ListSpec> = {}): ListSpec => ({
  name: 'videos',
  kind: 'block',
  dihedral: false,
  thresholds: {},
  entries,
  ...over,
});
const index = () => createHammingIndex({ impl: 'ts' });
const query = (seeds: Array<number | string>) =>
  seeds.map((s, i) => ({ pdq: typeof s === 'string' ? s : hash(s), quality: 100, ts: i }));

describe('VideoMatcher', () => {
  const known = video('known', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const other = video('other', [101, 102, 103]);

  it('finds a reported clip of a known video under HMA rule, with both percentages and ranges', () => {
    const m = new VideoMatcher([spec([...known, ...other])], index);
    const { matches } = m.match({ frames: query([3, near(hash(4), 10), 5, 999]) });
    expect(matches).toHaveLength(0); // 3 of 4 frames: 75% < 80%
    const hit = m.match({ frames: query([3, near(hash(4), 10), 5, 6]) }).matches;
    expect(hit).toHaveLength(1);
    expect(hit[0]).toMatchObject({
      entryId: 'known',
      algorithm: 'vpdq',
      queryPct: 100,
      comparedPct: 40,
      distance: 0,
      threshold: 31,
      via: 'vpdq',
      category: 'cat',
      ranges: [[0, 3]],
    });
    expect(m.match({ frames: query([3, 4, 5, 6]) }, { rule: 'compared' }).matches).toHaveLength(0);
  });

  it('agrees with the brute-force comparison', () => {
    const frames = query([1, 2, near(hash(3), 31), near(hash(4), 32), 5, 6, 7, 8, 9, 10, 11]);
    const m = new VideoMatcher([spec(known)], index);
    const got = m.match({ frames }, { thresholdPct: 0 }).matches[0]!;
    const want = vpdqCompare(
      frames,
      known.map((e) => ({ pdq: e.hash, quality: 100 })),
    );
    expect([got.queryPct, got.comparedPct]).toEqual([
      Math.round(want.queryPct * 100) / 100,
      Math.round(want.comparedPct * 100) / 100,
    ]);
  });

  it("applies each list's frame threshold", () => {
    const frames = query([1, 2, 3].map((s) => near(hash(s), 20)));
    const strict = new VideoMatcher([spec(known, { thresholds: { vpdq: 10 } })], index);
    expect(strict.match({ frames }).matches).toHaveLength(0);
    const lax = new VideoMatcher(
      [spec(known, { name: 'a', thresholds: { vpdq: 10 } }), spec(known, { name: 'b' })],
      index,
    );
    expect(lax.match({ frames }).matches.map((x) => [x.list, x.distance])).toEqual([['b', 20]]);
  });

  it('matches on the trimmed frames when they do better', () => {
    const m = new VideoMatcher([spec(known)], index);
    const { matches } = m.match({ frames: query([500, 501]), framesTrimmed: query([1, 2]) });
    expect(matches[0]).toMatchObject({ via: 'vpdqTrimmed', queryPct: 100 });
  });

  it('ignores list frames of low quality and counts repeated hashes once', () => {
    const poor = video('poor', [1, 2, 3], 20);
    const repeated = video('rep', [7, 7, 7, 8]);
    const m = new VideoMatcher([spec([...poor, ...repeated])], index);
    expect(m.size).toBe(2);
    const { matches } = m.match({ frames: query([7, 1]) }, { thresholdPct: 0 });
    expect(matches.map((x) => [x.entryId, x.comparedPct, x.queryPct])).toEqual([['rep', 50, 50]]);
  });

  it('lets an allow-listed video suppress the matches', () => {
    const m = new VideoMatcher([spec(known), spec(video('fp', [1, 2, 3]), { name: 'fps', kind: 'allow' })], index);
    const out = m.match({ frames: query([1, 2, 3]) });
    expect(out.matches).toEqual([]);
    expect(out.allowListed).toEqual({ list: 'fps', entryId: 'fp', algorithm: 'vpdq' });
  });

  it('scores by the matched share and the frame distance', () => {
    const m = new VideoMatcher([spec(known)], index);
    const all = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(m.match({ frames: query(all) }).matches[0]!.score).toBe(99);
    const loose = m.match({ frames: query(all.map((s) => near(hash(s), 25))) }).matches[0]!;
    expect(loose).toMatchObject({ distance: 25, queryPct: 100, score: 79 });
    const partial = m.match({ frames: query([...all.slice(0, 8), 500, 501]) }).matches[0]!;
    expect(partial).toMatchObject({ distance: 0, queryPct: 80, score: 75 });
  });

  it('keeps entries without frame details (from the store) and their store ids', () => {
    const stored: ListEntry[] = [1, 2].map((s, i) => ({
      algorithm: 'vpdq',
      hash: hash(s),
      category: null,
      id: 'v',
      line: 0,
      storeId: 40 + i,
    }));
    const m = new VideoMatcher([spec(stored, { id: 3, version: 2 })], index);
    expect(m.match({ frames: query([1, 2]) }).matches[0]).toMatchObject({
      entryKey: 40,
      listId: 3,
      listVersion: 2,
      comparedPct: 100,
    });
  });
});

describe('timeRanges', () => {
  it('joins runs of matched frames; low-quality frames neither extend nor break a run', () => {
    const frames = [
      { pdq: 'a', quality: 100, ts: 0 },
      { pdq: 'b', quality: 100, ts: 1 },
      { pdq: 'x', quality: 10, ts: 2 },
      { pdq: 'a', quality: 100, ts: 3 },
      { pdq: 'y', quality: 100, ts: 4 },
      { pdq: 'b', quality: 100, ts: 5 },
    ];
    expect(timeRanges(frames, new Set(['a', 'b']))).toEqual([
      [0, 3],
      [5, 5],
    ]);
  });
});

describe('VideoMatcher.fromPages', () => {
  it('joins the frames of a video split across pages', async () => {
    const entries = video('split', [1, 2, 3, 4]);
    const pages = [entries.slice(0, 1), entries.slice(1)];
    const m = await VideoMatcher.fromPages(
      [{ name: 'paged', kind: 'block', dihedral: false, thresholds: {}, pages: Readable.from(pages) }],
      index,
    );
    expect(m.size).toBe(1);
    expect(m.match({ frames: query([1, 2, 3, 4]) }).matches[0]).toMatchObject({ entryId: 'split', comparedPct: 100 });
  });
});
