/** The native kernel: the addon from native/, behind the same interface as the TypeScript one. */
import type { NativeBinding, NativeSegment, NativeSegmentSet } from '../../native/index.js';
import {
  growSink,
  type BatchHits,
  type CompactInput,
  type HammingKernel,
  type HitSink,
  type KernelSegment,
  type RawRun,
  type SegmentView,
} from './kernel.js';

/**
 * Every query goes to the addon through this one buffer. A small Uint8Array lives on V8's heap,
 * and handing one to native code makes V8 move it out first: with a fresh array per query that
 * was ~1 µs a search, more than a radius-0 search itself (measured at 100k, radius 0: 1.4-2.1 µs
 * a search against 0.4-0.7 with the query copied here).
 */
const queryBuffer = new Uint8Array(new ArrayBuffer(32));

function asQuery(query: Uint8Array): Uint8Array {
  if (query.length !== queryBuffer.length) throw new TypeError('Expected a 32-byte hash');
  queryBuffer.set(query);
  return queryBuffer;
}

class NativeView implements SegmentView {
  constructor(private readonly set: NativeSegmentSet) {}

  search(query: Uint8Array, radius: number, sink: HitSink): void {
    const q = asQuery(query);
    const total = this.set.search(q, radius, sink.pairs, sink.count);
    if (total * 2 > sink.pairs.length) {
      // Too many hits for the buffer: grow it and ask again (rare: hits are few).
      growSink(sink, total);
      this.set.search(q, radius, sink.pairs, sink.count);
    }
    sink.count = total;
  }

  searchBatch(queries: Uint8Array, radius: number, raws: RawRun[]): Promise<BatchHits> {
    return this.set.searchBatch(
      queries,
      radius,
      raws.map((r) => ({ ids: r.ids, hashes: r.hashes })),
    );
  }
}

export function nativeKernel(binding: NativeBinding): HammingKernel {
  const asNative = (s: KernelSegment): NativeSegment => {
    if (!(s instanceof binding.Segment)) throw new TypeError('Expected a segment built by the native kernel');
    return s;
  };
  return {
    impl: 'native',
    detail: binding.simd,

    compact(input: CompactInput): Promise<KernelSegment> {
      const tombIds = Uint32Array.from(input.tombstones.keys());
      const tombGens = Uint32Array.from(input.tombstones.values());
      return binding.compact(
        input.segments.map(asNative),
        Uint32Array.from(input.segmentGens),
        input.raws.map((r) => ({ ids: r.ids, hashes: r.hashes })),
        Uint32Array.from(input.rawGens),
        tombIds,
        tombGens,
      );
    },

    view(segments: KernelSegment[]): SegmentView {
      return new NativeView(new binding.SegmentSet(segments.map(asNative)));
    },

    brute(raw: RawRun, count: number, query: Uint8Array, radius: number, tag: number, sink: HitSink): void {
      const q = asQuery(query);
      const total = binding.brute(raw.ids, raw.hashes, count, q, radius, sink.pairs, sink.count, tag);
      if (total * 2 > sink.pairs.length) {
        growSink(sink, total);
        binding.brute(raw.ids, raw.hashes, count, q, radius, sink.pairs, sink.count, tag);
      }
      sink.count = total;
    },
  };
}
