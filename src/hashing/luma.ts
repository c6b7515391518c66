/**
 * Luminance as PDQ's reference computes it (PDQ_NOTES §3): float32 weights, each product rounded
 * to float32 and summed left to right in float32. Three 256-entry tables hold the rounded
 * products, so a pixel costs two float32 additions.
 */
const R_COEFF = Math.fround(0.299);
const G_COEFF = Math.fround(0.587);
const B_COEFF = Math.fround(0.114);

function productTable(coeff: number): Float32Array {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = coeff * v;
  return t;
}

/** Each weight times 0–255, rounded to float32: luma = fround(R[r] + G[g]) + B[b], stored as float32. */
export const R_TABLE = productTable(R_COEFF);
export const G_TABLE = productTable(G_COEFF);
export const B_TABLE = productTable(B_COEFF);

/**
 * Interleaved 8-bit pixels (1 channel: grey used as is; 3 channels: RGB) → float32 luma.
 * `out` may be passed to reuse a buffer of at least width*height entries.
 */
export function lumaFromPixels(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  out: Float32Array = new Float32Array(width * height),
): Float32Array {
  const n = width * height;
  if (data.length < n * channels)
    throw new RangeError(`Expected ${n * channels} bytes of pixels but received ${data.length}`);
  if (channels === 1) {
    for (let i = 0; i < n; i++) out[i] = data[i]!;
    return out;
  }
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    out[i] = Math.fround(R_TABLE[data[p]!]! + G_TABLE[data[p + 1]!]!) + B_TABLE[data[p + 2]!]!;
  }
  return out;
}
