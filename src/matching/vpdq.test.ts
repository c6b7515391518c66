import { describe, expect, it } from 'vitest';
import { distinctFrames, vpdqCompare, vpdqVerdict } from './vpdq.js';

/** A hash with the first `bits` bits set. */
function hash(bits: number, base = 0): string {
  const b = Buffer.alloc(32);
  for (let i = 0; i < bits; i++) b[(base + i) >> 3]! |= 0x80 >> ((base + i) & 7);
  return b.toString('hex');
}
const f = (pdq: string, quality = 100) => ({ pdq, quality });

describe('vpdqCompare (python-threatexchange brute matcher semantics)', () => {
  it('counts a frame matched within 31 bits inclusive, each side against the other', () => {
    const query = [f(hash(0)), f(hash(100, 100))];
    const compared = [f(hash(31)), f(hash(32, 200)), f(hash(0, 0)), f(hash(64, 128))];
    // query[0] matches hash(31) (31 bits) and hash(0); query[1] matches nothing.
    // compared: hash(31) and hash(0) match query[0]; hash(32, 200) is 32 bits from query[0].
    expect(vpdqCompare(query, compared)).toEqual({ queryPct: 50, comparedPct: 50 });
    expect(vpdqCompare(query, compared, { distance: 30 })).toEqual({ queryPct: 50, comparedPct: 25 });
  });

  it('counts identical hashes once and drops frames of quality < 50', () => {
    const query = [f(hash(0)), f(hash(0)), f(hash(0)), f(hash(200), 49)];
    const compared = [f(hash(10))];
    expect(vpdqCompare(query, compared)).toEqual({ queryPct: 100, comparedPct: 100 });
    expect(vpdqCompare(query, compared, { quality: 0 })).toEqual({ queryPct: 50, comparedPct: 100 });
  });

  it('dedupes before filtering, as pytx does: a low-quality first copy hides a later good one', () => {
    expect(distinctFrames([f(hash(3), 10), f(hash(3), 90), f(hash(5), 90)]).map((x) => x.pdq)).toEqual([hash(5)]);
  });

  it('gives 0% when a side is empty after filtering', () => {
    expect(vpdqCompare([], [f(hash(0))])).toEqual({ queryPct: 0, comparedPct: 0 });
    expect(vpdqCompare([f(hash(0), 10)], [f(hash(0))])).toEqual({ queryPct: 0, comparedPct: 0 });
  });

  it('is an unordered bag: order does not matter', () => {
    const a = [f(hash(0)), f(hash(100, 100)), f(hash(40, 60))];
    const b = [f(hash(40, 60)), f(hash(1))];
    expect(vpdqCompare(a, b)).toEqual(vpdqCompare([...a].reverse(), [...b].reverse()));
  });
});

describe('vpdqVerdict', () => {
  it("uses HMA's query % by default and the README's compared % on request", () => {
    const clip = { queryPct: 100, comparedPct: 20 };
    expect(vpdqVerdict(clip)).toBe(true);
    expect(vpdqVerdict(clip, 'compared')).toBe(false);
    expect(vpdqVerdict({ queryPct: 79.9, comparedPct: 100 })).toBe(false);
    expect(vpdqVerdict({ queryPct: 79.9, comparedPct: 100 }, 'compared')).toBe(true);
    expect(vpdqVerdict({ queryPct: 60, comparedPct: 0 }, 'hma', 60)).toBe(true);
  });
});
