/**
 * Conformance against Meta's reference vectors (../shared/fixtures): PDQ at full resolution
 * (exact and fast), the C++ CLI's 512 squash, dihedral hashes, colour modes, and blockhash.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedFixture, threatexchange } from '../../test/shared.js';
import { decodeImage } from '../media/decode.js';
import { blockhashFromRgba, rgbaFromPixels } from './blockhash.js';
import { hashImage } from './index.js';
import { lumaFromPixels } from './luma.js';
import { pdqFromLuma } from './pdq.js';
import { expectedCsv, hamming } from './test-support.js';

interface Row {
  path: string;
  refFull: string;
  refCli: string;
  quality: number;
  exact: string;
  exactQuality: number;
  squash: string;
  fast: string;
  trimmed: boolean;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('PDQ on the 49 reference images', () => {
  const rows: Row[] = [];

  beforeAll(async () => {
    const cli = new Map(expectedCsv('pdq-reference.csv').map((r) => [r.path!, r.pdq!]));
    for (const ref of expectedCsv('pdq-reference-fullres.csv')) {
      const path = threatexchange(ref.path!);
      const img = await decodeImage(path);
      const luma = lumaFromPixels(img.data, img.width, img.height, img.channels);
      const exact = pdqFromLuma(luma, img.width, img.height);
      const fast = await hashImage(path);
      rows.push({
        path: ref.path!,
        refFull: ref.pdq!,
        refCli: cli.get(ref.path!)!,
        quality: Number(ref.quality),
        exact: exact.hex,
        exactQuality: exact.quality,
        squash: pdqFromLuma(luma, img.width, img.height, { flavour: 'squash512' }).hex,
        fast: fast.hashes.pdq,
        trimmed: fast.hashes.pdqTrimmed !== undefined,
      });
    }
  }, 300_000);

  it('exact reproduces the full-resolution reference: ≥ 47 of 49 bit for bit, all within 2 bits', () => {
    expect(rows).toHaveLength(49);
    const d = rows.map((r) => hamming(r.exact, r.refFull));
    expect(d.filter((x) => x === 0).length).toBeGreaterThanOrEqual(47);
    expect(Math.max(...d)).toBeLessThanOrEqual(2);
    for (const r of rows) expect(r.exactQuality, r.path).toBe(r.quality);
  });

  it('the squash512 flavour reproduces the C++ CLI (pdq-reference.csv)', () => {
    const d = rows.map((r) => hamming(r.squash, r.refCli));
    expect(d.filter((x) => x === 0).length).toBeGreaterThanOrEqual(47);
    expect(Math.max(...d)).toBeLessThanOrEqual(2);
  });

  it('fast stays within 10 bits of full resolution for quality ≥ 80, mean ≤ 3', () => {
    const d = rows.filter((r) => r.quality >= 80).map((r) => hamming(r.fast, r.refFull));
    expect(d.length).toBeGreaterThanOrEqual(40);
    expect(Math.max(...d)).toBeLessThanOrEqual(10);
    expect(mean(d)).toBeLessThanOrEqual(3);
  });

  it('trims only the two LabelMe scans that carry grey strips along an edge', () => {
    expect(rows.filter((r) => r.trimmed).map((r) => r.path.split('/').pop())).toEqual(['q0291.jpg', 'q1050.jpg']);
  });
});

describe('PDQ dihedral hashes of bridge-1', () => {
  const ref = readFileSync(sharedFixture('expected/pdq-dihedral-reference.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[2]!);
  const path = threatexchange('pdq/data/reg-test-input/dih/bridge-1-original.jpg');

  it('the CSV was made with the squash flavour: squash512 reproduces all 8', async () => {
    const { hashes } = await hashImage(path, { squash512: true, dihedral: true });
    expect(hashes.pdqDihedral!.map((h, i) => hamming(h, ref[i]!))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it.each([{ exact: false }, { exact: true }])('full resolution (%o) stays within 10 bits of each', async (mode) => {
    const { hashes } = await hashImage(path, { ...mode, dihedral: true });
    expect(hashes.pdqDihedral).toHaveLength(8);
    for (const [i, h] of hashes.pdqDihedral!.entries()) expect(hamming(h, ref[i]!)).toBeLessThanOrEqual(10);
    expect(hashes.pdqDihedral![0]).toBe(hashes.pdq);
  });
});

describe('colour modes (misc-images/modes)', () => {
  const dir = threatexchange('pdq/data/misc-images/modes');
  const files = readdirSync(dir).filter((f) => /\.(png|jpg|webp|tiff)$/.test(f));

  it('hashes every mode within 16 bits of original.jpg', async () => {
    const original = (await hashImage(join(dir, 'original.jpg'))).hashes.pdq;
    expect(files.length).toBeGreaterThanOrEqual(14);
    for (const f of files)
      expect(hamming((await hashImage(join(dir, f))).hashes.pdq, original), f).toBeLessThanOrEqual(16);
  });

  it('ignores alpha without compositing: RGBA.png and LA.png hash exactly like original.jpg', async () => {
    const original = (await hashImage(join(dir, 'original.jpg'), { exact: true })).hashes.pdq;
    for (const f of ['RGBA.png', 'LA.png'])
      expect((await hashImage(join(dir, f), { exact: true })).hashes.pdq, f).toBe(original);
  });
});

describe('blockhash (blockhash-js test vectors)', () => {
  const dir = sharedFixture('blockhash');
  const images = readdirSync(dir).filter((f) => /\.(png|jpg)$/.test(f));
  const expected = (name: string, method: 1 | 2): string =>
    readFileSync(join(dir, `${name}_16_${method}.txt`), 'utf8')
      .trim()
      .split(/\s+/)[0]!;

  it('reproduces all 34 values exactly (embedded ICC profiles not applied)', async () => {
    expect(images).toHaveLength(17);
    let matched = 0;
    for (const f of images) {
      const name = f.replace(/\.\w+$/, '');
      const img = await decodeImage(join(dir, f));
      const rgba = rgbaFromPixels(img.data, img.width, img.height, img.channels, img.alpha);
      for (const method of [1, 2] as const) {
        if (blockhashFromRgba(rgba, img.width, img.height, method) === expected(name, method)) matched++;
      }
      expect((await hashImage(join(dir, f))).hashes.blockhash, f).toBe(expected(name, 2));
    }
    expect(matched).toBe(34);
  });
});
