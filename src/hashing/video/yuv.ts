/**
 * YUV 4:2:0 → PDQ luma, computed the way vPDQ's frames were made: the reference hashes each
 * frame after libswscale's unscaled C converter (yuv420p → RGB24, default BT.601 matrix,
 * ignoring the stream's colour tags), then takes luma from RGB (PDQ_NOTES §3). ffmpeg's x86
 * SIMD converter rounds differently and moves hashes by up to tens of bits on low-contrast
 * frames (VPDQ_NOTES "Cause found"), so we take the planes as decoded and redo the C
 * converter's integer arithmetic here: bit-exact with Meta's sample hashes at no ffmpeg cost.
 *
 * The C converter, in integer fixed point (16 fractional bits):
 *  - every 2x2 block of luma shares one chroma pair (no interpolation);
 *  - R = T[Y + r(V)], G = T[Y + gu(U) + gv(V)], B = T[Y + b(U)], one clipped ramp T and
 *    per-chroma index offsets that are 0 at U = V = 128;
 *  - limited range: T[k] = clip(((326 + k)·cy − (384 + 16)·2¹⁶ + 2¹⁵) >> 16), cy = 2¹⁶·255/219;
 *    full range (yuvj420p): T[k] = clip(((384 + k)·2¹⁶ − 384·2¹⁶ + 2¹⁵) >> 16) and chroma
 *    coefficients scaled by 224/255.
 * Its quirks are kept on purpose (limited-range Y = 235 gives 253, not 255).
 */
import { B_TABLE, G_TABLE, R_TABLE } from '../luma.js';

/** {crv, cbu, cgu, cgv} of ITU-R BT.601, libswscale's default matrix (fixed point, 2¹⁶). */
const BT601: readonly [number, number, number, number] = [104597, 132201, 25675, 53279];

/** Index range of the ramp: Y (0–255) plus the largest chroma offsets, with room to spare. */
const RAMP_MIN = -512;
const RAMP_SIZE = 1536;

interface Tables {
  ramp: Uint8Array;
  /** The ramp's values already weighted for luma (float32), per channel. */
  rLuma: Float32Array;
  gLuma: Float32Array;
  bLuma: Float32Array;
  r: Int32Array;
  b: Int32Array;
  gu: Int32Array;
  gv: Int32Array;
}

const cache = new Map<boolean, Tables>();

/** C's integer division truncates toward zero and `>>` on int64 floors. */
function chromaOffsets(coeff: number): Int32Array {
  const out = new Int32Array(256);
  const centre = Math.floor(coeff / 512);
  for (let c = 0; c < 256; c++) out[c] = Math.floor((c * coeff) / 65536) - centre;
  return out;
}

function tables(fullRange: boolean): Tables {
  const hit = cache.get(fullRange);
  if (hit) return hit;
  const cy = fullRange ? 65536 : Math.trunc((65536 * 255) / 219);
  const oy = fullRange ? 0 : 16 * 65536;
  // Full range keeps luma as is and narrows the chroma coefficients to 224/255 instead.
  const coeff = (x: number) => (fullRange ? Math.trunc((x * 224) / 255) : x);
  const scaled = (x: number) => Math.trunc((coeff(x) * 65536 + 0x8000) / cy);
  const [crv, cbu, cgu, cgv] = BT601;
  const yoffs = fullRange ? 384 : 326;
  const ramp = new Uint8Array(RAMP_SIZE);
  for (let i = 0; i < RAMP_SIZE; i++) {
    const k = i + RAMP_MIN;
    const v = Math.floor(((yoffs + k) * cy - 384 * 65536 - oy + 0x8000) / 65536);
    ramp[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  const weighted = (table: Float32Array) => Float32Array.from(ramp, (v) => table[v]!);
  const t: Tables = {
    ramp,
    rLuma: weighted(R_TABLE),
    gLuma: weighted(G_TABLE),
    bLuma: weighted(B_TABLE),
    r: chromaOffsets(scaled(crv)),
    b: chromaOffsets(scaled(cbu)),
    gu: chromaOffsets(scaled(-cgu)),
    gv: chromaOffsets(scaled(-cgv)),
  };
  cache.set(fullRange, t);
  return t;
}

/** Bytes in one yuv420p frame: a full-size Y plane and two quarter-size chroma planes. */
export function yuv420pFrameBytes(width: number, height: number): number {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  return width * height + 2 * cw * ch;
}

/** RGB24 from a planar yuv420p frame (tightly packed planes), as libswscale's C path makes it. */
export function rgbFromYuv420p(
  frame: Uint8Array,
  width: number,
  height: number,
  fullRange: boolean,
  out: Uint8Array = new Uint8Array(width * height * 3),
): Uint8Array {
  const { ramp, r, b, gu, gv } = tables(fullRange);
  const cw = (width + 1) >> 1;
  const uPlane = width * height;
  const vPlane = uPlane + cw * ((height + 1) >> 1);
  const base = -RAMP_MIN;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const crow = (y >> 1) * cw;
    for (let x = 0; x < width; x++) {
      const u = frame[uPlane + crow + (x >> 1)]!;
      const v = frame[vPlane + crow + (x >> 1)]!;
      const yy = frame[row + x]! + base;
      const p = (row + x) * 3;
      out[p] = ramp[yy + r[v]!]!;
      out[p + 1] = ramp[yy + gu[u]! + gv[v]!]!;
      out[p + 2] = ramp[yy + b[u]!]!;
    }
  }
  return out;
}

/** PDQ luma of a yuv420p frame: the RGB above, weighted as PDQ does, without storing the RGB. */
export function lumaFromYuv420p(
  frame: Uint8Array,
  width: number,
  height: number,
  fullRange: boolean,
  out: Float32Array = new Float32Array(width * height),
): Float32Array {
  if (frame.length < yuv420pFrameBytes(width, height))
    throw new RangeError(`Expected ${yuv420pFrameBytes(width, height)} bytes of yuv420p but received ${frame.length}`);
  const { rLuma, gLuma, bLuma, r, b, gu, gv } = tables(fullRange);
  const cw = (width + 1) >> 1;
  const uPlane = width * height;
  const vPlane = uPlane + cw * ((height + 1) >> 1);
  const base = -RAMP_MIN;
  // One chroma pair serves a 2x2 block: look its offsets up once for up to four pixels.
  for (let y = 0; y < height; y += 2) {
    const row0 = y * width;
    const row1 = y + 1 < height ? row0 + width : -1;
    const crow = (y >> 1) * cw;
    for (let x = 0; x < width; x += 2) {
      const c = crow + (x >> 1);
      const u = frame[uPlane + c]!;
      const v = frame[vPlane + c]!;
      const ro = base + r[v]!;
      const go = base + gu[u]! + gv[v]!;
      const bo = base + b[u]!;
      const two = x + 1 < width;
      let yy = frame[row0 + x]!;
      out[row0 + x] = Math.fround(rLuma[yy + ro]! + gLuma[yy + go]!) + bLuma[yy + bo]!;
      if (two) {
        yy = frame[row0 + x + 1]!;
        out[row0 + x + 1] = Math.fround(rLuma[yy + ro]! + gLuma[yy + go]!) + bLuma[yy + bo]!;
      }
      if (row1 >= 0) {
        yy = frame[row1 + x]!;
        out[row1 + x] = Math.fround(rLuma[yy + ro]! + gLuma[yy + go]!) + bLuma[yy + bo]!;
        if (two) {
          yy = frame[row1 + x + 1]!;
          out[row1 + x + 1] = Math.fround(rLuma[yy + ro]! + gLuma[yy + go]!) + bLuma[yy + bo]!;
        }
      }
    }
  }
  return out;
}
