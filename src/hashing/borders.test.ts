import { readFile } from 'node:fs/promises';
import sharp, { type ExtendOptions, type Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { threatexchange } from '../../test/shared.js';
import type { ImageHashes, PdqTrimVariant } from '../core/hash.js';
import { cropLuma, findBands, OUTER_BAND_OPTIONS, trimVariants } from './borders.js';
import { hashImage } from './index.js';
import { expectedCsv, hamming } from './test-support.js';

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

/** Grey or RGB rows, each given as one colour or a function of x. */
function rows(
  width: number,
  lines: Array<number[] | ((x: number) => number[])>,
): { data: Uint8Array; width: number; height: number; channels: 3 } {
  const data = new Uint8Array(width * lines.length * 3);
  lines.forEach((line, y) => {
    for (let x = 0; x < width; x++) data.set(typeof line === 'function' ? line(x) : line, (y * width + x) * 3);
  });
  return { data, width, height: lines.length, channels: 3 };
}

const content = (y: number) => (x: number) => [
  (x * 7919 + y * 104729) % 251,
  (x * 31 + y * 17) % 253,
  (x * 13 + y * 101) % 241,
];
const repeat = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('band edges', () => {
  it('takes a band line tinted by the content’s chroma as band (JPEG 4:2:0), but only past a real band', () => {
    const black = [0, 0, 0];
    const tinted = [0, 4, 20];
    const img = rows(50, [...repeat(10, () => black), tinted, ...repeat(40, (i) => content(i))]);
    expect(findBands(img)?.top).toBe(11);
    expect(findBands(img, { bleedLines: 0 })?.top).toBe(10);
    // One black line is no band, and the tinted line after it must not make one.
    expect(findBands(rows(50, [black, tinted, ...repeat(50, (i) => content(i))]))).toBeNull();
  });

  it('ends the outer band where the picture’s own flat frame starts, not on ringing lines', () => {
    const white = [255, 255, 255];
    const offWhite = [244, 243, 241];
    const nested = rows(60, [
      ...repeat(12, () => white),
      ...repeat(8, () => offWhite),
      ...repeat(60, (i) => content(i)),
    ]);
    expect(findBands(nested)?.top).toBe(20);
    expect(findBands(nested, OUTER_BAND_OPTIONS)?.top).toBe(12);
    // Ringing next to the content shifts each line by a different amount: still one band.
    const blue = [42, 92, 170];
    const ringing = [
      [50, 100, 178],
      [36, 86, 162],
      [46, 97, 175],
    ];
    const rung = rows(60, [...repeat(12, () => blue), ...ringing, ...repeat(60, (i) => content(i))]);
    expect(findBands(rung, OUTER_BAND_OPTIONS)?.top).toBe(15);
  });

  it('trims the axis whose bands leave enough content even when the other axis would not', () => {
    // A picture that is mostly a flat backdrop on the right, with a real strip at the bottom.
    const width = 100;
    const line = (y: number) => (x: number) => (x < 20 ? content(y)(x) : [250, 250, 250]);
    const img = rows(width, [...repeat(90, (i) => line(i)), ...repeat(10, () => [0, 0, 0])]);
    expect(findBands(img)).toEqual({ top: 0, bottom: 10, left: 0, right: 0 });
  });
});

describe('trimVariants', () => {
  const names = (v: ReturnType<typeof trimVariants>): PdqTrimVariant[] => v.map((x) => x.name);

  it('adds the one-axis and centred trims that differ from the all-bands trim', () => {
    const bands = { top: 30, bottom: 46, left: 12, right: 12 };
    expect(trimVariants(bands, bands)).toEqual([
      { name: 'trimTB', bands: { top: 30, bottom: 46, left: 0, right: 0 } },
      { name: 'trimLR', bands: { top: 0, bottom: 0, left: 12, right: 12 } },
      { name: 'trimCentredTB', bands: { top: 30, bottom: 30, left: 0, right: 0 } },
    ]);
  });

  it('leaves out empty and repeated trims; centres only bands that differ by more than a line', () => {
    const letterbox = { top: 30, bottom: 31, left: 0, right: 0 };
    expect(trimVariants(letterbox, letterbox)).toEqual([]);
    expect(names(trimVariants(letterbox, { ...letterbox, left: 5 }))).toEqual(['trimTB']);
    expect(names(trimVariants({ top: 0, bottom: 40, left: 0, right: 0 }, null))).toEqual(['trimTB']);
    expect(names(trimVariants({ top: 0, bottom: 0, left: 20, right: 9 }, null))).toEqual(['trimLR', 'trimCentredLR']);
  });
});

describe('trim variants of re-posted pictures', () => {
  const jpeg = (img: Sharp, quality = 90): Promise<Buffer> => img.jpeg({ quality }).toBuffer();
  const variant = (h: ImageHashes, name: PdqTrimVariant): string => {
    const v = h.pdqTrimmedVariants?.find((x) => x.name === name);
    if (!v)
      throw new Error(
        `Expected a ${name} hash but received ${JSON.stringify(h.pdqTrimmedVariants?.map((x) => x.name))}`,
      );
    return v.hash;
  };
  /** The original's PDQ, and the hashes of `edit` applied to it. */
  async function repost(original: Buffer, edit: (img: Sharp, size: { width: number; height: number }) => Sharp) {
    const { width, height } = await sharp(original).metadata();
    const listed = (await hashImage(original)).hashes.pdq;
    return { listed, hashes: (await hashImage(await jpeg(edit(sharp(original), { width, height })))).hashes };
  }
  const letterbox =
    (background: string) =>
    (img: Sharp, { height }: { height: number }) =>
      img.extend({ top: Math.round(height * 0.12), bottom: Math.round(height * 0.12), background });
  const pillarbox =
    (background: string) =>
    (img: Sharp, { width }: { width: number }) =>
      img.extend({ left: Math.round(width * 0.12), right: Math.round(width * 0.12), background });

  it.each(['#000000', '#ffffff'])('a pillarboxed original letterboxed again in %s: trimTB', async (background) => {
    const { width } = await sharp(photo).metadata();
    const pillared = await jpeg(
      sharp(photo).extend({ left: Math.round(width * 0.15), right: Math.round(width * 0.15), background: '#000000' }),
      95,
    );
    const { listed, hashes } = await repost(pillared, letterbox(background));
    expect(hamming(hashes.pdqTrimmed!, listed)).toBeGreaterThan(31);
    expect(hamming(variant(hashes, 'trimTB'), listed)).toBeLessThanOrEqual(8);
  });

  it('a letterboxed original pillarboxed again in the same colour: trimLR', async () => {
    const { height } = await sharp(photo).metadata();
    const boxed = await jpeg(
      sharp(photo).extend({ top: Math.round(height * 0.1), bottom: Math.round(height * 0.1), background: '#000000' }),
      95,
    );
    const { listed, hashes } = await repost(boxed, pillarbox('#000000'));
    expect(hamming(hashes.pdqTrimmed!, listed)).toBeGreaterThan(31);
    expect(hamming(variant(hashes, 'trimLR'), listed)).toBeLessThanOrEqual(8);
  });

  it('a picture on its own white backdrop, letterboxed in white: trimCentredTB', async () => {
    const { height } = await sharp(photo).metadata();
    const backdrop = await jpeg(sharp(photo).extend({ bottom: Math.round(height * 0.15), background: '#ffffff' }), 95);
    const { listed, hashes } = await repost(backdrop, letterbox('#ffffff'));
    expect(hamming(hashes.pdqTrimmed!, listed)).toBeGreaterThan(31);
    expect(hamming(variant(hashes, 'trimCentredTB'), listed)).toBeLessThanOrEqual(8);
  });

  it.each([
    ['letterboxed', letterbox('#ffffff'), 'trimTB'],
    ['pillarboxed', pillarbox('#ffffff'), 'trimLR'],
  ] as const)('a picture in its own off-white frame, %s in white: the outer band only', async (_name, edit, name) => {
    const scene = await readFile(threatexchange('pdq/data/reg-test-input/labelme-subset/q2821.jpg'));
    const framedScene = await jpeg(
      sharp(scene).extend({ top: 20, bottom: 20, left: 20, right: 20, background: '#f0f0f0' }),
      95,
    );
    const { listed, hashes } = await repost(framedScene, edit);
    expect(hamming(hashes.pdqTrimmed!, listed)).toBeGreaterThan(31);
    expect(hamming(variant(hashes, name), listed)).toBeLessThanOrEqual(8);
  });

  it.each(['#000000', '#2a5caa'])(
    'trims a %s letterbox on a sensitive picture to the line (JPEG chroma bleed)',
    async (background) => {
      // q0122's hash moves by ~60 bits when one line too few or too many is trimmed.
      const scene = await readFile(threatexchange('pdq/data/reg-test-input/labelme-subset/q0122.jpg'));
      const { listed, hashes } = await repost(scene, letterbox(background));
      expect(hamming(hashes.pdqTrimmed!, listed)).toBeLessThanOrEqual(16);
    },
  );

  it('gives the band-less reference images neither a trimmed hash nor trim variants', async () => {
    const trimmed: string[] = [];
    for (const ref of expectedCsv('pdq-reference-fullres.csv')) {
      const { hashes } = await hashImage(threatexchange(ref.path!));
      if (hashes.pdqTrimmed !== undefined || hashes.pdqTrimmedVariants !== undefined)
        trimmed.push(ref.path!.split('/').pop()!);
    }
    // The two LabelMe scans carry real grey strips along an edge.
    expect(trimmed).toEqual(['q0291.jpg', 'q1050.jpg']);
  }, 60_000);
});
