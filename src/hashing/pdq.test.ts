import { describe, expect, it } from 'vitest';
import { DIHEDRAL_NAMES, type DihedralName } from '../core/hash.js';
import { jaroszWindow, windowRight } from './jarosz.js';
import { lumaFromPixels } from './luma.js';
import { DCT_SIZE } from './pdq-dct.js';
import { pdqDihedral } from './pdq-dihedral.js';
import { bitsFromDct, hashHex, pdqFromLuma, pdqFromPixels } from './pdq.js';
import { kthSmallest } from './select.js';
import { squash512 } from './squash.js';
import { hamming } from './test-support.js';

/** A smooth, deterministic test picture (no fixture needed). */
function synthetic(width: number, height: number, seed = 1): Float32Array {
  const luma = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      const value =
        128 +
        60 * Math.sin(7 * u * seed + 3 * v) +
        40 * Math.cos(5 * v * v + 11 * u * v) +
        20 * Math.sin(23 * u - 17 * v);
      luma[y * width + x] = Math.round(value);
    }
  }
  return luma;
}

describe('PDQ building blocks', () => {
  it('sizes the Jarosz windows as ceil(dim/128), one more on the right when even', () => {
    expect([512, 256, 1600, 4032, 128, 1, 129].map(jaroszWindow)).toEqual([4, 2, 13, 32, 1, 1, 2]);
    expect(windowRight(7)).toBe(3);
    expect(windowRight(8)).toBe(4);
  });

  it('computes float32 luma from RGB and uses grey as is', () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
    const luma = lumaFromPixels(rgb, 4, 1, 3);
    expect(Array.from(luma)).toEqual(
      [Math.fround(0.299) * 255, Math.fround(0.587) * 255, Math.fround(0.114) * 255].map(Math.fround).concat(luma[3]!),
    );
    expect(luma[3]).toBe(
      Math.fround(
        Math.fround(Math.fround(Math.fround(0.299) * 10) + Math.fround(Math.fround(0.587) * 20)) +
          Math.fround(Math.fround(0.114) * 30),
      ),
    );
    expect(Array.from(lumaFromPixels(Uint8Array.from([7, 200]), 2, 1, 1))).toEqual([7, 200]);
  });

  it('selects the k-th smallest like a sort does', () => {
    for (let trial = 0; trial < 50; trial++) {
      const values = Float32Array.from({ length: 256 }, (_, i) =>
        Math.fround(Math.sin(i * (trial + 1.3)) * 1000 + (i % 7)),
      );
      const sorted = Float32Array.from(values).sort();
      for (const k of [0, 127, 128, 255]) expect(kthSmallest(values, k)).toBe(sorted[k]);
    }
  });

  it('sets bit 16u+v when B[u][v] exceeds the lower median; hex is big-endian, u = 15 first', () => {
    const byRow = Float32Array.from({ length: 256 }, (_, k) => k);
    expect(hashHex(bitsFromDct(byRow))).toBe('f'.repeat(32) + '0'.repeat(32));
    const byColumn = Float32Array.from({ length: 256 }, (_, k) => (k % DCT_SIZE) * DCT_SIZE + Math.floor(k / DCT_SIZE));
    expect(hashHex(bitsFromDct(byColumn))).toBe('ff00'.repeat(16));
    const single = new Float32Array(256).fill(-1);
    single.fill(1, 0, 127);
    single[255] = 5;
    expect(hashHex(bitsFromDct(single))).toBe('8' + '0'.repeat(31) + '7fff' + 'f'.repeat(28));
  });

  it('hashes images with a side below 5 to zeros with quality 0', () => {
    const r = pdqFromLuma(synthetic(4, 100), 4, 100);
    expect(r.hex).toBe('0'.repeat(64));
    expect(r.quality).toBe(0);
    expect(pdqFromLuma(synthetic(5, 5), 5, 5).hex).not.toBe('0'.repeat(64));
  });

  it('gives a flat image quality 0 and a textured one quality 100', () => {
    expect(pdqFromLuma(new Float32Array(100 * 80).fill(90), 100, 80).quality).toBe(0);
    expect(pdqFromLuma(synthetic(300, 200), 300, 200).quality).toBe(100);
  });
});

describe('PDQ flavours', () => {
  it.each([
    [640, 480],
    [1000, 300],
    [64, 64],
    [37, 90],
  ])('fast equals exact at full resolution (%ix%i)', (w, h) => {
    const luma = synthetic(w, h);
    const exact = pdqFromLuma(luma, w, h);
    const fast = pdqFromLuma(luma, w, h, { flavour: 'fast' });
    expect(hamming(fast.hex, exact.hex)).toBeLessThanOrEqual(2);
    expect(fast.quality).toBe(exact.quality);
  });

  it('squashes images over 512 px to 512x512 by nearest neighbour, and leaves small ones alone', () => {
    const luma = synthetic(1030, 700);
    const s = squash512(luma, 1030, 700);
    expect([s.width, s.height]).toEqual([512, 512]);
    expect(s.luma[511 * 512 + 511]).toBe(luma[Math.floor((511 * 700) / 512) * 1030 + Math.floor((511 * 1030) / 512)]);
    const small = synthetic(300, 512);
    expect(squash512(small, 300, 512).luma).toBe(small);
    expect(pdqFromLuma(small, 300, 512, { flavour: 'squash512' }).hex).toBe(pdqFromLuma(small, 300, 512).hex);
  });

  it('needs full-resolution luma except in the fast flavour', () => {
    const luma = synthetic(200, 100);
    expect(() => pdqFromLuma(luma, 200, 100, { storedWidth: 1000, storedHeight: 500 })).toThrow(/full-resolution/);
    expect(pdqFromLuma(luma, 200, 100, { flavour: 'fast', storedWidth: 1000, storedHeight: 500 }).quality).toBe(100);
  });

  it('hashes grey pixels like the same grey given as RGB', () => {
    const grey = Uint8Array.from(synthetic(120, 90));
    const rgb = Uint8Array.from(Array.from(grey).flatMap((g) => [g, g, g]));
    expect(hamming(pdqFromPixels(grey, 120, 90, 1).hex, pdqFromPixels(rgb, 120, 90, 3).hex)).toBe(0);
  });
});

describe('PDQ dihedral', () => {
  // 320 = 64·5: odd windows (3) and odd strip width (5), so sampling is mirror-symmetric.
  const n = 320;
  const transforms: Record<DihedralName, (y: number, x: number) => number> = {
    orig: (y, x) => y * n + x,
    rot90: (y, x) => x * n + (n - 1 - y),
    rot180: (y, x) => (n - 1 - y) * n + (n - 1 - x),
    rot270: (y, x) => (n - 1 - x) * n + y,
    flipx: (y, x) => (n - 1 - y) * n + x,
    flipy: (y, x) => y * n + (n - 1 - x),
    flipp: (y, x) => x * n + y,
    flipm: (y, x) => (n - 1 - x) * n + (n - 1 - y),
  };

  it('derives each rotation/flip from one DCT, matching the hash of the transformed picture', () => {
    const luma = synthetic(n, n, 3);
    const derived = pdqDihedral(pdqFromLuma(luma, n, n));
    expect(derived).toHaveLength(8);
    DIHEDRAL_NAMES.forEach((name, i) => {
      const moved = new Float32Array(n * n);
      for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) moved[y * n + x] = luma[transforms[name](y, x)]!;
      expect(hamming(derived[i]!, pdqFromLuma(moved, n, n).hex), name).toBeLessThanOrEqual(2);
    });
    expect(derived[0]).toBe(pdqFromLuma(luma, n, n).hex);
  });
});
