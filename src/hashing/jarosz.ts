/**
 * PDQ's reference downsampling, reproduced bit for bit (PDQ_NOTES §5–6): two passes of
 * separable float32 box filters (a Jarosz tent approximation) at full resolution, then the
 * centres of 64 equal strips are sampled. Math.fround and Float32Array stores round every
 * running-sum step to float32, exactly as the C++ `float` arithmetic does.
 */
export const PDQ_GRID = 64;

/** ceil(dim / 128): the box window along an axis of `dim` samples. */
export function jaroszWindow(dim: number): number {
  return Math.floor((dim + 2 * PDQ_GRID - 1) / (2 * PDQ_GRID));
}

/** Samples to the right of centre in a window of `win` (one more on the right when even). */
export function windowRight(win: number): number {
  return Math.floor((win + 2) / 2) - 1;
}

/** One box pass along each row (contiguous samples), with a shrinking window at the edges. */
function boxRows(src: Float32Array, dst: Float32Array, width: number, height: number, win: number): void {
  const right = windowRight(win);
  for (let y = 0, base = 0; y < height; y++, base += width) {
    let sum = 0;
    let count = 0;
    let ri = base;
    let li = base;
    let oi = base;
    for (let k = 0; k < right; k++) {
      sum = Math.fround(sum + src[ri++]!);
      count++;
    }
    for (let k = right; k < win; k++) {
      sum = Math.fround(sum + src[ri++]!);
      count++;
      dst[oi++] = sum / count;
    }
    for (let k = win; k < width; k++) {
      sum = Math.fround(sum + src[ri++]!);
      sum = Math.fround(sum - src[li++]!);
      dst[oi++] = sum / count;
    }
    for (let k = 0; k < right; k++) {
      sum = Math.fround(sum - src[li++]!);
      count--;
      dst[oi++] = sum / count;
    }
  }
}

/**
 * One box pass down every column. All columns advance together (row-major, cache friendly);
 * each column's sequence of float32 operations is the reference's (add, then subtract).
 */
function boxColumns(src: Float32Array, dst: Float32Array, width: number, height: number, win: number): void {
  const right = windowRight(win);
  const sums = new Float32Array(width);
  let count = 0;
  let ri = 0;
  let li = 0;
  let oi = 0;
  for (let k = 0; k < right; k++, ri += width) {
    for (let x = 0; x < width; x++) sums[x] = sums[x]! + src[ri + x]!;
    count++;
  }
  for (let k = right; k < win; k++, ri += width, oi += width) {
    count++;
    for (let x = 0; x < width; x++) {
      const s = Math.fround(sums[x]! + src[ri + x]!);
      sums[x] = s;
      dst[oi + x] = s / count;
    }
  }
  for (let k = win; k < height; k++, ri += width, li += width, oi += width) {
    for (let x = 0; x < width; x++) {
      const s = Math.fround(Math.fround(sums[x]! + src[ri + x]!) - src[li + x]!);
      sums[x] = s;
      dst[oi + x] = s / count;
    }
  }
  for (let k = 0; k < right; k++, li += width, oi += width) {
    count--;
    for (let x = 0; x < width; x++) {
      const s = Math.fround(sums[x]! - src[li + x]!);
      sums[x] = s;
      dst[oi + x] = s / count;
    }
  }
}

/** Samples the centres of 64x64 equal strips (index arithmetic in double, as the reference). */
export function decimate(src: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(PDQ_GRID * PDQ_GRID);
  for (let i = 0; i < PDQ_GRID; i++) {
    const row = Math.floor(((i + 0.5) * height) / PDQ_GRID) * width;
    for (let j = 0; j < PDQ_GRID; j++) {
      out[i * PDQ_GRID + j] = src[row + Math.floor(((j + 0.5) * width) / PDQ_GRID)]!;
    }
  }
  return out;
}

/**
 * Full-resolution luma → the 64x64 grid the DCT reads, exactly as the reference. The input is
 * left untouched. A 64x64 input is used as is (the reference skips the blur there too).
 */
export function jaroszDecimate(luma: Float32Array, width: number, height: number): Float32Array {
  if (width === PDQ_GRID && height === PDQ_GRID) return Float32Array.from(luma.subarray(0, PDQ_GRID * PDQ_GRID));
  const winH = jaroszWindow(width);
  const winV = jaroszWindow(height);
  const a = new Float32Array(width * height);
  const b = new Float32Array(width * height);
  boxRows(luma, a, width, height, winH);
  boxColumns(a, b, width, height, winV);
  boxRows(b, a, width, height, winH);
  boxColumns(a, b, width, height, winV);
  return decimate(b, width, height);
}
