/**
 * The ItemMatcher: one matcher for pictures and videos over the same lists. Built at once or
 * page by page (a video's frames may be split across the store's pages), it finds a video by
 * its frames, a picture by its hashes, and lets an allow list win over both.
 */
import { describe, expect, it } from 'vitest';
import type { ListEntry } from '../src/core/match.js';
import { createHammingIndex } from '../src/matching/index.js';
import { ItemMatcher } from '../src/matching/item-matcher.js';
import type { ListSpec } from '../src/matching/list-matcher.js';
import { asyncOf } from './store-backends.js';
import { sampleHashes } from './video-support.js';

const index = () => createHammingIndex({ impl: 'ts' });

function videoEntries(name: string, id = name): ListEntry[] {
  return sampleHashes(name).map((f, i) => ({
    algorithm: 'vpdq',
    hash: f.pdq,
    category: 'video',
    id,
    line: i + 1,
    frame: { index: f.index, ts: f.ts, quality: f.quality },
  }));
}

const query = (name: string) => ({
  frames: sampleHashes(name)
    .filter((f) => f.index % 30 === 0)
    .map((f) => ({ pdq: f.pdq, quality: f.quality, ts: f.ts })),
});

const PICTURE = 'f'.repeat(64);
const SHA256 = 'a'.repeat(64);

function block(entries: ListEntry[]): ListSpec {
  return { name: 'block', kind: 'block', dihedral: false, thresholds: {}, entries };
}

describe('ItemMatcher', () => {
  const entries: ListEntry[] = [
    ...videoEntries('chair-20-sd-bar'),
    { algorithm: 'pdq', hash: PICTURE, category: 'pic', id: 'P-1', line: 1 },
    { algorithm: 'sha256', hash: SHA256, category: 'file', id: 'S-1', line: 2 },
  ];

  it('finds a video by its frames and a picture by its hash, built at once or page by page', async () => {
    const paged = async () => {
      // Pages of 7 entries: the video's frames land on many pages, mixed with the rest.
      const pages: ListEntry[][] = [];
      for (let i = 0; i < entries.length; i += 7) pages.push(entries.slice(i, i + 7));
      const { entries: _e, ...meta } = block(entries);
      return ItemMatcher.fromPages([{ ...meta, pages: asyncOf(pages) }], index);
    };
    for (const matcher of [ItemMatcher.build([block(entries)], index), await paged()]) {
      await matcher.ready();
      expect(matcher.entriesByAlgorithm()).toEqual({ vpdq: 1, pdq: 1, sha256: 1 });
      expect(matcher.size).toBe(3);
      const video = matcher.match({ video: query('chair-19-sd-bar') });
      expect(video.matches).toEqual([
        expect.objectContaining({ algorithm: 'vpdq', entryId: 'chair-20-sd-bar', via: 'vpdq', queryPct: 100 }),
      ]);
      expect(matcher.match({ video: query('pattern-hd-no-bar') }).matches).toEqual([]);
      expect(matcher.match({ pdq: PICTURE, pdqQuality: 100 }).matches.map((m) => m.entryId)).toEqual(['P-1']);
      // A video whose file is listed matches by digest and by frames, the digest first.
      const both = matcher.match({ sha256: SHA256, video: query('chair-19-sd-bar') }).matches;
      expect(both.map((m) => m.algorithm)).toEqual(['sha256', 'vpdq']);
    }
  });

  it('lets an allow list win: a listed file digest stops the frames being matched at all', async () => {
    const allow: ListSpec = {
      name: 'allow',
      kind: 'allow',
      dihedral: false,
      thresholds: {},
      entries: [{ algorithm: 'sha256', hash: SHA256, category: null, id: 'ok', line: 1 }],
    };
    const matcher = ItemMatcher.build([block(entries), allow], index);
    await matcher.ready();
    expect(matcher.match({ sha256: SHA256, video: query('chair-19-sd-bar') })).toEqual({
      matches: [],
      allowListed: { list: 'allow', entryId: 'ok', algorithm: 'sha256' },
    });
    // The same video allow-listed by its frames.
    const byFrames = ItemMatcher.build(
      [block(entries), { ...allow, entries: videoEntries('chair-19-sd-bar', 'benign-video') }],
      index,
    );
    await byFrames.ready();
    const outcome = byFrames.match({ video: query('chair-19-sd-bar') });
    expect(outcome.matches).toEqual([]);
    expect(outcome.allowListed).toMatchObject({ list: 'allow', entryId: 'benign-video', algorithm: 'vpdq' });
  });
});
