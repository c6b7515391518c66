/**
 * PDQ (Meta's 256-bit perceptual hash) from luma, compatible with the reference
 * (../shared/PDQ_NOTES.md). `pdqFromLuma` is the reference algorithm bit for bit; the fast
 * path in pdq-fast.ts only replaces the blur+decimate step and shares everything after it.
 */
import { PDQ_GRID, jaroszDecimate } from './jarosz.js';
import { lumaFromPixels } from './luma.js';
import { DCT_SIZE, dct16, pdqQuality } from './pdq-dct.js';
import { fastGrid } from './pdq-fast.js';
import { kthSmallest } from './select.js';
import { squash512 } from './squash.js';

export const PDQ_BYTES = 32;

export interface PdqResult {
  /** 32 bytes, big-endian: the bytes of `hex`. */
  hash: Uint8Array;
  /** 64 lowercase hex digits, as the reference prints it. */
  hex: string;
  /** 0–100; Meta recommends ignoring hashes below 50. */
  quality: number;
  /** The 16x16 DCT (row-major) the bits came from; pdqDihedral derives the 8 variants from it. */
  dct: Float32Array;
}

/** Images with a side below this hash to all zeros with quality 0, as in the reference. */
export const PDQ_MIN_SIDE = 5;

/** Bit k = 16u+v is set iff B[u][v] exceeds the lower median (the 128th smallest of 256). */
export function bitsFromDct(dct: Float32Array): Uint8Array {
  const median = kthSmallest(dct, (DCT_SIZE * DCT_SIZE) / 2 - 1);
  const hash = new Uint8Array(PDQ_BYTES);
  for (let k = 0; k < DCT_SIZE * DCT_SIZE; k++) {
    if (dct[k]! > median) hash[PDQ_BYTES - 1 - (k >> 3)]! |= 1 << (k & 7);
  }
  return hash;
}

export function hashHex(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex');
}

function resultFrom(dct: Float32Array, quality: number): PdqResult {
  const hash = bitsFromDct(dct);
  return { hash, hex: hashHex(hash), quality, dct };
}

/** The reference's answer for images too small to hash. */
export function emptyPdq(): PdqResult {
  const hash = new Uint8Array(PDQ_BYTES);
  return { hash, hex: hashHex(hash), quality: 0, dct: new Float32Array(DCT_SIZE * DCT_SIZE) };
}

/** The shared tail: a 64x64 grid → quality, DCT, bits. */
export function pdqFromGrid(grid: Float32Array): PdqResult {
  if (grid.length !== PDQ_GRID * PDQ_GRID)
    throw new RangeError(`Expected a ${PDQ_GRID}x${PDQ_GRID} grid but received ${grid.length} values`);
  return resultFrom(dct16(grid), pdqQuality(grid));
}

/**
 * - `exact`: the reference, full resolution (flavour B: HMA, python-threatexchange, Java).
 * - `fast`: the same operator as weighted sums; accepts a reduced decode (storedWidth/Height
 *   give the stored size) and then approximates `exact`.
 * - `squash512`: the C++ CLI (flavour A): squash to 512x512 by nearest neighbour first.
 */
export type PdqFlavour = 'exact' | 'fast' | 'squash512';

export interface PdqOptions {
  flavour?: PdqFlavour;
  /** The stored image's size when `luma` is a reduced decode of it (fast only). */
  storedWidth?: number;
  storedHeight?: number;
}

/** PDQ of a luma buffer (row-major, width*height float32 values); the reference by default. */
export function pdqFromLuma(luma: Float32Array, width: number, height: number, options: PdqOptions = {}): PdqResult {
  if (luma.length < width * height)
    throw new RangeError(`Expected ${width * height} luma values but received ${luma.length}`);
  const flavour = options.flavour ?? 'exact';
  const storedWidth = options.storedWidth ?? width;
  const storedHeight = options.storedHeight ?? height;
  if (flavour !== 'fast' && (storedWidth !== width || storedHeight !== height)) {
    throw new RangeError(
      `The ${flavour} flavour needs full-resolution luma (${storedWidth}x${storedHeight}) but received ${width}x${height}`,
    );
  }
  if (storedWidth < PDQ_MIN_SIDE || storedHeight < PDQ_MIN_SIDE) return emptyPdq();
  if (flavour === 'fast') return pdqFromGrid(fastGrid(luma, width, height, storedWidth, storedHeight));
  const src = flavour === 'squash512' ? squash512(luma, width, height) : { luma, width, height };
  return pdqFromGrid(jaroszDecimate(src.luma, src.width, src.height));
}

/** PDQ of interleaved 8-bit grey or RGB pixels (alpha already set aside). */
export function pdqFromPixels(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  options: PdqOptions = {},
): PdqResult {
  return pdqFromLuma(lumaFromPixels(data, width, height, channels), width, height, options);
}
