/**
 * Loads the Hamming-index addon built by native/build.mjs. Never throws: when the addon is
 * missing or fails to load, the reason is returned and src/matching falls back to TypeScript.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeSegment {
  readonly size: number;
  readonly bytes: number;
}

export interface NativeRaw {
  ids: Uint32Array;
  hashes: Uint8Array;
}

export interface NativeSegmentSet {
  /** Writes hits as pairs [id, distance | tag << 16] from pair `start`, while out has room; returns the new total. */
  search(query: Uint8Array, radius: number, out: Uint32Array, start: number): number;
  searchBatch(
    queries: Uint8Array,
    radius: number,
    raws: NativeRaw[],
  ): Promise<{ counts: Uint32Array; hits: Uint32Array }>;
}

export interface NativeBinding {
  Segment: abstract new () => NativeSegment;
  SegmentSet: new (segments: NativeSegment[]) => NativeSegmentSet;
  compact(
    segments: NativeSegment[],
    segmentGens: Uint32Array,
    raws: NativeRaw[],
    rawGens: Uint32Array,
    tombIds: Uint32Array,
    tombGens: Uint32Array,
  ): Promise<NativeSegment>;
  brute(
    ids: Uint32Array,
    hashes: Uint8Array,
    count: number,
    query: Uint8Array,
    radius: number,
    out: Uint32Array,
    start: number,
    tag: number,
  ): number;
  /** The instruction set chosen at run time: avx512, avx2, popcnt or generic. */
  simd: string;
}

export type NativeLoad = { binding: NativeBinding; path: string } | { binding: null; reason: string };

const ADDON = join('build', 'Release', 'tiphash_native.node');

/** native/ in the source tree, whether this file runs from native/ or from dist/native/. */
function nativeDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, resolve(here, '../../native')];
  return candidates.find((d) => existsSync(join(d, ADDON))) ?? here;
}

let cached: NativeLoad | undefined;

export function loadNative(): NativeLoad {
  if (cached) return cached;
  const path = join(nativeDir(), ADDON);
  if (!existsSync(path)) {
    cached = { binding: null, reason: `addon not built (${path} missing; run npm run build:native)` };
    return cached;
  }
  try {
    const binding = createRequire(import.meta.url)(path) as NativeBinding;
    cached = { binding, path };
  } catch (err) {
    cached = { binding: null, reason: `addon failed to load: ${err instanceof Error ? err.message : String(err)}` };
  }
  return cached;
}
