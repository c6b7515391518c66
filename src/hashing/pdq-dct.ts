/**
 * The tail of PDQ shared by every flavour (PDQ_NOTES §7–9): the quality metric and the 16x16
 * low-frequency DCT of the 64x64 grid, in float32 with the reference's summation order.
 */
import { PDQ_GRID } from './jarosz.js';

export const DCT_SIZE = 16;

/** D[u][x] = s·cos(π/128·(u+1)·(2x+1)), row-major 16x64, DC skipped. */
const DCT_MATRIX: Float32Array = (() => {
  const d = new Float32Array(DCT_SIZE * PDQ_GRID);
  const scale = Math.fround(Math.sqrt(2 / PDQ_GRID));
  for (let u = 0; u < DCT_SIZE; u++) {
    for (let x = 0; x < PDQ_GRID; x++) {
      d[u * PDQ_GRID + x] = scale * Math.cos((Math.PI / 2 / PDQ_GRID) * (u + 1) * (2 * x + 1));
    }
  }
  return d;
})();

/** B = D·A·Dᵀ (16x16, row-major); B[u][v] has vertical frequency u+1, horizontal v+1. */
export function dct16(grid: Float32Array): Float32Array {
  const n = PDQ_GRID;
  const t = new Float32Array(DCT_SIZE * n);
  for (let u = 0; u < DCT_SIZE; u++) {
    const drow = u * n;
    for (let x = 0; x < n; x++) {
      let s = 0;
      for (let k = 0; k < n; k++) s = Math.fround(s + Math.fround(DCT_MATRIX[drow + k]! * grid[k * n + x]!));
      t[u * n + x] = s;
    }
  }
  const b = new Float32Array(DCT_SIZE * DCT_SIZE);
  for (let u = 0; u < DCT_SIZE; u++) {
    const trow = u * n;
    for (let v = 0; v < DCT_SIZE; v++) {
      const drow = v * n;
      let s = 0;
      for (let k = 0; k < n; k++) s = Math.fround(s + Math.fround(t[trow + k]! * DCT_MATRIX[drow + k]!));
      b[u * DCT_SIZE + v] = s;
    }
  }
  return b;
}

const HUNDRED = Math.fround(100);
const MAX_SAMPLE = Math.fround(255);

/** |trunc((a-b)·100/255)| in float32, as the reference's int conversion does. */
function step(a: number, b: number): number {
  return Math.abs(Math.trunc(Math.fround(Math.fround(Math.fround(a - b) * HUNDRED) / MAX_SAMPLE)));
}

/** Gradient-sum quality, an integer 0–100, on the 64x64 grid before the DCT. */
export function pdqQuality(grid: Float32Array): number {
  const n = PDQ_GRID;
  let sum = 0;
  for (let i = 0; i < n - 1; i++) {
    for (let j = 0; j < n; j++) sum += step(grid[i * n + j]!, grid[(i + 1) * n + j]!);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n - 1; j++) sum += step(grid[i * n + j]!, grid[i * n + j + 1]!);
  }
  return Math.min(100, Math.floor(sum / 90));
}
