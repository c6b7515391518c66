// The TypeScript segment's grouping by block (past 2^21 entries, or past 2^maxOffBits here) and
// its other layouts against a brute-force scan; test/matching-index.test.ts covers the rest
// through the index.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/random.js';
import type { HitSink } from './kernel.js';
import { TsSegment, distanceAt, listLines, listed, probeRadii } from './ts-segment.js';

function build(words: Uint32Array, n: number, maxOffBits: number | undefined, aligned: boolean): TsSegment {
  const ids = Uint32Array.from({ length: n }, (_, i) => i * 3 + 1);
  const steps = TsSegment.build([{ ids, words, count: n, hidden: null }], { maxOffBits, alignFrom: aligned ? 0 : 2 ** 40 });
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** n hashes, every eighth one a near copy of an earlier one (duplicates included). */
function hashes(n: number, seed: number): Uint32Array {
  const next = mulberry32(seed);
  const w = new Uint32Array(n * 8);
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % 8 === 0) {
      const from = next() % i;
      for (let k = 0; k < 8; k++) w[i * 8 + k] = w[from * 8 + k]!;
      for (let f = next() % 6; f > 0; f--) w[i * 8 + (next() & 7)]! ^= 1 << (next() & 31);
    } else for (let k = 0; k < 8; k++) w[i * 8 + k] = next();
  }
  return w;
}

function search(seg: TsSegment, q: Uint32Array, radius: number): string[] {
  const sink: HitSink = { pairs: new Uint32Array(64), count: 0 };
  seg.search(q, radius, 0, sink);
  return Array.from({ length: sink.count }, (_, i) => `${sink.pairs[i * 2]}:${sink.pairs[i * 2 + 1]}`).sort();
}

function brute(words: Uint32Array, n: number, q: Uint32Array, radius: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = distanceAt(words, i * 8, q, 256);
    if (d <= radius) out.push(`${i * 3 + 1}:${d}`);
  }
  return out.sort();
}

describe('TsSegment', () => {
  // [entries, maxOffBits, line-aligned table]: blocks with 16-bit aux lookups; blocks with
  // popcount filtering; no blocks with aux lookups (filters dense and sparse); no blocks,
  // popcount filtering; each with the table's lines known or not.
  const layouts: Array<[number, number | undefined, boolean]> = [
    [100_000, 16, false],
    [100_000, 16, true],
    [20_000, 10, true],
    [70_000, undefined, false],
    [70_000, undefined, true],
    [3_000, undefined, false],
  ];
  it.each(layouts)('%i entries (maxOffBits %s, aligned %s) answer as a scan at every radius', (n, maxOffBits, aligned) => {
    const words = hashes(n, n);
    const seg = build(words, n, maxOffBits, aligned);
    expect((seg as unknown as { aligned: boolean }).aligned).toBe(aligned);
    if (maxOffBits !== undefined) expect(seg.blockBits).toBeGreaterThan(0);
    const next = mulberry32(7);
    for (const radius of [0, 7, 15, 31, 32, 40, 47, 64]) {
      for (let t = 0; t < 24; t++) {
        // Half the queries exactly `radius` bits from an entry: such a hash often agrees with
        // the query closely enough in one key only, so a key's probes going wrong shows.
        const at = next() % n;
        const q = words.slice(at * 8, at * 8 + 8);
        const bits = new Set<number>();
        const want = t % 2 ? radius : next() % (radius + 1);
        while (bits.size < want) bits.add(next() & 255);
        for (const b of bits) q[b >>> 5]! ^= 1 << (b & 31);
        expect(search(seg, q, radius)).toEqual(brute(words, n, q, radius));
      }
      // Queries only one key can find: every other key with one flip more than its probe
      // radius (the pigeonhole bound met exactly), so the one key's filter must pass the entry.
      const u = probeRadii(radius);
      for (let t = 0; t < 64; t++) {
        const only = t & 15;
        if (u[only]! < 0) continue;
        const at = next() % n;
        const q = words.slice(at * 8, at * 8 + 8);
        for (let k = 0; k < 16; k++) {
          const flips = k === only ? next() % (u[k]! + 1) : u[k]! + 1;
          const bits = new Set<number>();
          while (bits.size < flips) bits.add(next() & 15);
          for (const b of bits) q[k >>> 1]! ^= 1 << ((k & 1) * 16 + b);
        }
        expect(distanceAt(words, at * 8, q, 256)).toBeLessThanOrEqual(radius);
        expect(search(seg, q, radius)).toEqual(brute(words, n, q, radius));
      }
    }
  });

  it('lists every cache line of every bucket, each once when the table is aligned', () => {
    const next = mulberry32(3);
    const count = 300;
    const begins = new Int32Array(count);
    const ends = new Int32Array(count);
    for (let j = 0; j < count; j++) {
      begins[j] = next() % 100_000;
      // Mostly short buckets, some empty, some long.
      ends[j] = begins[j]! + (j % 10 === 0 ? next() % 200 : j % 7 === 0 ? 0 : next() % 40);
    }
    const lines = new Int32Array(8192);
    const spanned = (delta: number) => {
      const want = new Set<number>();
      for (let j = 0; j < count; j++)
        for (let i = begins[j]!; i < ends[j]!; i++) want.add((i + delta) >> 4);
      return [...want].sort((a, b) => a - b);
    };
    const entries = ends.reduce((sum, e, j) => sum + e - begins[j]!, 0);
    const c = listLines(begins, ends, 0, count, true, lines);
    expect(listed.entries).toBe(entries);
    const got = Array.from(lines.subarray(0, c), (i) => i >> 4);
    // Each line of a bucket once (buckets may share one).
    let perBucket = 0;
    for (let j = 0; j < count; j++) if (ends[j]! > begins[j]!) perBucket += ((ends[j]! - 1) >> 4) - (begins[j]! >> 4) + 1;
    expect(c).toBe(perBucket);
    expect([...new Set(got)].sort((a, b) => a - b)).toEqual(spanned(0));
    // Not aligned: whatever the table's offset from a line, every line a bucket spans is reached.
    const u = listLines(begins, ends, 0, count, false, lines);
    for (let delta = 0; delta < 16; delta++) {
      const reached = new Set(Array.from(lines.subarray(0, u), (i) => (i + delta) >> 4));
      for (const line of spanned(delta)) expect(reached.has(line)).toBe(true);
    }
    expect(listLines(begins, ends, 0, count, true, new Int32Array(16))).toBe(-1);
  });

  it('refuses a segment past what its 32-bit table indices reach, saying why', () => {
    const steps = TsSegment.build([{ ids: new Uint32Array(0), words: new Uint32Array(0), count: 2 ** 28, hidden: null }]);
    expect(() => steps.next()).toThrow(/at most \d+ hashes in one segment/);
  });
});
