import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { pdqFromPixels } from '../hashing/pdq.js';
import { hamming, localFixture } from '../hashing/test-support.js';
import { decodeImage } from './decode.js';
import { findHeicDecoder, type HeicTool, lookupHeicDecoder } from './heic.js';

let dir: string;
let heic: Buffer;
let jpegPdq: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tiphash-heic-test-'));
  heic = await readFile(localFixture('bridge-256.heic'));
  const jpeg = await decodeImage(localFixture('bridge-256.jpg'));
  jpegPdq = pdqFromPixels(jpeg.data, jpeg.width, jpeg.height, jpeg.channels).hex;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

const installed = await findHeicDecoder();

describe('HEIC', () => {
  it('fails with unsupported_type and says what to install when no decoder is found', async () => {
    const err = await failure(decodeImage(heic, { findHeicDecoder: () => Promise.resolve(null) }));
    expect(err.code).toBe('unsupported_type');
    expect(err.message).toMatch(/apt-get install libheif-examples/);
  });

  it.skipIf(installed === null)('decodes with the installed system decoder', async () => {
    const img = await decodeImage(heic);
    expect(img).toMatchObject({ mediaType: 'image/heic', width: 256, height: 256, channels: 3 });
    expect(hamming(pdqFromPixels(img.data, img.width, img.height, img.channels).hex, jpegPdq)).toBeLessThanOrEqual(10);
  });

  it('checks the pixel limit from the header before running a decoder', async () => {
    let asked = false;
    const err = await failure(
      decodeImage(heic, {
        limits: { maxPixels: 1000 },
        findHeicDecoder: () => ((asked = true), Promise.resolve(null)),
      }),
    );
    expect(err.code).toBe('too_many_pixels');
    expect(asked).toBe(false);
  });

  it('maps a failing decoder to corrupt_media and a hanging one to decode_timeout', async () => {
    const failing: HeicTool = {
      kind: 'libheif',
      command: await script('fail-dec', 'echo "broken bitstream" >&2; exit 3'),
    };
    const err = await failure(decodeImage(heic, { findHeicDecoder: () => Promise.resolve(failing) }));
    expect(err.code).toBe('corrupt_media');
    expect(err.message).toMatch(/broken bitstream/);
    const hanging: HeicTool = { kind: 'libheif', command: await script('slow-dec', 'exec sleep 5') };
    const slow = await failure(
      decodeImage(heic, { limits: { timeoutSeconds: 0.3 }, findHeicDecoder: () => Promise.resolve(hanging) }),
    );
    expect(slow.code).toBe('decode_timeout');
  });

  it('reads ImageMagick output from stdout', async () => {
    const png = localFixture('bridge-256.jpg');
    const fake: HeicTool = { kind: 'imagemagick', command: await script('fake-magick', `exec cat "${png}"`) };
    const img = await decodeImage(heic, { findHeicDecoder: () => Promise.resolve(fake) });
    expect(img).toMatchObject({ mediaType: 'image/heic', width: 256 });
  });

  it('trusts `convert` only when -version says ImageMagick with HEIC, and prefers libheif', async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await script('bin/convert', 'echo "convert: a stand-in, not ImageMagick"');
    expect(await lookupHeicDecoder(bin)).toBeNull();
    await script('bin/magick', 'echo "Version: ImageMagick 7.1.1-15 Q16"; echo "Delegates (built-in): heic jpeg png"');
    expect(await lookupHeicDecoder(bin)).toEqual({ kind: 'imagemagick', command: join(bin, 'magick') });
    await script('bin/heif-convert', 'exit 0');
    expect(await lookupHeicDecoder(bin)).toEqual({ kind: 'libheif', command: join(bin, 'heif-convert') });
  });
});
