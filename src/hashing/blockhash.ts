/**
 * 256-bit blockhash through blockhash-core, which reads RGBA (a fully transparent pixel counts
 * as white; grey or RGB input would be misread silently, so every input is expanded to RGBA).
 * Method 2 (`bmvbhash`) is the product's blockhash: it weights pixels that straddle block
 * boundaries, so every pixel counts for any size; method 1 (`bmvbhashEven`) drops the
 * remainder rows and columns when a side is not a multiple of 16.
 */
import { bmvbhash, bmvbhashEven } from 'blockhash-core';

export type BlockhashMethod = 1 | 2;
export const BLOCKHASH_BITS_PER_SIDE = 16;

export function blockhashFromRgba(
  rgba: Uint8Array,
  width: number,
  height: number,
  method: BlockhashMethod = 2,
): string {
  if (rgba.length < width * height * 4)
    throw new RangeError(`Expected ${width * height * 4} RGBA bytes but received ${rgba.length}`);
  const image = { width, height, data: rgba };
  return method === 1 ? bmvbhashEven(image, BLOCKHASH_BITS_PER_SIDE) : bmvbhash(image, BLOCKHASH_BITS_PER_SIDE);
}

/** Grey or RGB pixels plus an optional alpha plane → RGBA (opaque when there is no alpha). */
export function rgbaFromPixels(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  alpha: Uint8Array | null,
): Uint8Array {
  const n = width * height;
  const rgba = new Uint8Array(n * 4);
  const g = channels === 3 ? 1 : 0;
  const b = channels === 3 ? 2 : 0;
  for (let i = 0, p = 0, q = 0; i < n; i++, p += channels, q += 4) {
    rgba[q] = data[p]!;
    rgba[q + 1] = data[p + g]!;
    rgba[q + 2] = data[p + b]!;
    rgba[q + 3] = alpha ? alpha[i]! : 255;
  }
  return rgba;
}
