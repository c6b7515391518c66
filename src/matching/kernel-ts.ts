/**
 * The TypeScript kernel. Long work (building a segment, a batch of queries) runs in slices of
 * a few milliseconds with the event loop turning in between, so queries and timers keep
 * being served while a list is imported.
 */
import { setImmediate as turn } from 'node:timers/promises';
import type { BatchHits, CompactInput, HammingKernel, HitSink, KernelSegment, RawRun, SegmentView } from './kernel.js';
import { scan, TsSegment, wordsOf, type Source, type Steps } from './ts-segment.js';

const SLICE_MS = 8;

async function runSliced<T>(steps: Steps<T>): Promise<T> {
  let deadline = performance.now() + SLICE_MS;
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() >= deadline) {
      await turn();
      deadline = performance.now() + SLICE_MS;
    }
  }
}

function asSegment(s: KernelSegment): TsSegment {
  if (!(s instanceof TsSegment)) throw new TypeError('Expected a segment built by the TypeScript kernel');
  return s;
}

function hiddenMask(
  ids: Uint32Array,
  count: number,
  gen: number,
  tombstones: ReadonlyMap<number, number>,
): Uint8Array | null {
  if (tombstones.size === 0) return null;
  const hidden = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const t = tombstones.get(ids[i]!);
    if (t !== undefined && t > gen) hidden[i] = 1;
  }
  return hidden;
}

/** Copies a query's bytes into 8 words (a reused buffer: the caller uses it before the next call). */
const queryWords = new Uint32Array(8);
const queryBytes = new Uint8Array(queryWords.buffer);
function wordsOfQuery(query: Uint8Array): Uint32Array {
  queryBytes.set(query);
  return queryWords;
}

class TsView implements SegmentView {
  constructor(private readonly segments: TsSegment[]) {}

  search(query: Uint8Array, radius: number, sink: HitSink): void {
    const q = wordsOfQuery(query);
    for (let s = 0; s < this.segments.length; s++) this.segments[s]!.search(q, radius, s, sink);
  }

  async searchBatch(queries: Uint8Array, radius: number, raws: RawRun[]): Promise<BatchHits> {
    const n = queries.length / 32;
    const counts = new Uint32Array(n);
    const sink: HitSink = { pairs: new Uint32Array(256), count: 0 };
    const runs = raws.map((r) => ({ words: wordsOf(r.hashes, r.ids.length), ids: r.ids }));
    await runSliced(this.batchSteps(queries, radius, runs, counts, sink));
    return { counts, hits: sink.pairs.slice(0, sink.count * 2) };
  }

  private *batchSteps(
    queries: Uint8Array,
    radius: number,
    runs: Array<{ words: Uint32Array; ids: Uint32Array }>,
    counts: Uint32Array,
    sink: HitSink,
  ): Steps<void> {
    for (let i = 0; i < counts.length; i++) {
      const before = sink.count;
      const q = wordsOfQuery(queries.subarray(i * 32, i * 32 + 32));
      for (let s = 0; s < this.segments.length; s++) this.segments[s]!.search(q, radius, s, sink);
      runs.forEach((r, j) => scan(r.words, r.ids, 0, r.ids.length, q, radius, this.segments.length + j, sink));
      counts[i] = sink.count - before;
      yield;
    }
  }
}

export const tsKernel: HammingKernel = {
  impl: 'ts',
  detail: 'typed arrays',

  async compact(input: CompactInput): Promise<KernelSegment> {
    const sources: Source[] = [];
    input.segments.forEach((seg, i) => {
      const s = asSegment(seg);
      sources.push({
        ids: s.ids,
        words: s.hashes,
        count: s.n,
        hidden: hiddenMask(s.ids, s.n, input.segmentGens[i]!, input.tombstones),
      });
    });
    input.raws.forEach((r, i) => {
      const count = r.ids.length;
      sources.push({
        ids: r.ids,
        words: wordsOf(r.hashes, count),
        count,
        hidden: hiddenMask(r.ids, count, input.rawGens[i]!, input.tombstones),
      });
    });
    return runSliced(TsSegment.build(sources));
  },

  view(segments: KernelSegment[]): SegmentView {
    return new TsView(segments.map(asSegment));
  },

  brute(raw: RawRun, count: number, query: Uint8Array, radius: number, tag: number, sink: HitSink): void {
    scan(wordsOf(raw.hashes, count), raw.ids, 0, count, wordsOfQuery(query), radius, tag, sink);
  },
};
