import { readFile } from 'node:fs/promises';
import sharp, { type ExtendOptions } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { threatexchange } from '../../test/shared.js';
import { cropLuma, findBands } from './borders.js';
import { hashImage } from './index.js';
import { hamming } from './test-support.js';

let photo: Buffer;
let original: { pdq: string; pdqTrimmed?: string };

beforeAll(async () => {
  photo = await readFile(threatexchange('pdq/data/bridge-mods/aaa-orig.jpg'));
  original = (await hashImage(photo)).hashes;
});

const framed = (extend: ExtendOptions): Promise<Buffer> => sharp(photo).extend(extend).jpeg({ quality: 85 }).toBuffer();

describe('borders', () => {
  it('gives a picture without bands no trimmed hash', () => {
    expect(original.pdqTrimmed).toBeUndefined();
  });

  it.each([
    ['letterbox, black', { top: 180, bottom: 180, background: '#000000' }],
    ['pillarbox, white', { left: 300, right: 260, background: '#ffffff' }],
    ['frame, coloured, uneven', { top: 40, bottom: 90, left: 120, right: 25, background: '#2a6cc8' }],
    ['one side only', { bottom: 250, background: '#101010' }],
  ] as const)('trims a %s band and hashes the content like the original', async (_name, extend) => {
    const { hashes } = await hashImage(await framed(extend));
    expect(hashes.pdqTrimmed).toBeDefined();
    expect(hamming(hashes.pdqTrimmed!, original.pdq)).toBeLessThanOrEqual(8);
    expect(hashes.pdqTrimmedQuality).toBeGreaterThanOrEqual(80);
    expect(hamming(hashes.pdq, original.pdq)).toBeGreaterThan(hamming(hashes.pdqTrimmed!, original.pdq));
  });

  it('trims in exact mode too', async () => {
    const { hashes } = await hashImage(await framed({ top: 100, bottom: 100, background: '#000000' }), { exact: true });
    expect(hamming(hashes.pdqTrimmed!, (await hashImage(photo, { exact: true })).hashes.pdq)).toBeLessThanOrEqual(4);
  });

  it('finds bands per side, ignores thin ones and never trims a flat picture away', () => {
    const width = 200;
    const height = 100;
    const data = new Uint8Array(width * height).fill(0);
    // content: noise inside rows 10..89 and columns 1..179 (the 1 px left band is under the minimum of 2)
    for (let y = 10; y < 90; y++)
      for (let x = 1; x < 180; x++) data[y * width + x] = 40 + ((x * 7919 + y * 104729) % 200);
    expect(findBands({ data, width, height, channels: 1 })).toEqual({ top: 10, bottom: 10, left: 0, right: 20 });
    expect(findBands({ data: new Uint8Array(width * height).fill(77), width, height, channels: 1 })).toBeNull();
  });

  it('tolerates JPEG-like noise in a band but not a gradient', () => {
    const width = 100;
    const height = 100;
    const noisy = new Uint8Array(width * height * 3);
    for (let i = 0; i < noisy.length; i++) {
      const y = Math.floor(i / (width * 3));
      noisy[i] = y < 20 ? 5 + (i % 7) : (i * 2654435761) % 251;
    }
    expect(findBands({ data: noisy, width, height, channels: 3 })?.top).toBe(20);
    const gradient = new Uint8Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) gradient[y * width + x] = Math.floor((x + y) * 1.2);
    expect(findBands({ data: gradient, width, height, channels: 1 })).toBeNull();
  });

  it('crops luma to the content', () => {
    const luma = Float32Array.from({ length: 20 }, (_, i) => i);
    expect(cropLuma(luma, 5, 4, { top: 1, bottom: 1, left: 2, right: 1 })).toEqual({
      luma: Float32Array.from([7, 8, 12, 13]),
      width: 2,
      height: 2,
    });
  });
});
