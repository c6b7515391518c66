/**
 * Fast PDQ: the reference's blur+decimate (two box passes per axis, then 64 samples) is a
 * linear, separable operator, so each of the 64 samples per axis is a fixed weighted sum of
 * one axis' pixels. We build those weights once per image size and apply them as two sparse
 * matrix products; at full resolution this equals the reference up to float rounding.
 *
 * When the decoder delivered a reduced image (JPEG shrink-on-load: each decoded pixel is about
 * the mean of an s x s block of stored pixels), a decoded pixel is taken to stand for its whole
 * footprint of stored pixels, and its weight is the sum of the full-resolution weights over
 * that footprint.
 */
import { PDQ_GRID, jaroszWindow, windowRight } from './jarosz.js';

/** Sparse weights of the 64 samples along one axis: sample i reads pixels start[i].. */
export interface AxisWeights {
  start: Int32Array;
  weights: Float64Array[];
}

/** Rows of B·B at the 64 strip centres, where B is one box pass with shrinking edges. */
function fullResolutionRows(size: number): { start: number; weights: Float64Array }[] {
  const win = jaroszWindow(size);
  const right = windowRight(win);
  const left = win - 1 - right;
  const rows: { start: number; weights: Float64Array }[] = [];
  for (let i = 0; i < PDQ_GRID; i++) {
    const centre = Math.floor(((i + 0.5) * size) / PDQ_GRID);
    const start = Math.max(0, centre - 2 * left);
    const end = Math.min(size - 1, centre + 2 * right);
    const weights = new Float64Array(end - start + 1);
    const m0 = Math.max(0, centre - left);
    const m1 = Math.min(size - 1, centre + right);
    const outer = 1 / (m1 - m0 + 1);
    for (let m = m0; m <= m1; m++) {
      const x0 = Math.max(0, m - left);
      const x1 = Math.min(size - 1, m + right);
      const w = outer / (x1 - x0 + 1);
      for (let x = x0; x <= x1; x++) weights[x - start]! += w;
    }
    rows.push({ start, weights });
  }
  return rows;
}

/**
 * Weights for an axis of `decoded` pixels that together cover `source` stored pixels
 * (decoded pixel k covers [k·s, (k+1)·s) with s = source/decoded).
 */
export function axisWeights(source: number, decoded: number): AxisWeights {
  const rows = fullResolutionRows(source);
  const start = new Int32Array(PDQ_GRID);
  const weights: Float64Array[] = [];
  if (decoded === source) {
    rows.forEach((r, i) => {
      start[i] = r.start;
      weights.push(r.weights);
    });
    return { start, weights };
  }
  const s = source / decoded;
  rows.forEach((r, i) => {
    const k0 = Math.floor(r.start / s);
    const k1 = Math.min(decoded - 1, Math.floor((r.start + r.weights.length - 1e-9) / s));
    const w = new Float64Array(k1 - k0 + 1);
    for (let x = 0; x < r.weights.length; x++) {
      const lo = r.start + x;
      const hi = lo + 1;
      // The stored pixel [lo, hi) spreads over the decoded pixels it overlaps.
      for (let k = Math.floor(lo / s); k <= Math.min(decoded - 1, Math.floor((hi - 1e-9) / s)); k++) {
        const overlap = Math.min(hi, (k + 1) * s) - Math.max(lo, k * s);
        if (overlap > 0) w[k - k0]! += r.weights[x]! * overlap;
      }
    }
    start[i] = k0;
    weights.push(w);
  });
  return { start, weights };
}

/** A = Wv · luma · Whᵀ, the 64x64 grid PDQ's DCT reads. */
export function decimateByWeights(
  luma: Float32Array,
  width: number,
  height: number,
  wh: AxisWeights,
  wv: AxisWeights,
): Float32Array {
  const tmp = new Float64Array(PDQ_GRID * width);
  for (let i = 0; i < PDQ_GRID; i++) {
    const w = wv.weights[i]!;
    const y0 = wv.start[i]!;
    const t = i * width;
    for (let k = 0; k < w.length; k++) {
      const wk = w[k]!;
      const row = (y0 + k) * width;
      for (let x = 0; x < width; x++) tmp[t + x]! += wk * luma[row + x]!;
    }
  }
  const grid = new Float32Array(PDQ_GRID * PDQ_GRID);
  for (let i = 0; i < PDQ_GRID; i++) {
    const t = i * width;
    for (let j = 0; j < PDQ_GRID; j++) {
      const w = wh.weights[j]!;
      const x0 = t + wh.start[j]!;
      let s = 0;
      for (let k = 0; k < w.length; k++) s += w[k]! * tmp[x0 + k]!;
      grid[i * PDQ_GRID + j] = s;
    }
  }
  return grid;
}

/** Photos come in a handful of sizes; weights for recent (stored, decoded) pairs are reused. */
const cache = new Map<string, AxisWeights>();
const CACHE_SIZE = 16;

function cachedAxisWeights(source: number, decoded: number): AxisWeights {
  const key = `${source}/${decoded}`;
  let w = cache.get(key);
  if (!w) {
    w = axisWeights(source, decoded);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, w);
  }
  return w;
}

/**
 * PDQ's grid from luma that may be a reduced decode of a storedWidth x storedHeight image;
 * the Jarosz windows are those of the stored size, so the result approximates full resolution.
 */
export function fastGrid(
  luma: Float32Array,
  width: number,
  height: number,
  storedWidth = width,
  storedHeight = height,
): Float32Array {
  return decimateByWeights(
    luma,
    width,
    height,
    cachedAxisWeights(storedWidth, width),
    cachedAxisWeights(storedHeight, height),
  );
}
