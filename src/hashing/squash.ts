/**
 * The C++ CLI's pre-scale (PDQ_NOTES §2, flavour A): an image over 512 px on either side is
 * squashed to exactly 512x512 by nearest neighbour (aspect not kept), src = floor(dst·size/512).
 * Nearest neighbour commutes with the per-pixel luma, so it is applied to luma here.
 */
export const SQUASH_SIZE = 512;

export function squash512(
  luma: Float32Array,
  width: number,
  height: number,
): { luma: Float32Array; width: number; height: number } {
  if (width <= SQUASH_SIZE && height <= SQUASH_SIZE) return { luma, width, height };
  const out = new Float32Array(SQUASH_SIZE * SQUASH_SIZE);
  const cols = new Int32Array(SQUASH_SIZE);
  for (let x = 0; x < SQUASH_SIZE; x++) cols[x] = Math.floor((x * width) / SQUASH_SIZE);
  for (let y = 0; y < SQUASH_SIZE; y++) {
    const row = Math.floor((y * height) / SQUASH_SIZE) * width;
    for (let x = 0; x < SQUASH_SIZE; x++) out[y * SQUASH_SIZE + x] = luma[row + cols[x]!]!;
  }
  return { luma: out, width: SQUASH_SIZE, height: SQUASH_SIZE };
}
