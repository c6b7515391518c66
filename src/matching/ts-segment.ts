/**
 * The TypeScript twin of native/src/segment.cc: the same layout and probe plan (read the
 * comment there), on typed arrays, but with a bucket's entries in key order rather than
 * position order, so a probe that must match a key's remaining bits reads only the run that
 * does (native's SIMD filter reads whole buckets either way), and with the tables of keys 1-15
 * in one array. Hashes are 8 little 32-bit words; key k is the 16-bit half-word k.
 */
import { TAG_SHIFT, growSink, type HitSink } from './kernel.js';

const KEYS = 16;
const WORDS = 8;
/**
 * Probe when the probed buckets cover at most this much of a table per key, else scan. Higher
 * than native's 0.25: without SIMD a full scan costs TypeScript relatively more (measured at
 * 100k, r = 47: probing 2x faster than scanning).
 */
const MAX_COVERAGE = 1.0;
const MAX_OFF_BITS = 21;
const PAD = 4;
/** Candidates whose hashes are touched, then compared, at a time (32 KB of cache lines). */
const VERIFY_CHUNK = 512;
/** Tables of this many bytes or more are line-aligned (read lineAligned). */
const ALIGN_FROM = 2 ** 25;
/**
 * A filter passing 1 in DENSE entries or more writes every entry and counts those that pass,
 * without a branch on each (1M, r = 47, where a probe two bits away passes 7% and the query's
 * own bucket 39%: 13% faster a query); below, a branch skips the writes.
 */
const DENSE = 16;
/** Table indices are 32-bit signed integers (the probe arrays are Int32Arrays). */
const MAX_TABLE = 2 ** 31 - 1;
const REGION_ORDER = [0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15];

const POPCOUNT16 = new Uint8Array(65536);
for (let i = 1; i < 65536; i++) POPCOUNT16[i] = (i & 1) + POPCOUNT16[i >>> 1]!;

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function keyOf(h: Uint32Array, at: number, k: number): number {
  const w = h[at + (k >>> 1)]!;
  return k & 1 ? w >>> 16 : w & 0xffff;
}

/**
 * The filter bits a table entry holds for the hash at `at`, and a query is compared with (as
 * native): key 0's remaining bits with key 1's top bits above them (16 bits); for k >= 1 the
 * key's remaining bits with fpBits of its partner's top bits above them.
 */
function key0Aux(h: Uint32Array, at: number, residBits: number): number {
  return (keyOf(h, at, 0) & ((1 << residBits) - 1)) | ((keyOf(h, at, 1) >>> residBits) << residBits);
}
function keyAux(h: Uint32Array, at: number, k: number, residBits: number, fpBits: number): number {
  const fp = fpBits ? keyOf(h, at, k ^ 1) >>> (16 - fpBits) : 0;
  return (keyOf(h, at, k) & ((1 << residBits) - 1)) | (fp << residBits);
}

/**
 * Bucket offsets in as few bytes as they fit (as native): a 32-bit base per 8 buckets plus an
 * 8-bit offset per bucket when no 8 buckets hold 256 entries or more; else a base per 256
 * buckets plus a 16-bit offset; else plain 32-bit offsets.
 */
class Directory {
  private readonly base: Uint32Array;
  // Two fields rather than one of either type, so each load site sees one array type.
  private readonly narrow: Uint8Array | null;
  private readonly rel: Uint16Array | null;
  private readonly full: Uint32Array | null;

  constructor(offsets: Uint32Array) {
    const spans = (group: number, limit: number): boolean => {
      for (let g = 0; g * group < offsets.length; g++)
        if (offsets[Math.min(offsets.length - 1, g * group + group - 1)]! - offsets[g * group]! >= limit) return false;
      return true;
    };
    const group = spans(8, 256) ? 8 : spans(256, 65536) ? 256 : 0;
    this.full = group === 0 ? offsets : null;
    this.base = new Uint32Array(group ? Math.ceil(offsets.length / group) : 0);
    this.narrow = group === 8 ? new Uint8Array(offsets.length) : null;
    this.rel = group === 256 ? new Uint16Array(offsets.length) : null;
    const rel = this.narrow ?? this.rel;
    if (!rel) return;
    const shift = group === 8 ? 3 : 8;
    for (let b = 0; b < offsets.length; b++) {
      if (b % group === 0) this.base[b >>> shift] = offsets[b]!;
      rel[b] = offsets[b]! - this.base[b >>> shift]!;
    }
  }

  at(b: number): number {
    if (this.narrow) return this.base[b >>> 3]! + this.narrow[b]!;
    return this.full ? this.full[b]! : this.base[b >>> 8]! + this.rel![b]!;
  }

  /**
   * Writes the bounds of buckets[j] * step (the blocks of a bucket being consecutive groups) to
   * begins[j] and ends[j] for j in [from, to), the format chosen once rather than per bucket.
   */
  bounds(
    buckets: Int32Array,
    from: number,
    to: number,
    step: number,
    at: number,
    begins: Int32Array,
    ends: Int32Array,
  ): void {
    const base = this.base;
    const narrow = this.narrow;
    if (narrow) {
      for (let j = from; j < to; j++) {
        const b = buckets[j]! * step;
        const e = b + step;
        begins[j] = at + base[b >>> 3]! + narrow[b]!;
        ends[j] = at + base[e >>> 3]! + narrow[e]!;
      }
      return;
    }
    for (let j = from; j < to; j++) {
      begins[j] = at + this.at(buckets[j]! * step);
      ends[j] = at + this.at((buckets[j]! + 1) * step);
    }
  }

  get bytes(): number {
    return this.base.byteLength + (this.narrow?.byteLength ?? 0) + (this.rel?.byteLength ?? 0) + (this.full?.byteLength ?? 0);
  }
}

export interface Source {
  ids: Uint32Array;
  /** 8 words per hash. */
  words: Uint32Array;
  count: number;
  hidden: Uint8Array | null;
}

export function wordsOf(hashes: Uint8Array, count: number): Uint32Array {
  if (hashes.byteOffset % 4 === 0) return new Uint32Array(hashes.buffer, hashes.byteOffset, count * WORDS);
  return new Uint32Array(hashes.slice(0, count * 32).buffer);
}

/** Work is cut in steps so a caller can yield to the event loop between them. */
export type Steps<T> = Generator<void, T, void>;
const STEP = 1 << 16;

export class TsSegment {
  readonly n: number;
  readonly posBits: number;
  /** Position bits in a table entry; past 2^21 entries tables group each bucket by block (as native). */
  readonly offBits: number;
  readonly blockBits: number;
  readonly dirBits: number;
  readonly fpBits: number;
  readonly hashes: Uint32Array;
  readonly ids: Uint32Array;
  private readonly dirs: Directory[] = [];
  /** Key 0: its remaining bits and as many of key 1's as fit 16 bits, per position (as native). */
  private table0 = new Uint16Array(0);
  /**
   * The tables of keys 1-15 in one array, key k's from (k - 1) * n, so every bucket is found by
   * one index into one array: the line-touch pass then runs as one plain loop over all of them
   * (read the comment on listLines).
   */
  private table = new Uint32Array(0);
  /** Whether the table starts on a cache line, so its lines are known (read lineAligned). */
  private aligned = false;
  // Per-query scratch, reused so a search allocates only its results.
  private cand = new Uint32Array(1024);
  private probeBuckets = new Int32Array(1024);
  private probeDist = new Int32Array(1024);
  private probeBegin = new Int32Array(1024);
  private probeEnd = new Int32Array(1024);
  private lines = new Int32Array(2048);
  private readonly passTables: Array<Uint8Array | undefined> = [];
  /** Per pass table (by passSlot), 1 when at least 1 in DENSE entries passes it. */
  private readonly passDense = new Uint8Array(65 * 64);
  /** Per radius: 1 when probing, 2 when a scan is cheaper (0: not yet decided). */
  private readonly plans = new Uint8Array(257);
  /** Per key, the query's bits as a table entry holds them above its offset (set per search). */
  private readonly queryAux = new Int32Array(KEYS);
  /** Per key, where its probes start in the probe arrays (set per search). */
  private readonly keyFrom = new Int32Array(KEYS + 1);

  private constructor(
    n: number,
    maxOffBits: number,
    private readonly alignFrom: number,
  ) {
    if ((KEYS - 1) * n + PAD > MAX_TABLE)
      throw new RangeError(
        `The TypeScript index holds at most ${Math.floor((MAX_TABLE - PAD) / (KEYS - 1))} hashes in one segment, not ${n}: build the native addon for more`,
      );
    this.n = n;
    let p = 1;
    while (p < 32 && 2 ** p < n) p++;
    this.posBits = p;
    this.offBits = Math.min(p, maxOffBits);
    this.blockBits = p - this.offBits;
    let d = 0;
    while (d < 16 && 2 ** (d + 1) * 14 <= n) d++;
    this.dirBits = d;
    this.fpBits = Math.min(16, Math.max(0, 32 - this.offBits - (16 - d)));
    this.hashes = new Uint32Array(n * WORDS);
    this.ids = new Uint32Array(n);
  }

  get size(): number {
    return this.n;
  }

  get bytes(): number {
    let b = this.hashes.byteLength + this.ids.byteLength + this.table0.byteLength;
    for (const d of this.dirs) b += d.bytes;
    b += this.table.buffer.byteLength;
    return b;
  }

  /**
   * `maxOffBits` below 21 lets a test reach the grouping by block with few entries, and
   * `alignFrom` below 32 MB the line-aligned table (read lineAligned).
   */
  static *build(sources: Source[], { maxOffBits = MAX_OFF_BITS, alignFrom = ALIGN_FROM } = {}): Steps<TsSegment> {
    let live = 0;
    for (const s of sources) for (let i = 0; i < s.count; i++) live += s.hidden?.[i] ? 0 : 1;
    const seg = new TsSegment(live, maxOffBits, alignFrom);
    yield* seg.fill(sources);
    return seg;
  }

  private *fill(sources: Source[]): Steps<void> {
    const { n, dirBits, offBits, blockBits, fpBits } = this;
    const shift = 16 - dirBits;
    const buckets = 2 ** dirBits;
    // Counting sort by key 0 places every hash at its final position.
    const start = new Uint32Array(65537);
    for (const s of sources)
      for (let i = 0; i < s.count; i++) if (!s.hidden?.[i]) start[keyOf(s.words, i * WORDS, 0) + 1]!++;
    for (let k = 0; k < 65536; k++) start[k + 1]! += start[k]!;
    const offsets = new Uint32Array(buckets + 1);
    for (let b = 0; b < buckets; b++) offsets[b] = start[b << shift]!;
    offsets[buckets] = n;
    this.dirs.push(new Directory(offsets.slice()));
    for (const s of sources) {
      for (let i = 0; i < s.count; i++) {
        if (s.hidden?.[i]) continue;
        const at = start[keyOf(s.words, i * WORDS, 0)]!++;
        // Word by word: a subarray per entry was a quarter of the build.
        for (let w = 0; w < WORDS; w++) this.hashes[at * WORDS + w] = s.words[i * WORDS + w]!;
        this.ids[at] = s.ids[i]!;
        if ((i & (STEP - 1)) === STEP - 1) yield;
      }
    }
    const residBits = shift;
    const h = this.hashes;
    this.table0 = new Uint16Array(n);
    for (let i = 0; i < n; i++) this.table0[i] = key0Aux(h, i * WORDS, residBits);
    const offMask = 2 ** offBits - 1;
    const groups = buckets * 2 ** blockBits;
    // Within a group, entries in order of the key's remaining bits (then position), as key 0's
    // are: a probe that must match those bits exactly reads only the run that does.
    const slots = 2 ** residBits; // per group
    const residMask = slots - 1;
    const slotOf = (i: number, key: number) =>
      (((key >>> shift) << blockBits) + (i >>> offBits)) * slots + (key & residMask);
    const sub = new Uint32Array(groups * slots + 1);
    const groupStarts = new Uint32Array(groups + 1);
    // PAD entries past the last table: the filter reads a bucket four entries at a time.
    const table = (this.table = lineAligned((KEYS - 1) * n + PAD, this.alignFrom));
    this.aligned = ALIGNED.has(table.buffer);
    for (let k = 1; k < KEYS; k++) {
      const at = (k - 1) * n;
      sub.fill(0);
      for (let i = 0; i < n; i++) sub[slotOf(i, keyOf(h, i * WORDS, k)) + 1]!++;
      for (let g = 1; g < sub.length; g++) sub[g]! += sub[g - 1]!;
      for (let g = 0; g <= groups; g++) groupStarts[g] = sub[g * slots]!;
      this.dirs.push(new Directory(groupStarts.slice()));
      for (let i = 0; i < n; i++) {
        const aux = keyAux(h, i * WORDS, k, residBits, fpBits);
        table[at + sub[slotOf(i, keyOf(h, i * WORDS, k))]!++] = ((i & offMask) | (aux << offBits)) >>> 0;
        if ((i & (STEP - 1)) === STEP - 1) yield;
      }
      yield;
    }
  }

  /** Appends hits within `radius` of `q` (8 words) to the sink, tagged `tag`, each entry once. */
  search(q: Uint32Array, radius: number, tag: number, sink: HitSink): void {
    if (this.n === 0 || radius < 0) return;
    const u = probeRadii(radius);
    if (this.scansAt(radius, u)) {
      scan(this.hashes, this.ids, 0, this.n, q, radius, tag, sink);
      return;
    }
    const first = sink.count;
    const shift = 16 - this.dirBits;
    const off = this.offBits;
    const bb = this.blockBits;
    const offScale = 2 ** off;
    const offMask = offScale - 1;
    const blockScale = 2 ** bb;
    const blockMask = blockScale - 1;
    const residMask = 2 ** shift - 1;
    // The aux bits (above the offset) fit a 16-bit table lookup once offsets take 16 bits.
    const lutAux = off >= 16;

    // As native: list every bucket to probe and read its bounds in the directory, then touch
    // each cache line of its entries (independent loads the CPU overlaps, in place of a
    // prefetch), then filter. Filtering bucket by bucket waited on each cache miss in turn
    // (measured at 1M, r = 31: the table load was half the search time); a plain loop over the
    // lines listed beforehand keeps more loads in flight than loops that compute as they load.
    let np = 0;
    let entries = 0;
    const keyFrom = this.keyFrom;
    for (let k = 0; k < KEYS; k++) {
      keyFrom[k] = np;
      if (u[k]! < 0) continue;
      this.queryAux[k] = k === 0 ? key0Aux(q, 0, shift) : keyAux(q, 0, k, shift, this.fpBits);
      const from = np;
      np = this.neighbours(keyOf(q, 0, k) >>> shift, u[k]!, np);
      const at = k === 0 ? 0 : (k - 1) * this.n;
      this.dirs[k]!.bounds(this.probeBuckets, from, np, k === 0 ? 1 : blockScale, at, this.probeBegin, this.probeEnd);
    }
    keyFrom[KEYS] = np;
    entries += touch16(this.table0, this.probeBegin, this.probeEnd, keyFrom[0]!, keyFrom[1]!);
    entries += this.touchTable(keyFrom[1]!, np);

    // Filter key by key, so what a key's probes share (its table, the query's bits, its budgets)
    // is read once per key rather than once per probe.
    if (entries + 16 > this.cand.length) this.growCand(entries + 16);
    const cand = this.cand;
    const begins = this.probeBegin;
    const ends = this.probeEnd;
    const dists = this.probeDist;
    let nc = 0;
    for (let k = 0; k < KEYS; k++) {
      const jFrom = keyFrom[k]!;
      const jTo = keyFrom[k + 1]!;
      if (jFrom === jTo) continue;
      const qaux = this.queryAux[k]!;
      const uk = u[k]!;
      const region = uk + u[k ^ 1]! + 1;
      // The query's remaining key bits. A bucket keeps its entries in their order, so the run
      // that matches them is looked for from the nearer end on average: from the bucket's end
      // when they lie in the upper half of their values.
      const want = qaux & residMask;
      const fromEnd = 2 * want >= residMask;
      // The filter table for the budgets left at the probe's distance (probes come in order of it).
      let passDist = -1;
      let passes: Uint8Array = POPCOUNT16;
      let dense = false;
      if (k === 0) {
        // Key 0's table runs parallel to the hashes: an index is a position.
        const table0 = this.table0;
        for (let j = jFrom; j < jTo; j++) {
          const dist = dists[j]!;
          const end = ends[j]!;
          if (uk === dist && residMask !== 0) {
            // No key bits to spare: only the run of entries with the query's remaining key bits
            // can pass (entries are in key order within a bucket). At 100k entries, where an
            // entry keeps 4 bits of its key, that is 1 in 16 of a bucket one bit away.
            let i = begins[j]!;
            if (fromEnd) {
              let at = end;
              while (at > i && (table0[at - 1]! & residMask) >= want) at--;
              i = at;
            } else while (i < end && (table0[i]! & residMask) < want) i++;
            for (; i < end; i++) {
              const x = table0[i]! ^ qaux;
              if ((x & residMask) !== 0) break;
              // Key bits equal: within budget if the partner's bits are.
              if (popcount32(x) <= region - dist) cand[nc++] = i;
            }
            continue;
          }
          if (dist !== passDist) {
            passes = this.passTable(uk - dist, region - dist, residMask);
            passDist = dist;
          }
          for (let i = begins[j]!; i < end; i++) if (passes[table0[i]! ^ qaux] === 1) cand[nc++] = i;
        }
        continue;
      }
      const table = this.table;
      const dir = this.dirs[k]!;
      const at = (k - 1) * this.n;
      for (let j = jFrom; j < jTo; j++) {
        const begin = begins[j]!;
        const end = ends[j]!;
        const dist = dists[j]!;
        if (bb === 0 && uk === dist && residMask !== 0) {
          // As key 0's: only the run with the query's remaining key bits (without blocks a
          // bucket is one group, in key order). Written out here and for key 0 rather than
          // shared: one function over both array types ran ~3% slower at 100k (its loads see
          // two element kinds; six alternating pairs).
          let i = begin;
          if (fromEnd) {
            let at = end;
            while (at > i && ((table[at - 1]! >>> off) & residMask) >= want) at--;
            i = at;
          } else while (i < end && ((table[i]! >>> off) & residMask) < want) i++;
          for (; i < end; i++) {
            const e = table[i]!;
            const x = (e >>> off) ^ qaux;
            if ((x & residMask) !== 0) break;
            if (popcount32(x) <= region - dist) cand[nc++] = e & offMask;
          }
          continue;
        }
        const keyZero = uk === dist ? residMask : 0;
        let group = this.probeBuckets[j]! * blockScale;
        // Without blocks a bucket is one group: no entry reaches its end.
        let groupEnd = bb ? at + dir.at(group + 1) : end;
        if (lutAux) {
          // One lookup decides: pass[x] is 1 when x's key bits and all its bits are within budget
          // (with no key bits to spare, one AND rejects most entries before that lookup, a random
          // read in up to 64 KB).
          if (dist !== passDist) {
            passes = this.passTable(uk - dist, region - dist, residMask);
            dense = this.passDense[passSlot(uk - dist, region - dist)] === 1;
            passDist = dist;
          }
          if (bb === 0 && keyZero === 0 && dense) {
            for (let i = begin; i < end; i += 4) {
              const left = end - i;
              const e0 = table[i]!;
              const e1 = table[i + 1]!;
              const e2 = table[i + 2]!;
              const e3 = table[i + 3]!;
              cand[nc] = e0 & offMask;
              nc += passes[(e0 >>> off) ^ qaux]!;
              cand[nc] = e1 & offMask;
              nc += passes[(e1 >>> off) ^ qaux]! & ((1 - left) >>> 31);
              cand[nc] = e2 & offMask;
              nc += passes[(e2 >>> off) ^ qaux]! & ((2 - left) >>> 31);
              cand[nc] = e3 & offMask;
              nc += passes[(e3 >>> off) ^ qaux]! & ((3 - left) >>> 31);
            }
            continue;
          }
          if (bb === 0 && keyZero === 0) {
            // The usual case up to 2M entries, without the tests that cannot fail there. Four
            // entries a step (the table is padded past its end), one branch for the four (few
            // pass; 1M, r = 31: 5% faster a query than two a step).
            for (let i = begin; i < end; i += 4) {
              const e0 = table[i]!;
              const e1 = table[i + 1]!;
              const e2 = table[i + 2]!;
              const e3 = table[i + 3]!;
              const p0 = passes[(e0 >>> off) ^ qaux]!;
              const p1 = passes[(e1 >>> off) ^ qaux]!;
              const p2 = passes[(e2 >>> off) ^ qaux]!;
              const p3 = passes[(e3 >>> off) ^ qaux]!;
              if ((p0 | p1 | p2 | p3) !== 0) {
                if (p0 === 1) cand[nc++] = e0 & offMask;
                if (p1 === 1 && i + 1 < end) cand[nc++] = e1 & offMask;
                if (p2 === 1 && i + 2 < end) cand[nc++] = e2 & offMask;
                if (p3 === 1 && i + 3 < end) cand[nc++] = e3 & offMask;
              }
            }
            continue;
          }
          if (keyZero === 0) {
            // The same past 2M entries, where a bucket is a run of groups, one per block: the
            // entries that pass are listed by table index, then each finds its block by walking
            // the groups up to it.
            const listed = nc;
            for (let i = begin; i < end; i += 4) {
              const left = end - i;
              const p0 = passes[(table[i]! >>> off) ^ qaux]!;
              const p1 = passes[(table[i + 1]! >>> off) ^ qaux]! & ((1 - left) >>> 31);
              const p2 = passes[(table[i + 2]! >>> off) ^ qaux]! & ((2 - left) >>> 31);
              const p3 = passes[(table[i + 3]! >>> off) ^ qaux]! & ((3 - left) >>> 31);
              if (dense || (p0 | p1 | p2 | p3) !== 0) {
                cand[nc] = i;
                nc += p0;
                cand[nc] = i + 1;
                nc += p1;
                cand[nc] = i + 2;
                nc += p2;
                cand[nc] = i + 3;
                nc += p3;
              }
            }
            for (let c = listed; c < nc; c++) {
              const i = cand[c]!;
              while (i >= groupEnd) groupEnd = at + dir.at(++group + 1);
              cand[c] = (group & blockMask) * offScale + (table[i]! & offMask);
            }
            continue;
          }
          for (let i = begin; i < end; i++) {
            const e = table[i]!;
            const x = (e >>> off) ^ qaux;
            if ((x & keyZero) === 0 && passes[x] === 1) {
              // The entry's block is the group of the bucket that holds it.
              while (i >= groupEnd) groupEnd = at + dir.at(++group + 1);
              cand[nc++] = (group & blockMask) * offScale + (e & offMask);
            }
          }
        } else {
          const keyBudget = uk - dist;
          const regionBudget = region - dist;
          for (let i = begin; i < end; i++) {
            const e = table[i]!;
            const x = (e >>> off) ^ qaux;
            if (popcount32(x) <= regionBudget && popcount32(x & residMask) <= keyBudget) {
              while (i >= groupEnd) groupEnd = at + dir.at(++group + 1);
              cand[nc++] = (group & blockMask) * offScale + (e & offMask);
            }
          }
        }
      }
    }
    // The same for the candidates' hashes: touch them, then compare, VERIFY_CHUNK at a time so
    // the lines touched are still in the cache when compared (10M, r = 47, ~43k candidates a
    // query: all touched first, the comparisons found most gone, ~125 ns a candidate).
    const hashes = this.hashes;
    let touched = 0;
    for (let from = 0; from < nc; from += VERIFY_CHUNK) {
      const to = Math.min(nc, from + VERIFY_CHUNK);
      for (let i = from; i < to; i++) touched ^= hashes[cand[i]! * WORDS]!;
      for (let i = from; i < to; i++) {
        const pos = cand[i]!;
        const d = distanceAt(hashes, pos * WORDS, q, radius);
        if (d <= radius) push(sink, this.ids[pos]!, d, tag, pos);
      }
    }
    touchSink.value ^= touched;
    dedupe(sink, first);
  }

  /** Whether a straight scan is cheaper than probing at this radius: the probes would cover most of every table. */
  private scansAt(radius: number, u: Int32Array): boolean {
    const r = Math.min(radius, 256);
    if (this.plans[r] === 0) {
      let covered = 0;
      for (let k = 0; k < KEYS; k++) if (u[k]! >= 0) covered += ballVolume(this.dirBits, u[k]!) / 2 ** this.dirBits;
      this.plans[r] = covered > MAX_COVERAGE ? 2 : 1;
    }
    return this.plans[r] === 2;
  }

  /** The filter's verdict for every aux value under one pair of budgets, built once per pair. */
  private passTable(keyBudget: number, regionBudget: number, residMask: number): Uint8Array {
    const slot = passSlot(keyBudget, regionBudget);
    let t = this.passTables[slot];
    if (!t) {
      t = new Uint8Array(65536);
      for (let x = 0; x < t.length; x++)
        t[x] = POPCOUNT16[x]! <= regionBudget && POPCOUNT16[x & residMask]! <= keyBudget ? 1 : 0;
      this.passTables[slot] = t;
      // The share of entries expected to pass: of the values an entry's aux bits take.
      const values = 2 ** Math.min(16, 32 - this.offBits);
      let pass = 0;
      for (let x = 0; x < values; x++) pass += t[x]!;
      this.passDense[slot] = pass * DENSE >= values ? 1 : 0;
    }
    return t;
  }

  private growCand(n: number): void {
    const next = new Uint32Array(Math.max(n, this.cand.length * 2));
    next.set(this.cand);
    this.cand = next;
  }

  /** Appends every dirBits-bit prefix within `radius` of `center` to probeBuckets/probeDist from `at`; returns the new end. */
  private neighbours(center: number, radius: number, at: number): number {
    const need = at + ballVolume(this.dirBits, radius);
    if (need > this.probeBuckets.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(need * 2);
        b.set(a);
        return b;
      };
      this.probeBuckets = grow(this.probeBuckets);
      this.probeDist = grow(this.probeDist);
      this.probeBegin = grow(this.probeBegin);
      this.probeEnd = grow(this.probeEnd);
    }
    return this.enumerate(center, radius, 0, 0, at);
  }

  /**
   * One load per cache line of the buckets of probes [from, to) in the shared table, all lines
   * listed first, then loaded by one plain loop; returns the entries the buckets hold. The loads
   * go out as fast as the CPU takes them: a loop per key over its own table, loading as it went,
   * kept fewer in flight (272 buckets of 8-23 entries in 16 tables of 4 MB, in isolation on an
   * Intel Xeon: ~21 against ~11 ns a line; in the search at 1M, r = 31, ~13.5 -> ~10.5 us a
   * query). (On an AMD EPYC, an earlier session measured listing first as slower, with the
   * tables still apart.)
   */
  private touchTable(from: number, to: number): number {
    let c: number;
    while ((c = listLines(this.probeBegin, this.probeEnd, from, to, this.aligned, this.lines)) < 0) {
      this.lines = new Int32Array(this.lines.length * 2);
    }
    const lines = this.lines;
    const table = this.table;
    let t = 0;
    let i = 0;
    for (; i + 3 < c; i += 4) t ^= table[lines[i]!]! ^ table[lines[i + 1]!]! ^ table[lines[i + 2]!]! ^ table[lines[i + 3]!]!;
    for (; i < c; i++) t ^= table[lines[i]!]!;
    touchSink.value ^= t;
    return listed.entries;
  }

  private enumerate(center: number, radius: number, from: number, used: number, at: number): number {
    this.probeBuckets[at] = center;
    this.probeDist[at++] = used;
    if (used === radius) return at;
    if (radius - used === 1) {
      // The last flip unrolled (as native): r = 31 probes each key at radius 1.
      for (let b = from; b < this.dirBits; b++) {
        this.probeBuckets[at] = center ^ (1 << b);
        this.probeDist[at++] = used + 1;
      }
      return at;
    }
    for (let b = from; b < this.dirBits; b++) at = this.enumerate(center ^ (1 << b), radius, b + 1, used + 1, at);
    return at;
  }
}

const ALIGNED = new WeakSet<ArrayBuffer>();
/** WebAssembly's memory constructor (Node has it; the compiler's libraries here do not declare it). */
const WasmMemory = (
  globalThis as unknown as {
    WebAssembly?: { Memory: new (size: { initial: number; maximum: number }) => { buffer: ArrayBuffer } };
  }
).WebAssembly?.Memory;

/**
 * A zeroed Uint32Array of `length` that starts on a cache line when it can: in a WebAssembly
 * memory, whose base is page-aligned (JavaScript shows no array's address, and an ArrayBuffer's
 * lands wherever the allocator puts it, often 16 bytes past a page). Then a bucket's lines are
 * known and listed once each (1M, r = 31: 6% faster a query; r = 47, 7%). From 32 MB (where the
 * memory's 64 KB pages waste at most 0.2%; at 100k entries, listing whole lines was 4% slower
 * anyway) to 4 GB; else, or where WebAssembly is not available, an ordinary array.
 */
function lineAligned(length: number, from: number): Uint32Array<ArrayBuffer> {
  const pages = Math.ceil((length * 4) / 65536);
  if (length * 4 >= from && pages <= 65536 && WasmMemory) {
    try {
      const buffer = new WasmMemory({ initial: pages, maximum: pages }).buffer;
      ALIGNED.add(buffer);
      return new Uint32Array(buffer, 0, length);
    } catch {
      // an ordinary array below
    }
  }
  return new Uint32Array(length);
}

/** What listLines also counts: the entries of the buckets it listed. */
export const listed = { entries: 0 };

/**
 * Writes to `lines` an index in every cache line of the buckets [begins[j], ends[j]) for j in
 * [from, to) of a table of 4-byte entries (16 a line); returns how many, or -1 if `lines` is too
 * short. `aligned`: the table starts on a line, so each line is listed once.
 */
export function listLines(
  begins: Int32Array,
  ends: Int32Array,
  from: number,
  to: number,
  aligned: boolean,
  lines: Int32Array,
): number {
  let entries = 0;
  let c = 0;
  for (let j = from; j < to; j++) {
    const begin = begins[j]!;
    const end = ends[j]!;
    entries += end - begin;
    if (c + ((end - begin) >>> 4) + 4 > lines.length) return -1;
    if (aligned) {
      // The lines from the bucket's first: one, two or three for a bucket of up to 33 entries
      // without a branch (the next bucket's writes go over any not counted), a loop beyond.
      const first = begin & ~15;
      const span = end > begin ? (((end - 1) & ~15) - first) >>> 4 : -1; // lines - 1
      lines[c] = first;
      lines[c + 1] = first + 16;
      lines[c + 2] = first + 32;
      c += Math.min(span, 2) + 1;
      for (let i = first + 48; i < end; i += 16) lines[c++] = i;
      continue;
    }
    // Where lines start is unknown (an ordinary array's address is not visible): a load every 16
    // entries from the first, and the last, reach every line. Three for any bucket up to 32
    // entries, whatever its length, and a loop only beyond: a loop as long as the bucket
    // mispredicted where it ends (1M, r = 31: 3% slower a query).
    const last = Math.max(begin, end - 1);
    lines[c] = begin;
    lines[c + 1] = Math.min(begin + 16, last);
    lines[c + 2] = last;
    c += 3;
    for (let i = begin + 32; i < end; i += 16) lines[c++] = i;
  }
  listed.entries = entries;
  return c;
}

/** Where the pass table for a pair of budgets (each from -1) is kept. */
function passSlot(keyBudget: number, regionBudget: number): number {
  return (keyBudget + 1) * 64 + regionBudget + 1;
}

/** Where the touch loads (bucket lines, candidates' hashes) go, so the compiler cannot drop them. */
const touchSink = { value: 0 };

/**
 * One load per cache line of each bucket [begins[j], ends[j]) for j in [from, to) of key 0's
 * table (2-byte entries, 32 a line); returns the entries the buckets hold. Its first and last
 * line without a branch on the bucket's length, then any between. (Key 0 probes a sixteenth of
 * the buckets, on an array of its own; listing their lines as TsSegment.touchTable does made no
 * difference.)
 */
function touch16(table: Uint16Array, begins: Int32Array, ends: Int32Array, from: number, to: number): number {
  let t = 0;
  let entries = 0;
  for (let j = from; j < to; j++) {
    const begin = begins[j]!;
    const end = ends[j]!;
    entries += end - begin;
    t ^= table[begin]! ^ table[Math.max(begin, end - 1)]!;
  }
  for (let j = from; j < to; j++) {
    const last = ends[j]! - 1;
    for (let i = (begins[j]! | 31) + 1; i < last; i += 32) t ^= table[i]!;
  }
  touchSink.value ^= t;
  return entries;
}

// Positions of the hits since `first`, kept with the hits so duplicates can be dropped.
const seenPositions: number[] = [];
const FEW_HITS = 32;

function keptAt(pos: number, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (seenPositions[i] === pos) return true;
  return false;
}

function push(sink: HitSink, id: number, d: number, tag: number, pos: number): void {
  growSink(sink, sink.count + 1);
  sink.pairs[sink.count * 2] = id;
  sink.pairs[sink.count * 2 + 1] = d | (tag << TAG_SHIFT);
  seenPositions[sink.count] = pos;
  sink.count++;
}

/**
 * A hash close to the query usually passes through several keys: keep each position once. A few
 * hits (the usual case) are checked against those kept so far; a Set for more (a new Set every
 * query cost 2% of a TypeScript query at 1M, r = 31).
 */
function dedupe(sink: HitSink, first: number): void {
  if (sink.count - first < 2) return;
  const seen = sink.count - first > FEW_HITS ? new Set<number>() : null;
  let w = first;
  for (let r = first; r < sink.count; r++) {
    const pos = seenPositions[r]!;
    if (seen) {
      if (seen.has(pos)) continue;
      seen.add(pos);
    } else if (keptAt(pos, first, w)) continue;
    sink.pairs[w * 2] = sink.pairs[r * 2]!;
    sink.pairs[w * 2 + 1] = sink.pairs[r * 2 + 1]!;
    seenPositions[w] = pos;
    w++;
  }
  sink.count = w;
}

/** The distance, or some value above `radius` once half the words already exceed it. */
export function distanceAt(h: Uint32Array, at: number, q: Uint32Array, radius: number): number {
  const half =
    popcount32(h[at]! ^ q[0]!) +
    popcount32(h[at + 1]! ^ q[1]!) +
    popcount32(h[at + 2]! ^ q[2]!) +
    popcount32(h[at + 3]! ^ q[3]!);
  if (half > radius) return half;
  return (
    half +
    popcount32(h[at + 4]! ^ q[4]!) +
    popcount32(h[at + 5]! ^ q[5]!) +
    popcount32(h[at + 6]! ^ q[6]!) +
    popcount32(h[at + 7]! ^ q[7]!)
  );
}

/** Brute-force scan of entries [begin, end). */
export function scan(
  h: Uint32Array,
  ids: Uint32Array,
  begin: number,
  end: number,
  q: Uint32Array,
  radius: number,
  tag: number,
  sink: HitSink,
): void {
  for (let i = begin; i < end; i++) {
    const d = distanceAt(h, i * WORDS, q, radius);
    if (d <= radius) push(sink, ids[i]!, d, tag, i);
  }
}

const radiiCache = new Map<number, Int32Array>();

/** Per-key probe radii with sum(u + 1) = radius + 1; extras go to one key per region first. */
export function probeRadii(radius: number): Int32Array {
  let u = radiiCache.get(radius);
  if (u) return u;
  const total = radius + 1;
  u = new Int32Array(KEYS).fill(Math.floor(total / KEYS) - 1);
  for (let i = 0; i < total % KEYS; i++) u[REGION_ORDER[i]!]!++;
  radiiCache.set(radius, u);
  return u;
}

function ballVolume(bits: number, radius: number): number {
  let v = 0;
  let c = 1;
  for (let i = 0; i <= radius && i <= bits; i++) {
    v += c;
    c = (c * (bits - i)) / (i + 1);
  }
  return v;
}
