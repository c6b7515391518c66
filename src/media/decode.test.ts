import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.js';
import { pdqFromPixels } from '../hashing/pdq.js';
import { hamming, localFixture } from '../hashing/test-support.js';
import { type DecodedImage, decodeImage, jpegShrinkFactor } from './decode.js';
import { unreadable } from './read.js';

let dir: string;
let jpeg: Buffer;
let base: DecodedImage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tiphash-decode-test-'));
  jpeg = await readFile(localFixture('bridge-256.jpg'));
  base = await decodeImage(jpeg);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  if (message) expect((err as AppError).message).toMatch(message);
}

const rawOf = (img: DecodedImage) =>
  sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: img.channels } });
const pdq = (img: DecodedImage) => pdqFromPixels(img.data, img.width, img.height, img.channels).hex;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** A tiny PNG whose header declares width x height (a decompression bomb when large). */
async function declaredPng(width: number, height: number): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const { deflateSync } = await import('node:zlib');
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
/** The fixture JPEG with its frame header patched to declare width x height. */
function declaredJpeg(width: number, height: number): Buffer {
  const b = Buffer.from(jpeg);
  for (let p = 2; p < b.length;) {
    const marker = b[p + 1]!;
    if (marker >= 0xc0 && marker <= 0xc3) {
      b.writeUInt16BE(height, p + 5);
      b.writeUInt16BE(width, p + 7);
      return b;
    }
    p += 2 + b.readUInt16BE(p + 2);
  }
  throw new Error('no SOF marker in the fixture');
}

describe('decodeImage: formats', () => {
  it('decodes JPEG at full resolution by default, as stored (3 channels, no alpha)', () => {
    expect(base).toMatchObject({
      width: 256,
      height: 256,
      channels: 3,
      alpha: null,
      mediaType: 'image/jpeg',
      storedWidth: 256,
      storedHeight: 256,
    });
    expect(base.data.length).toBe(256 * 256 * 3);
  });

  it.each([
    ['image/png', (s: Sharp) => s.png()],
    ['image/webp', (s: Sharp) => s.webp({ lossless: true })],
    ['image/tiff', (s: Sharp) => s.tiff({ compression: 'lzw' })],
  ] as const)('decodes lossless %s to the same pixels', async (type, encode) => {
    const img = await decodeImage(await encode(rawOf(base)).toBuffer());
    expect(img.mediaType).toBe(type);
    expect(Buffer.from(img.data).equals(Buffer.from(base.data))).toBe(true);
  });

  it('decodes AVIF (lossy) to nearly the same hash', async () => {
    const img = await decodeImage(await rawOf(base).avif({ quality: 90 }).toBuffer());
    expect(img.mediaType).toBe('image/avif');
    expect(hamming(pdq(img), pdq(base))).toBeLessThanOrEqual(12);
  });

  it('decodes only the first frame of an animated GIF', async () => {
    const other = Buffer.from(base.data).map((v) => 255 - v);
    const frames = Buffer.concat([Buffer.from(base.data), other]);
    const gif = await sharp(frames, { raw: { width: 256, height: 512, channels: 3, pageHeight: 256 } })
      .gif()
      .toBuffer({ resolveWithObject: true });
    expect((await sharp(gif.data).metadata()).pages).toBe(2);
    const img = await decodeImage(gif.data);
    expect(img).toMatchObject({ mediaType: 'image/gif', width: 256, height: 256 });
    const firstOnly = await decodeImage(await rawOf(base).gif().toBuffer());
    expect(hamming(pdq(img), pdq(firstOnly))).toBeLessThanOrEqual(4);
  });

  it('keeps grey as one channel and sets alpha apart without compositing it', async () => {
    const grey = await decodeImage(await rawOf(base).toColourspace('b-w').png().toBuffer());
    expect(grey.channels).toBe(1);
    const alpha = Buffer.alloc(256 * 256, 0);
    alpha.fill(255, 0, 128 * 256);
    const rgba = await decodeImage(
      await rawOf(base)
        .joinChannel(alpha, { raw: { width: 256, height: 256, channels: 1 } })
        .png()
        .toBuffer(),
    );
    expect(rgba.channels).toBe(3);
    expect(Buffer.from(rgba.data).equals(Buffer.from(base.data))).toBe(true);
    expect(Buffer.from(rgba.alpha!).equals(alpha)).toBe(true);
  });

  it('does not apply EXIF orientation', async () => {
    const rotated = await rawOf(base).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(rotated);
    expect((await sharp(rotated).metadata()).orientation).toBe(6);
    expect(hamming(pdq(img), pdq(base))).toBeLessThanOrEqual(8);
  });
});

describe('decodeImage: shrink-on-load', () => {
  it('chooses the largest JPEG reduction that keeps the shorter side', () => {
    expect(jpegShrinkFactor(4032, 3024, 192)).toBe(9);
    expect(jpegShrinkFactor(1600, 1004, 192)).toBe(5);
    expect(jpegShrinkFactor(1152, 723, 192)).toBe(3);
    expect(jpegShrinkFactor(512, 512, 192)).toBe(1);
    expect(jpegShrinkFactor(4032, 3024, 0)).toBe(1);
  });

  it('decodes a large JPEG reduced and reports the stored size', async () => {
    const big = await sharp(jpeg).resize(2000, 1500, { fit: 'fill' }).jpeg().toBuffer();
    const img = await decodeImage(big, { shrinkMinSide: 192 });
    expect(img).toMatchObject({ width: 400, height: 300, storedWidth: 2000, storedHeight: 1500 });
    const png = await decodeImage(await sharp(big).png().toBuffer(), { shrinkMinSide: 192 });
    expect(png).toMatchObject({ width: 2000, height: 1500 });
  });
});

describe('decodeImage: bad input', () => {
  it('refuses empty input', async () => {
    await expectCode(decodeImage(Buffer.alloc(0)), 'empty_file');
    const path = join(dir, 'empty.jpg');
    await writeFile(path, '');
    await expectCode(decodeImage(path), 'empty_file');
  });

  it('refuses by content, not name: text named .jpg, SVG, PDF, HTML, BMP, video, unknown binary', async () => {
    const path = join(dir, 'notes.jpg');
    await writeFile(path, 'this is a text file with a picture extension\n');
    await expectCode(decodeImage(path), 'unsupported_type', /text/);
    await expectCode(
      decodeImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')),
      'unsupported_type',
      /SVG/,
    );
    await expectCode(decodeImage(Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\n')), 'unsupported_type', /PDF/);
    await expectCode(decodeImage(Buffer.from('<!doctype html><p>hello')), 'unsupported_type', /HTML/);
    const bmp = await sharp(Buffer.from(base.data), { raw: { width: 256, height: 256, channels: 3 } })
      .toFormat('jpeg')
      .toBuffer();
    const bmpHeader = Buffer.from([0x42, 0x4d, 0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0]);
    await expectCode(decodeImage(Buffer.concat([bmpHeader, bmp])), 'unsupported_type', /BMP/);
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from('ftypisom\0\0\0\0isomavc1'), Buffer.alloc(64)]);
    await expectCode(decodeImage(mp4), 'unsupported_type', /video/);
    await expectCode(
      decodeImage(Buffer.from([0, 1, 2, 3, 0xfe, 0xfd, 0, 0, 9])),
      'unsupported_type',
      /not a recognised image/,
    );
  });

  it('reports a truncated JPEG (no end of image) as corrupt_media', async () => {
    await expectCode(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.6))), 'corrupt_media', /premature end/i);
    await expectCode(decodeImage(jpeg.subarray(0, 200)), 'corrupt_media');
  });

  it('hashes a slightly damaged JPEG that libjpeg can still decode (a warning, not an error)', async () => {
    const cut = jpeg.length - 400;
    const damaged = Buffer.concat([jpeg.subarray(0, cut), jpeg.subarray(jpeg.length - 2)]);
    await expect(sharp(damaged, { failOn: 'warning' }).raw().toBuffer()).rejects.toThrow(/Corrupt JPEG data/);
    const img = await decodeImage(damaged);
    expect(hamming(pdq(img), pdq(base))).toBeLessThanOrEqual(16);
  });

  it('reports a truncated PNG and a broken header as corrupt_media', async () => {
    const png = await rawOf(base).png().toBuffer();
    await expectCode(decodeImage(png.subarray(0, png.length >> 1)), 'corrupt_media');
    await expectCode(
      decodeImage(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 0x11)])),
      'corrupt_media',
    );
  });

  it('refuses decompression bombs and huge dimensions from the header, before decoding', async () => {
    const bomb = await declaredPng(50_000, 50_000);
    expect(bomb.length).toBeLessThan(200);
    await expectCode(
      decodeImage(bomb),
      'too_many_pixels',
      /50000x50000 = 2500000000 pixels, over the limit of 100000000/,
    );
    await expectCode(decodeImage(declaredJpeg(65_000, 65_000)), 'too_many_pixels', /65000x65000/);
  });

  it('applies a configurable pixel limit and byte limit', async () => {
    await expectCode(decodeImage(jpeg, { limits: { maxPixels: 256 * 255 } }), 'too_many_pixels');
    await expect(decodeImage(jpeg, { limits: { maxPixels: 256 * 256 } })).resolves.toMatchObject({ width: 256 });
    await expectCode(decodeImage(jpeg, { limits: { maxBytes: 1000 } }), 'too_large', /over the limit of 1000 bytes/);
    await expectCode(decodeImage(localFixture('bridge-256.jpg'), { limits: { maxBytes: 1000 } }), 'too_large');
  });

  it('reports missing files, directories and unreadable files as unreadable', async () => {
    await expectCode(decodeImage(join(dir, 'missing.jpg')), 'unreadable', /no such file \(ENOENT\)/);
    await expectCode(decodeImage(dir), 'unreadable', /directory/);
    expect(unreadable(Object.assign(new Error('x'), { code: 'EACCES' })).message).toMatch(
      /permission denied \(EACCES\)/,
    );
  });

  it.skipIf(process.getuid?.() === 0)('reports a file without read permission as unreadable', async () => {
    const path = join(dir, 'locked.jpg');
    await writeFile(path, jpeg);
    await chmod(path, 0o000);
    await expectCode(decodeImage(path), 'unreadable', /permission denied/);
  });
});
