import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { threatexchange } from '../../test/shared.js';
import { normaliseHash } from '../core/algorithms.js';
import { decodeImage } from '../media/decode.js';
import { digestBuffer, hashImage } from './index.js';
import { hamming, localFixture } from './test-support.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tiphash-hash-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hashImage', () => {
  it('gives the same result for a Buffer and a file path', async () => {
    const path = localFixture('bridge-256.jpg');
    const fromPath = await hashImage(path);
    const bytes = await readFile(path);
    expect(await hashImage(bytes)).toEqual(fromPath);
    expect(fromPath).toMatchObject({ size: bytes.length, mediaType: 'image/jpeg', digests: digestBuffer(bytes) });
    expect(fromPath.hashes).toMatchObject({ width: 256, height: 256, pdqQuality: 100 });
    expect(normaliseHash('pdq', fromPath.hashes.pdq)).toEqual({ hash: fromPath.hashes.pdq });
    expect(normaliseHash('blockhash', fromPath.hashes.blockhash)).toEqual({ hash: fromPath.hashes.blockhash });
    expect(fromPath.hashes.pdqDihedral).toBeUndefined();
    expect((await hashImage(bytes, { dihedral: true })).hashes.pdqDihedral).toHaveLength(8);
  });

  it('reports the stored size and hashes a 12 MP photo fast within a few bits of exact', async () => {
    const path = threatexchange('pdq/data/reg-test-input/exif-rotn/exif-rotn-6.jpg');
    const fast = await hashImage(path);
    const exact = await hashImage(path, { exact: true });
    expect(fast.hashes).toMatchObject({ width: 4032, height: 3024 });
    expect(hamming(fast.hashes.pdq, exact.hashes.pdq)).toBeLessThanOrEqual(6);
    expect(hamming(fast.hashes.blockhash, exact.hashes.blockhash)).toBeLessThanOrEqual(8);
    expect(fast.digests).toEqual(exact.digests);
  });

  it('fails with the decoder’s AppError', async () => {
    const path = join(dir, 'photo.jpg');
    await writeFile(path, 'not really a photo');
    await expect(hashImage(path)).rejects.toMatchObject({ code: 'unsupported_type' });
    await expect(hashImage(Buffer.alloc(0))).rejects.toMatchObject({ code: 'empty_file' });
    await expect(hashImage(join(dir, 'missing.png'))).rejects.toMatchObject({ code: 'unreadable' });
  });
});

describe('16-bit images', () => {
  it('reduces 16-bit samples to 8 bits by scaling, not by keeping the low byte', async () => {
    const base = await decodeImage(localFixture('bridge-256.jpg'));
    // 16-bit copy: v·257 plus low-byte noise, which the reference's low-byte bug would hash.
    const wide = new Uint16Array(base.data.length);
    for (let i = 0; i < wide.length; i++) wide[i] = Math.min(65535, base.data[i]! * 257 + ((i * 7919) % 97));
    const raw = { raw: { width: base.width, height: base.height, channels: base.channels } };
    const png16 = await sharp(wide, raw).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const png8 = await sharp(Buffer.from(base.data), raw).png().toBuffer();

    const decoded = await decodeImage(png16);
    let worst = 0;
    for (let i = 0; i < decoded.data.length; i++) worst = Math.max(worst, Math.abs(decoded.data[i]! - base.data[i]!));
    expect(worst).toBeLessThanOrEqual(1);
    expect(hamming((await hashImage(png16)).hashes.pdq, (await hashImage(png8)).hashes.pdq)).toBeLessThanOrEqual(4);

    const grey16 = await sharp(wide, raw).toColourspace('grey16').png().toBuffer();
    const grey = await decodeImage(grey16);
    expect(grey.channels).toBe(1);
  });
});
