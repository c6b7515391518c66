import { describe, expect, it } from 'vitest';
import { isImageType, isVideoType, sniffType } from './sniff.js';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

/** An ISO-BMFF `ftyp` box with a major brand and compatible brands. */
function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const size = 16 + 4 * compatible.length;
  return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 0, 0], ...compatible, [0, 0, 0, 8], 'mdat');
}

describe('sniffType', () => {
  it.each([
    ['image/jpeg', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF')],
    ['image/png', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR')],
    ['image/gif', bytes('GIF89a', [1, 0, 1, 0])],
    ['image/gif', bytes('GIF87a', [1, 0, 1, 0])],
    ['image/webp', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ')],
    ['image/tiff', bytes('II', [0x2a, 0, 8, 0, 0, 0])],
    ['image/tiff', bytes('MM', [0, 0x2a, 0, 0, 0, 8])],
    ['image/avif', ftyp('avif', 'mif1', 'miaf')],
    ['image/avif', ftyp('mif1', 'avif', 'miaf')],
    ['image/heic', ftyp('heic', 'mif1', 'heic')],
    ['image/heic', ftyp('mif1', 'heic')],
    ['image/bmp', bytes('BM', [0x36, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 40, 0, 0, 0])],
    ['video/mp4', ftyp('isom', 'isom', 'avc1', 'mp41')],
    ['video/quicktime', ftyp('qt  ', 'qt  ')],
    ['video/quicktime', bytes([0, 0, 0, 8], 'wide', [0, 0, 0, 8], 'mdat')],
    ['video/webm', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 1, 0x42, 0x82, 0x84], 'webm')],
    ['video/x-matroska', bytes([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x86, 0x81, 1, 0x42, 0x82, 0x88], 'matroska')],
    ['video/x-msvideo', bytes('RIFF', [0, 0, 0, 0], 'AVI LIST')],
    ['application/pdf', bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')],
    ['image/svg+xml', bytes('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>')],
    ['image/svg+xml', bytes([0xef, 0xbb, 0xbf], '  <svg width="10" height="10"></svg>')],
    ['image/svg+xml', bytes('<!-- made by hand -->\n<svg viewBox="0 0 1 1"/>')],
    ['text/html', bytes('<!DOCTYPE html><html><body>hi</body></html>')],
    ['text/plain', bytes('just some words, not a picture\n')],
  ])('recognises %s', (type, head) => {
    expect(sniffType(head)).toBe(type);
  });

  it('returns null for unknown binary and for empty input', () => {
    expect(sniffType(bytes([0, 1, 2, 3, 4, 5, 6, 7, 0xfe, 0xff]))).toBeNull();
    expect(sniffType(new Uint8Array(0))).toBeNull();
  });

  it('does not take "BM" alone for a bitmap, nor an audio-only MP4 for video', () => {
    expect(sniffType(bytes('BMW is a car, written as text with a NUL', [0]))).toBeNull();
    expect(sniffType(ftyp('M4A ', 'M4A ', 'mp42'))).toBeNull();
  });

  it('classifies types', () => {
    expect(isImageType('image/heic')).toBe(true);
    expect(isImageType('image/svg+xml')).toBe(false);
    expect(isVideoType('video/webm')).toBe(true);
    expect(isVideoType(null)).toBe(false);
  });
});
