/**
 * Media type by magic bytes, never by file name. Images we decode, types we recognise only to
 * refuse them by name (SVG, PDF, HTML, plain text), and video containers (routed to the video
 * pipeline). `null` means "not recognised".
 */
export const IMAGE_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/tiff',
  'image/avif',
  'image/heic',
  'image/bmp',
] as const;
export const REFUSED_TYPES = ['image/svg+xml', 'application/pdf', 'text/html', 'text/plain'] as const;
export const VIDEO_TYPES = [
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'video/x-matroska',
  'video/x-msvideo',
] as const;

export type ImageMediaType = (typeof IMAGE_TYPES)[number];
export type RefusedMediaType = (typeof REFUSED_TYPES)[number];
export type VideoMediaType = (typeof VIDEO_TYPES)[number];
export type MediaType = ImageMediaType | RefusedMediaType | VideoMediaType;

/** How many leading bytes sniffType looks at; pass at least this many when available. */
export const SNIFF_BYTES = 1024;

export function isImageType(t: MediaType | null): t is ImageMediaType {
  return (IMAGE_TYPES as readonly string[]).includes(t ?? '');
}

export function isVideoType(t: MediaType | null): t is VideoMediaType {
  return (VIDEO_TYPES as readonly string[]).includes(t ?? '');
}

function startsWith(head: Uint8Array, bytes: readonly number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((b, i) => head[offset + i] === b);
}

function ascii(head: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...head.subarray(start, Math.min(end, head.length)));
}

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'msf1']);
const QUICKTIME_BRANDS = new Set(['qt  ']);
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ']);
/** Old QuickTime files start with a bare atom instead of `ftyp`. */
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'pnot']);

/** ISO base media file (`ftyp` box): AVIF, HEIC, MP4 or QuickTime, by major and compatible brands; audio-only is not ours. */
function sniffIsoBmff(head: Uint8Array): MediaType | null {
  if (QUICKTIME_ATOMS.has(ascii(head, 4, 8))) return 'video/quicktime';
  if (ascii(head, 4, 8) !== 'ftyp' || head.length < 12) return null;
  const boxSize = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0);
  const end = Math.min(head.length, boxSize >= 16 ? boxSize : 16);
  const brands = [ascii(head, 8, 12)];
  for (let p = 16; p + 4 <= end; p += 4) brands.push(ascii(head, p, p + 4));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'image/avif';
  if (brands.some((b) => HEIC_BRANDS.has(b))) return 'image/heic';
  if (AUDIO_BRANDS.has(brands[0]!)) return null;
  if (QUICKTIME_BRANDS.has(brands[0]!)) return 'video/quicktime';
  return 'video/mp4';
}

/** Matroska / WebM: EBML header, DocType read from the first bytes. */
function sniffEbml(head: Uint8Array): MediaType | null {
  if (!startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return null;
  return ascii(head, 4, 64).includes('webm') ? 'video/webm' : 'video/x-matroska';
}

function sniffRiff(head: Uint8Array): MediaType | null {
  if (ascii(head, 0, 4) !== 'RIFF') return null;
  const kind = ascii(head, 8, 12);
  if (kind === 'WEBP') return 'image/webp';
  if (kind === 'AVI ') return 'video/x-msvideo';
  return null;
}

/** 'BM' alone is too weak; also require a known DIB header size. */
function sniffBmp(head: Uint8Array): MediaType | null {
  if (!startsWith(head, [0x42, 0x4d]) || head.length < 18) return null;
  const dib = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(14, true);
  return [12, 40, 52, 56, 64, 108, 124].includes(dib) ? 'image/bmp' : null;
}

/** Text-like content: SVG, HTML or plain text (no NULs, mostly printable). */
function sniffText(head: Uint8Array): MediaType | null {
  if (head.length === 0) return null;
  let printable = 0;
  for (const b of head) {
    if (b === 0) return null;
    if (b >= 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b >= 0x80) printable++;
  }
  if (printable < head.length * 0.95) return null;
  const text = Buffer.from(head)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (
    /^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/.test(text) ||
    (text.startsWith('<?xml') && text.includes('<svg'))
  ) {
    return 'image/svg+xml';
  }
  if (/^(<!--[\s\S]*?-->\s*)*<(!doctype html|html|head|body|script|iframe|div|p|meta|title)[\s>]/.test(text))
    return 'text/html';
  return 'text/plain';
}

export function sniffType(head: Uint8Array): MediaType | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'image/gif';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  if (startsWith(head, [0x49, 0x49, 0x2b, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])) return 'image/tiff';
  // PDF allows junk before the header within the first 1024 bytes.
  if (ascii(head, 0, SNIFF_BYTES).includes('%PDF-')) return 'application/pdf';
  return sniffRiff(head) ?? sniffIsoBmff(head) ?? sniffEbml(head) ?? sniffBmp(head) ?? sniffText(head);
}
