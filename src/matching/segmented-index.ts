/**
 * HammingIndex over a kernel, LSM-style, so list changes never wait for a rebuild:
 * - add() appends to a small mutable delta searched by brute force; a full delta is frozen
 *   into a run, and runs are built into multi-index segments in the background;
 * - remove() deletes from the delta at once and records a tombstone (id -> generation) that
 *   hides the id's entries in older runs and segments until a compaction drops them;
 * - compactions merge segments (size-tiered) and swap the result in when done. Queries read
 *   whatever set of segments is current and never wait on a build.
 * Generations: the delta has the current generation; freezing a run, importing a batch or
 * starting a compaction gives it that generation and opens the next one. A tombstone (made
 * with the current generation) hides entries of sources with an older generation, so an id
 * removed and then added again stays visible, and a compaction's output, having dropped what
 * the tombstones hid, is hidden only by later removals.
 */
import { invalidArgument } from '../core/errors.js';
import type { HammingIndex, HammingIndexStats, IndexMatch } from './hamming-index.js';
import {
  HASH_BYTES,
  TAG_SHIFT,
  type HammingKernel,
  type HitSink,
  type KernelSegment,
  type RawRun,
  type SegmentView,
} from './kernel.js';

export interface SegmentedIndexOptions {
  /** Entries added one by one before they are frozen into a run. */
  deltaCapacity?: number;
  /** More built segments than this triggers merging the smaller ones. */
  maxSegments?: number;
  /** Called with an error from a background build; the index keeps serving what it has. */
  onError?: (err: unknown) => void;
}

interface Built {
  seg: KernelSegment;
  gen: number;
}

interface Run {
  run: RawRun;
  gen: number;
}

const MAX_RADIUS = 256;

export function checkHash(hash: Uint8Array, what: string): void {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_BYTES) {
    throw invalidArgument(
      'a 32-byte Uint8Array',
      what,
      hash instanceof Uint8Array ? `${hash.length} bytes` : typeof hash,
    );
  }
}

export function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff)
    throw invalidArgument('an integer id from 0 to 4294967295', 'the entry id', id);
}

function checkRadius(radius: number): void {
  if (!Number.isInteger(radius) || radius < 0 || radius > MAX_RADIUS)
    throw invalidArgument(`an integer radius from 0 to ${MAX_RADIUS}`, 'the search radius', radius);
}

export class SegmentedIndex implements HammingIndex {
  readonly impl: 'native' | 'ts';
  private readonly deltaCapacity: number;
  private readonly maxSegments: number;
  private readonly onError: (err: unknown) => void;
  private segments: Built[] = [];
  private runs: Run[] = [];
  private view: SegmentView;
  private deltaIds: Uint32Array;
  private deltaHashes: Uint8Array;
  private deltaCount = 0;
  private gen = 0;
  private readonly tombstones = new Map<number, number>();
  private maintenance: Promise<void> | null = null;
  private readonly sink: HitSink = { pairs: new Uint32Array(256), count: 0 };

  constructor(
    private readonly kernel: HammingKernel,
    options: SegmentedIndexOptions = {},
  ) {
    this.impl = kernel.impl;
    this.deltaCapacity = options.deltaCapacity ?? 2048;
    this.maxSegments = options.maxSegments ?? 4;
    this.onError =
      options.onError ??
      ((err) => process.emitWarning(`tiphash: Hamming index background build failed: ${String(err)}`));
    this.deltaIds = new Uint32Array(this.deltaCapacity);
    this.deltaHashes = new Uint8Array(this.deltaCapacity * HASH_BYTES);
    this.view = kernel.view([]);
  }

  add(id: number, hash: Uint8Array): void {
    checkId(id);
    checkHash(hash, 'the entry hash');
    this.deltaIds[this.deltaCount] = id;
    this.deltaHashes.set(hash, this.deltaCount * HASH_BYTES);
    if (++this.deltaCount === this.deltaCapacity) this.freeze();
  }

  addMany(ids: Uint32Array | readonly number[], hashes: Uint8Array): void {
    if (!(hashes instanceof Uint8Array) || hashes.length !== ids.length * HASH_BYTES) {
      throw invalidArgument(
        `${ids.length * HASH_BYTES} bytes of hashes (32 per id)`,
        'addMany',
        hashes instanceof Uint8Array ? `${hashes.length} bytes` : typeof hashes,
      );
    }
    for (const id of ids) checkId(id);
    if (ids.length === 0) return;
    this.runs.push({ run: { ids: Uint32Array.from(ids), hashes: new Uint8Array(hashes) }, gen: this.gen++ });
    this.schedule();
  }

  remove(id: number): void {
    checkId(id);
    let w = 0;
    for (let r = 0; r < this.deltaCount; r++) {
      if (this.deltaIds[r] === id) continue;
      if (w !== r) {
        this.deltaIds[w] = this.deltaIds[r]!;
        this.deltaHashes.copyWithin(w * HASH_BYTES, r * HASH_BYTES, (r + 1) * HASH_BYTES);
      }
      w++;
    }
    this.deltaCount = w;
    if (this.segments.length > 0 || this.runs.length > 0) {
      this.tombstones.set(id, this.gen);
      this.schedule();
    }
  }

  search(query: Uint8Array, radius: number): IndexMatch[] {
    checkHash(query, 'the query hash');
    checkRadius(radius);
    const sink = this.sink;
    sink.count = 0;
    if (this.segments.length > 0) this.view.search(query, radius, sink);
    const runTag = this.segments.length;
    this.runs.forEach((r, i) => this.kernel.brute(r.run, r.run.ids.length, query, radius, runTag + i, sink));
    const deltaTag = runTag + this.runs.length;
    if (this.deltaCount > 0)
      this.kernel.brute(
        { ids: this.deltaIds, hashes: this.deltaHashes },
        this.deltaCount,
        query,
        radius,
        deltaTag,
        sink,
      );
    const gens = this.tombstones.size > 0 ? this.sourceGens() : null;
    return collect(sink.pairs, 0, sink.count, gens, this.tombstones);
  }

  async searchBatch(queries: Uint8Array, radius: number): Promise<IndexMatch[][]> {
    if (!(queries instanceof Uint8Array) || queries.length % HASH_BYTES !== 0) {
      throw invalidArgument(
        'a Uint8Array of concatenated 32-byte hashes',
        'the batch queries',
        queries instanceof Uint8Array ? `${queries.length} bytes` : typeof queries,
      );
    }
    checkRadius(radius);
    // A snapshot: later changes to the delta or the segment list do not affect this batch.
    const runs: RawRun[] = this.runs.map((r) => r.run);
    if (this.deltaCount > 0)
      runs.push({
        ids: this.deltaIds.slice(0, this.deltaCount),
        hashes: this.deltaHashes.slice(0, this.deltaCount * HASH_BYTES),
      });
    const gens = this.sourceGens();
    const { counts, hits } = await this.view.searchBatch(new Uint8Array(queries), radius, runs);
    const out: IndexMatch[][] = [];
    let at = 0;
    for (const n of counts) {
      out.push(collect(hits, at, at + n, this.tombstones.size > 0 ? gens : null, this.tombstones));
      at += n;
    }
    return out;
  }

  async flush(): Promise<void> {
    if (this.deltaCount > 0) this.freeze();
    while (this.maintenance) await this.maintenance;
  }

  stats(): HammingIndexStats {
    let entries = this.deltaCount;
    let bytes = this.deltaIds.byteLength + this.deltaHashes.byteLength;
    for (const s of this.segments) {
      entries += s.seg.size;
      bytes += s.seg.bytes;
    }
    for (const r of this.runs) {
      entries += r.run.ids.length;
      bytes += r.run.ids.byteLength + r.run.hashes.byteLength;
    }
    return {
      impl: this.impl,
      entries,
      segments: this.segments.length,
      pendingRuns: this.runs.length,
      delta: this.deltaCount,
      tombstones: this.tombstones.size,
      bytes,
    };
  }

  /** Generation per hit tag: segments, then runs; the delta (last tag) is never hidden. */
  private sourceGens(): number[] {
    return [...this.segments.map((s) => s.gen), ...this.runs.map((r) => r.gen), Number.MAX_SAFE_INTEGER];
  }

  private freeze(): void {
    this.runs.push({
      run: {
        ids: this.deltaIds.slice(0, this.deltaCount),
        hashes: this.deltaHashes.slice(0, this.deltaCount * HASH_BYTES),
      },
      gen: this.gen++,
    });
    this.deltaCount = 0;
    this.schedule();
  }

  private schedule(): void {
    if (this.maintenance) return;
    this.maintenance = this.maintain()
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.maintenance = null;
      });
  }

  private async maintain(): Promise<void> {
    for (;;) {
      const job = this.nextJob();
      if (!job) return;
      // The output has applied every tombstone up to this generation, so it takes this one
      // and later removals (next generation) still hide its entries.
      const gen = this.gen++;
      const seg = await this.kernel.compact({
        segments: job.segments.map((s) => s.seg),
        segmentGens: job.segments.map((s) => s.gen),
        raws: job.runs.map((r) => r.run),
        rawGens: job.runs.map((r) => r.gen),
        tombstones: this.tombstones,
      });
      // The swap: one synchronous step, so a query sees either the old sources or the new one.
      this.segments = [
        ...this.segments.filter((s) => !job.segments.includes(s)),
        ...(seg.size > 0 ? [{ seg, gen }] : []),
      ];
      this.runs = this.runs.filter((r) => !job.runs.includes(r));
      this.view = this.kernel.view(this.segments.map((s) => s.seg));
      this.dropSpentTombstones();
    }
  }

  /** Runs are built first; then segments are merged when there are too many or too many removals. */
  private nextJob(): { segments: Built[]; runs: Run[] } | null {
    if (this.runs.length > 0) return { segments: [], runs: [...this.runs] };
    const bySize = [...this.segments].sort((a, b) => b.seg.size - a.seg.size);
    const total = bySize.reduce((n, s) => n + s.seg.size, 0);
    if (bySize.length >= 2 && bySize[1]!.seg.size * 4 >= bySize[0]!.seg.size) return { segments: bySize, runs: [] };
    if (bySize.length > this.maxSegments) return { segments: bySize.slice(1), runs: [] };
    if (this.tombstones.size > 0 && this.tombstones.size * 32 >= total) return { segments: bySize, runs: [] };
    return null;
  }

  /** A tombstone no older source can be hiding behind is spent. */
  private dropSpentTombstones(): void {
    const oldest = Math.min(...this.segments.map((s) => s.gen), ...this.runs.map((r) => r.gen));
    for (const [id, gen] of this.tombstones) if (gen <= oldest) this.tombstones.delete(id);
  }
}

function collect(
  pairs: Uint32Array,
  from: number,
  to: number,
  gens: number[] | null,
  tombstones: ReadonlyMap<number, number>,
): IndexMatch[] {
  const out: IndexMatch[] = [];
  for (let i = from; i < to; i++) {
    const id = pairs[i * 2]!;
    const meta = pairs[i * 2 + 1]!;
    if (gens) {
      const t = tombstones.get(id);
      if (t !== undefined && t > gens[meta >>> TAG_SHIFT]!) continue;
    }
    out.push({ id, distance: meta & 0xffff });
  }
  return out;
}
