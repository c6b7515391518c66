/**
 * The segment kernel: what the native addon and the TypeScript twin both implement. The
 * index above it (segmented-index.ts) owns updates and visibility; a kernel only builds
 * immutable segments and searches them, so one piece of update logic serves both.
 */

/** A frozen run of entries: ids and 32 bytes of hash per id. Never written after handing over. */
export interface RawRun {
  readonly ids: Uint32Array;
  readonly hashes: Uint8Array;
}

export interface KernelSegment {
  readonly size: number;
  /** Memory held, in bytes. */
  readonly bytes: number;
}

/** A growable buffer of hits as pairs [id, distance | tag << 16]; `count` counts pairs. */
export interface HitSink {
  pairs: Uint32Array;
  count: number;
}

export interface BatchHits {
  /** Hits per query, in query order. */
  counts: Uint32Array;
  /** All hits as pairs [id, distance | tag << 16], query after query. */
  hits: Uint32Array;
}

/** A fixed list of built segments; a hit's tag is its segment's index in the list. */
export interface SegmentView {
  search(query: Uint8Array, radius: number, sink: HitSink): void;
  /** Also scans `raws` by brute force; their tags follow the segments'. */
  searchBatch(queries: Uint8Array, radius: number, raws: RawRun[]): Promise<BatchHits>;
}

export interface CompactInput {
  segments: KernelSegment[];
  segmentGens: number[];
  raws: RawRun[];
  rawGens: number[];
  /** id -> generation of its removal: entries of older generations are dropped. */
  tombstones: ReadonlyMap<number, number>;
}

export interface HammingKernel {
  readonly impl: 'native' | 'ts';
  /** e.g. the SIMD level the native code chose. */
  readonly detail: string;
  /** Builds one segment from all entries of the input, off the main thread or in slices. */
  compact(input: CompactInput): Promise<KernelSegment>;
  view(segments: KernelSegment[]): SegmentView;
  /** Appends hits among the first `count` entries of `raw`, tagged `tag`. */
  brute(raw: RawRun, count: number, query: Uint8Array, radius: number, tag: number, sink: HitSink): void;
}

export const HASH_BYTES = 32;
export const TAG_SHIFT = 16;

export function growSink(sink: HitSink, pairs: number): void {
  if (pairs * 2 <= sink.pairs.length) return;
  const next = new Uint32Array(Math.max(pairs * 2, sink.pairs.length * 2));
  next.set(sink.pairs.subarray(0, sink.count * 2));
  sink.pairs = next;
}
