import { describe, expect, it } from 'vitest';
import type { ListEntry } from '../core/match.js';
import { createHammingIndex } from './create-index.js';
import { ListMatcher, type ListSpec } from './list-matcher.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
/** PDQ with the first `n` bits flipped. */
function flip(hex: string, n: number): string {
  const b = Buffer.from(hex, 'hex');
  for (let i = 0; i < n; i++) b[i >> 3]! ^= 1 << (i & 7);
  return b.toString('hex');
}
const MD5 = 'b8ec7780c3419de958d3204fb52a401b';

function entry(algorithm: ListEntry['algorithm'], hash: string, id: string | null, line = 2): ListEntry {
  return { algorithm, hash, category: 'cat', id, line };
}

function list(name: string, entries: ListEntry[], extra: Partial<ListSpec> = {}): ListSpec {
  return { name, kind: 'block', dihedral: false, thresholds: {}, entries, ...extra };
}

describe('ListMatcher', () => {
  it('matches digests exactly and PDQ within the threshold, strongest evidence first', () => {
    const m = new ListMatcher(
      [list('a', [entry('pdq', flip(PDQ, 10), 'P1'), entry('md5', MD5, 'M1'), entry('pdq', flip(PDQ, 40), 'FAR')])],
      createHammingIndex,
    );
    const { matches } = m.match({ md5: MD5, pdq: PDQ, pdqQuality: 100 });
    expect(matches.map((x) => [x.entryId, x.algorithm, x.distance])).toEqual([
      ['M1', 'md5', 0],
      ['P1', 'pdq', 10],
    ]);
    expect(matches[1]).toMatchObject({ list: 'a', threshold: 31, category: 'cat', quality: 100, lowConfidence: false, via: 'pdq' });
  });

  it('applies each list its own threshold', () => {
    const m = new ListMatcher(
      [list('strict', [entry('pdq', flip(PDQ, 20), 'S')], { thresholds: { pdq: 10 } }), list('loose', [entry('pdq', flip(PDQ, 20), 'L')], { thresholds: { pdq: 40 } })],
      createHammingIndex,
    );
    expect(m.match({ pdq: PDQ, pdqQuality: 90 }).matches.map((x) => x.list)).toEqual(['loose']);
  });

  it('flags low-quality PDQ matches but keeps them', () => {
    const m = new ListMatcher([list('a', [entry('pdq', PDQ, 'P')])], createHammingIndex);
    expect(m.match({ pdq: PDQ, pdqQuality: 20 }).matches[0]).toMatchObject({ lowConfidence: true, quality: 20 });
  });

  it('matches trimmed and dihedral hashes, dihedral only for lists that ask or when forced', () => {
    const rotated = flip(PDQ, 3);
    const dihedral = [flip(PDQ, 100), rotated, ...Array.from({ length: 6 }, (_, i) => flip(PDQ, 120 + i))];
    const m = new ListMatcher(
      [list('plain', [entry('pdq', PDQ, 'X')]), list('rot', [entry('pdq', PDQ, 'Y')], { dihedral: true })],
      createHammingIndex,
    );
    const item = { pdq: flip(PDQ, 100), pdqQuality: 90, pdqDihedral: dihedral };
    expect(m.match(item).matches.map((x) => [x.list, x.via])).toEqual([['rot', 'rot90']]);
    expect(m.match(item, { dihedral: true }).matches.map((x) => x.list).sort()).toEqual(['plain', 'rot']);
    const trimmed = m.match({ pdq: flip(PDQ, 100), pdqQuality: 90, pdqTrimmed: flip(PDQ, 1), pdqTrimmedQuality: 70 }).matches;
    expect(trimmed[0]).toMatchObject({ via: 'pdqTrimmed', distance: 1, quality: 70 });
  });

  it('probes the trim variants like pdqTrimmed, reporting each by its name and quality', () => {
    const m = new ListMatcher([list('a', [entry('pdq', PDQ, 'P'), entry('pdq', flip(PDQ, 200), 'Q')])], createHammingIndex);
    const item = {
      pdq: flip(PDQ, 100),
      pdqQuality: 90,
      pdqTrimmed: flip(PDQ, 80),
      pdqTrimmedVariants: [
        { name: 'trimTB' as const, hash: flip(PDQ, 20), quality: 80 },
        { name: 'trimCentredTB' as const, hash: flip(PDQ, 6), quality: 75 },
      ],
    };
    expect(m.match(item).matches).toEqual([
      expect.objectContaining({ entryId: 'P', via: 'trimCentredTB', distance: 6, quality: 75 }),
    ]);
    const beyond = { ...item, pdqTrimmedVariants: [{ name: 'trimLR' as const, hash: flip(PDQ, 32), quality: 80 }] };
    expect(m.match(beyond).matches).toEqual([]);
  });

  it('keeps the best distance once per entry and algorithm', () => {
    const m = new ListMatcher([list('a', [entry('pdq', PDQ, 'P')], { dihedral: true })], createHammingIndex);
    const { matches } = m.match({ pdq: flip(PDQ, 5), pdqQuality: 90, pdqTrimmed: flip(PDQ, 2), pdqDihedral: [flip(PDQ, 5), flip(PDQ, 1)] });
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({ distance: 1, via: 'rot90' });
  });

  it('derives an entry id from the list and line when the file has none', () => {
    const m = new ListMatcher([list('a', [entry('md5', MD5, null, 7)])], createHammingIndex);
    expect(m.match({ md5: MD5 }).matches[0]?.entryId).toBe('a:7');
  });

  it('lets an allow list suppress matches: all of them by digest, one algorithm by perceptual hash', () => {
    const block = list('block', [entry('md5', MD5, 'B-MD5'), entry('pdq', PDQ, 'B-PDQ')]);
    const byDigest = new ListMatcher([block, list('ok', [entry('md5', MD5, 'A')], { kind: 'allow' })], createHammingIndex);
    expect(byDigest.match({ md5: MD5, pdq: PDQ, pdqQuality: 90 })).toEqual({
      matches: [],
      allowListed: { list: 'ok', entryId: 'A', algorithm: 'md5' },
    });
    const byPdq = new ListMatcher([block, list('ok', [entry('pdq', flip(PDQ, 2), 'A')], { kind: 'allow' })], createHammingIndex);
    const out = byPdq.match({ md5: MD5, pdq: PDQ, pdqQuality: 90 });
    expect(out.matches.map((x) => x.entryId)).toEqual(['B-MD5']);
    expect(out.allowListed?.algorithm).toBe('pdq');
  });
});
