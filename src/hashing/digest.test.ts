import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { threatexchange } from '../../test/shared.js';
import { ALGORITHMS } from '../core/algorithms.js';
import { AppError } from '../core/errors.js';
import { digestBuffer, digestFile, readAndDigest } from './digest.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tiphash-digest-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('digests', () => {
  it('computes md5, sha1 and sha256 of a buffer', () => {
    expect(digestBuffer(new Uint8Array(0))).toEqual({
      md5: ALGORITHMS.md5.example,
      sha1: ALGORITHMS.sha1.example,
      sha256: ALGORITHMS.sha256.example,
    });
    expect(digestBuffer(Buffer.from('abc')).sha256).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('streams a file (here a video, published with its md5) to the same digests as its bytes', async () => {
    const path = threatexchange('tmk/sample-videos/chair-19-sd-bar.mp4');
    const { digests, size } = await digestFile(path);
    expect(digests.md5).toBe('0a21c8f85a55a9e276ffc2c53f6887c4');
    const bytes = await readFile(path);
    expect(size).toBe(bytes.length);
    expect(digests).toEqual(digestBuffer(bytes));
  });

  it('reads a file once into the bytes the decoder gets, with their digests', async () => {
    const path = join(dir, 'multi-chunk.bin');
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 0);
    for (let i = 0; i < content.length; i += 4093) content[i] = i & 0xff;
    await writeFile(path, content);
    const { bytes, digests, size } = await readAndDigest(path, 10 * 1024 * 1024);
    expect(bytes.equals(content)).toBe(true);
    expect(size).toBe(content.length);
    expect(digests).toEqual(digestBuffer(content));
  });

  it('stops at the byte limit and maps file-system errors', async () => {
    const path = join(dir, 'big.bin');
    await writeFile(path, Buffer.alloc(5000));
    await expect(readAndDigest(path, 4999)).rejects.toMatchObject({ code: 'too_large' });
    await expect(readAndDigest(join(dir, 'nope'), 100)).rejects.toMatchObject({ code: 'unreadable' });
    await expect(digestFile(dir)).rejects.toBeInstanceOf(AppError);
    await writeFile(join(dir, 'empty'), '');
    await expect(digestFile(join(dir, 'empty'))).rejects.toMatchObject({ code: 'empty_file' });
  });
});
