// One suite, run against both kernels: every search must equal a brute-force scan.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadNative } from '../native/index.js';
import { isAppError } from '../src/core/errors.js';
import type { HammingIndex, IndexMatch } from '../src/matching/hamming-index.js';
import type { HammingKernel } from '../src/matching/kernel.js';
import { nativeKernel } from '../src/matching/kernel-native.js';
import { tsKernel } from '../src/matching/kernel-ts.js';
import { SegmentedIndex, type SegmentedIndexOptions } from '../src/matching/segmented-index.js';
import { popcount32 } from '../src/matching/ts-segment.js';
import { mulberry32 } from '../src/core/random.js';
import { bruteForce, clustered, flip, randomHashes, type Entry } from './matching-helpers.js';

const native = loadNative();
if (!native.binding && process.env.CI === 'true') throw new Error(`CI expects the native addon: ${native.reason}`);
const kernels: Array<[string, HammingKernel | null]> = [
  ['ts', tsKernel],
  ['native', native.binding ? nativeKernel(native.binding) : null],
];

function sorted(ms: IndexMatch[]): IndexMatch[] {
  return [...ms].sort((a, b) => a.id - b.id || a.distance - b.distance);
}

/** Live entries as the index should see them, kept beside it. */
class Model {
  entries: Entry[] = [];
  add(e: Entry) {
    this.entries.push(e);
  }
  remove(id: number) {
    this.entries = this.entries.filter((e) => e.id !== id);
  }
}

describe.each(kernels)('HammingIndex (%s kernel)', (_name, kernel) => {
  const make = (opts?: SegmentedIndexOptions): HammingIndex => new SegmentedIndex(kernel!, opts);
  const run = kernel ? it : it.skip;

  run('answers an empty index with nothing, at every radius', async () => {
    const idx = make();
    const q = randomHashes(1, 1)[0]!.hash;
    for (const r of [0, 31, 64, 256]) expect(idx.search(q, r)).toEqual([]);
    expect(await idx.searchBatch(new Uint8Array(64), 31)).toEqual([[], []]);
    await idx.flush();
    expect(idx.stats().entries).toBe(0);
  });

  run('copies what addMany is given: reusing the caller\'s Buffer later changes nothing', async () => {
    const entries = randomHashes(500, 11);
    const buf = Buffer.alloc(entries.length * 32);
    entries.forEach((e, i) => buf.set(e.hash, i * 32));
    const idx = make();
    idx.addMany(Uint32Array.from(entries.map((e) => e.id)), buf);
    buf.fill(0); // a page buffer reused for the next page
    await idx.flush();
    for (const e of entries.slice(0, 20)) expect(sorted(idx.search(e.hash, 0))).toEqual(bruteForce(entries, e.hash, 0));
  });

  run('equals brute force on random data at radius 0-64, before and after building', async () => {
    const entries = randomHashes(3000, 7);
    const idx = make();
    entries.forEach((e) => idx.add(e.id, e.hash));
    const queries = entries.slice(0, 40).map((e, i) => flip(e.hash, i % 33, i));
    const check = () => {
      for (const [i, q] of queries.entries()) {
        const r = (i * 7) % 65;
        expect(sorted(idx.search(q, r))).toEqual(bruteForce(entries, q, r));
      }
    };
    check(); // served from runs and the delta by brute force
    await idx.flush();
    expect(idx.stats()).toMatchObject({ entries: 3000, segments: 1, pendingRuns: 0, delta: 0 });
    check();
    for (const q of queries.slice(0, 5)) {
      expect(sorted(idx.search(q, 0))).toEqual(bruteForce(entries, q, 0));
      expect(sorted(idx.search(q, 64))).toEqual(bruteForce(entries, q, 64));
    }
  });

  run('equals brute force on clustered data with duplicates (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 1, max: 4000 }),
        async (seed, radius, n) => {
          const entries = clustered(n, seed);
          // Exact duplicates, under the same and under other ids.
          entries.push(...entries.slice(0, 20).map((e, i) => ({ id: i % 2 ? e.id : 100_000 + i, hash: e.hash })));
          const idx = make();
          idx.addMany(
            entries.map((e) => e.id),
            concat(entries.map((e) => e.hash)),
          );
          await idx.flush();
          for (let i = 0; i < 8; i++) {
            const q = flip(entries[(seed + i * 131) % entries.length]!.hash, (seed + i) % (radius + 1), seed + i);
            expect(sorted(idx.search(q, radius))).toEqual(bruteForce(entries, q, radius));
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  run('takes additions and removals without a rebuild, through deltas, runs and merges', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('add' as const), count: fc.integer({ min: 1, max: 120 }) }),
            fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
            fc.record({ op: fc.constant('flush' as const) }),
            fc.record({ op: fc.constant('check' as const), pick: fc.nat(), radius: fc.integer({ min: 0, max: 64 }) }),
          ),
          { minLength: 5, maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 1 << 30 }),
        async (ops, seed) => {
          const idx = make({ deltaCapacity: 16, maxSegments: 2 });
          const model = new Model();
          let nextId = 0;
          let salt = seed;
          for (const step of ops) {
            if (step.op === 'add') {
              // Ids repeat (nextId % 50) so removals hit several entries and re-adds happen.
              for (const e of clustered(step.count, salt++)) {
                const entry = { id: nextId++ % 50, hash: e.hash };
                idx.add(entry.id, entry.hash);
                model.add(entry);
              }
            } else if (step.op === 'remove') {
              const id = step.pick % 50;
              idx.remove(id);
              model.remove(id);
            } else if (step.op === 'flush') {
              await idx.flush();
            } else if (model.entries.length > 0) {
              const q = flip(model.entries[step.pick % model.entries.length]!.hash, step.radius >> 1, step.pick);
              expect(sorted(idx.search(q, step.radius))).toEqual(bruteForce(model.entries, q, step.radius));
            }
            // Let background builds interleave with the next operations.
            if (salt % 3 === 0) await new Promise((r) => setImmediate(r));
          }
          await idx.flush();
          for (let i = 0; i < 5 && model.entries.length > 0; i++) {
            const q = model.entries[(i * 37) % model.entries.length]!.hash;
            expect(sorted(idx.search(q, 31))).toEqual(bruteForce(model.entries, q, 31));
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  run('answers a batch like single searches, while the index keeps changing', async () => {
    const entries = clustered(5000, 3);
    const idx = make({ deltaCapacity: 64 });
    idx.addMany(
      entries.map((e) => e.id),
      concat(entries.map((e) => e.hash)),
    );
    await idx.flush();
    idx.add(999_999, entries[0]!.hash); // in the delta
    const queries = entries.slice(0, 300).map((e, i) => flip(e.hash, i % 16, i));
    const expected = queries.map((q) => sorted(idx.search(q, 31)));
    const pending = idx.searchBatch(concat(queries), 31);
    idx.add(888_888, entries[1]!.hash); // after the snapshot: not in this batch
    const got = (await pending).map(sorted);
    expect(got).toEqual(expected);
    expect(got[0]!.some((m) => m.id === 999_999)).toBe(true);
    expect(got[1]!.some((m) => m.id === 888_888)).toBe(false);
  });

  run('returns every entry when the radius covers all 256 bits (buffers grow)', async () => {
    const entries = randomHashes(700, 5);
    const idx = make({ deltaCapacity: 400 });
    entries.forEach((e) => idx.add(e.id, e.hash)); // 400 frozen into a run, 300 in the delta
    const q = entries[0]!.hash;
    expect(sorted(idx.search(q, 256))).toEqual(bruteForce(entries, q, 256));
    await idx.flush();
    expect(sorted(idx.search(q, 256))).toEqual(bruteForce(entries, q, 256));
  });

  run('equals brute force on a million entries: full 16-bit buckets, key 0 filter table, one-byte directory', async () => {
    // Large enough for the layout small tests never reach: every key bit in the directory (no
    // remaining key bits in the entries), table-lookup filters, the one-byte directory format.
    const n = 1_000_000;
    const next = mulberry32(99);
    const words = new Uint32Array(n * 8);
    for (let i = 0; i < words.length; i++) words[i] = next();
    const idx = make();
    idx.addMany(Uint32Array.from({ length: n }, (_, i) => i), new Uint8Array(words.buffer));
    await idx.flush();
    for (let i = 0; i < 24; i++) {
      const radius = [0, 15, 31, 47][i % 4]!;
      const at = next() % n;
      const q = flip(new Uint8Array(words.buffer, at * 32, 32), (i * 5) % (radius + 1), i);
      const qw = new Uint32Array(q.buffer, q.byteOffset, 8);
      const want: IndexMatch[] = [];
      for (let e = 0; e < n; e++) {
        let d = 0;
        for (let w = 0; w < 8 && d <= radius; w++) d += popcount32(words[e * 8 + w]! ^ qw[w]!);
        if (d <= radius) want.push({ id: e, distance: d });
      }
      expect(want.length).toBeGreaterThan(0);
      expect(sorted(idx.search(q, radius))).toEqual(want);
    }
  }, 60_000);

  run('equals brute force at 100k entries on neighbours only one key\'s probes can find', async () => {
    // 100k entries: a key's top 12 bits in the directory, its other 4 in each entry (the
    // TypeScript filter finds those as a run in a bucket kept in key order). Beside random
    // entries, neighbours of each query at distance 31 that only key k's probes reach: 1 bit of
    // key k differs (in the directory's bits or in the entry's), 2 of its partner key's, and 2 of
    // every other key's (so no other region is within its budget of 3); and the same at 32.
    const n = 100_000;
    const next = mulberry32(7);
    const words = new Uint32Array(n * 8);
    for (let i = 0; i < words.length; i++) words[i] = next();
    const bytes = new Uint8Array(words.buffer);
    const queries: Uint8Array[] = [];
    let planted = 0;
    for (let qi = 0; qi < 8; qi++) {
      const q = Uint8Array.from({ length: 32 }, () => next() & 255);
      queries.push(q);
      for (let k = 0; k < 16; k++) {
        for (const [inDirectory, extra] of [[true, 0], [false, 0], [true, 1]] as const) {
          const h = q.slice();
          const flipKeyBits = (key: number, count: number, from = 0) => {
            const chosen = new Set<number>();
            while (chosen.size < count) chosen.add(from + (next() % (16 - from)));
            for (const b of chosen) h[key * 2 + (b >> 3)]! ^= 1 << (b & 7);
          };
          if (inDirectory) flipKeyBits(k, 1, 4);
          else h[k * 2]! ^= 1 << next() % 4;
          for (let j = 0; j < 16; j++) if (j !== k) flipKeyBits(j, j === (k ^ 1) ? 2 + extra : 2);
          bytes.set(h, planted++ * 32);
        }
      }
    }
    const idx = make();
    idx.addMany(Uint32Array.from({ length: n }, (_, i) => i), bytes);
    await idx.flush();
    const entries = Array.from({ length: n }, (_, id) => ({ id, hash: bytes.subarray(id * 32, id * 32 + 32) }));
    let found = 0;
    for (const q of queries) {
      const want = bruteForce(entries, q, 31);
      found += want.length;
      expect(sorted(idx.search(q, 31))).toEqual(want);
    }
    expect(found).toBe(8 * 16 * 2); // the planted ones at 31; none at 32
  }, 60_000);

  run('hides removed entries at once and shows an id added again', async () => {
    const entries = randomHashes(500, 11);
    const idx = make();
    entries.forEach((e) => idx.add(e.id, e.hash));
    await idx.flush();
    const target = entries[42]!;
    idx.remove(target.id);
    expect(idx.search(target.hash, 0)).toEqual([]);
    idx.add(target.id, target.hash);
    expect(idx.search(target.hash, 0)).toEqual([{ id: target.id, distance: 0 }]);
    await idx.flush();
    expect(idx.search(target.hash, 0)).toEqual([{ id: target.id, distance: 0 }]);
  });

  run('refuses bad input with invalid_argument and stays usable', () => {
    const idx = make();
    const bad = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(isAppError(err) && err.code).toBe('invalid_argument');
        return;
      }
      throw new Error('expected an error');
    };
    bad(() => idx.add(1, new Uint8Array(31)));
    bad(() => idx.add(-1, new Uint8Array(32)));
    bad(() => idx.add(2 ** 32, new Uint8Array(32)));
    bad(() => idx.search(new Uint8Array(32), 257));
    bad(() => idx.search(new Uint8Array(32), 1.5));
    bad(() => idx.addMany([1, 2], new Uint8Array(32)));
    idx.add(1, new Uint8Array(32));
    expect(idx.search(new Uint8Array(32), 0)).toEqual([{ id: 1, distance: 0 }]);
  });
});

function concat(hashes: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * 32);
  hashes.forEach((h, i) => out.set(h, i * 32));
  return out;
}
