/**
 * Still-image decoding with bounds. The type comes from magic bytes; the pixel count from the
 * header, checked before any pixel is decoded; sharp (libvips) decodes everything except HEIC,
 * which goes to a system decoder (heic.ts). Pixels are the stored grid: no EXIF rotation, no
 * ICC conversion (the reference hashers see the values as stored), alpha kept apart and never
 * composited, 16-bit reduced to 8 bits by scaling (not by keeping the low byte, as the
 * reference's CImg path does).
 */
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../core/errors.js';
import { decodeHeicToPng, findHeicDecoder, HEIC_INSTALL_HINT, type HeicDecoderLookup } from './heic.js';
import { emptyFile, readMediaFile, tooLarge } from './read.js';
import { type ImageMediaType, isImageType, isVideoType, type MediaType, SNIFF_BYTES, sniffType } from './sniff.js';

export interface DecodeLimits {
  /** Largest width x height decoded; checked from the header first. */
  maxPixels: number;
  /** Largest input, in bytes. */
  maxBytes: number;
  /** Longest a decode may run. */
  timeoutSeconds: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxPixels: 100_000_000,
  maxBytes: 256 * 1024 * 1024,
  timeoutSeconds: 60,
});

export interface DecodeOptions {
  limits?: Partial<DecodeLimits>;
  /**
   * JPEG only: let libjpeg decode at a reduced scale (shrink-on-load) as long as the shorter
   * decoded side stays at least this many pixels. 0 or absent: full resolution.
   */
  shrinkMinSide?: number;
  /** Where to find a HEIC decoder; tests inject one. */
  findHeicDecoder?: HeicDecoderLookup;
}

export interface DecodedImage {
  /** The decoded grid; smaller than storedWidth x storedHeight after shrink-on-load. */
  width: number;
  height: number;
  channels: 1 | 3;
  /** Interleaved 8-bit grey or RGB, width*height*channels bytes. */
  data: Uint8Array;
  /** The alpha channel (width*height bytes) when the image has one; never applied to data. */
  alpha: Uint8Array | null;
  mediaType: ImageMediaType;
  /** The stored image's size, from its header. */
  storedWidth: number;
  storedHeight: number;
}

const REFUSALS: Partial<Record<MediaType, string>> = {
  'image/svg+xml':
    'SVG is refused: a vector document (it can embed scripts and external references) has no stored pixels to hash',
  'application/pdf': 'PDF documents are refused: extract the images they contain and submit those',
  'text/html': 'The content is HTML, not an image',
  'text/plain': 'The content is text, not an image',
  'image/bmp': 'BMP cannot be decoded by this build (its libvips has no BMP loader): convert the file to PNG',
};

/** Why a sniffed type is not decoded here, or null when it is. */
function refusal(type: MediaType | null): string | null {
  if (type === null) return 'The content is not a recognised image format (checked by its first bytes, not its name)';
  if (isVideoType(type))
    return `The content is a video (${type}): it is hashed by the video pipeline, not as a still image`;
  return REFUSALS[type] ?? null;
}

/** sharp's decode failures, by message, as catalogue errors. */
function decodeFailure(err: unknown, limits: DecodeLimits): AppError {
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0]!.trim();
  if (/pixel limit/i.test(message)) {
    return new AppError('too_many_pixels', `The image exceeds the limit of ${limits.maxPixels} pixels`, { cause: err });
  }
  if (/timeout/i.test(message)) {
    return new AppError('decode_timeout', `Decoding did not finish within ${limits.timeoutSeconds} s`, { cause: err });
  }
  // libvips reports some shrink-on-load failures only as "Unknown error": say what it means.
  const reason = /^unknown error$/i.test(first) || first === '' ? 'the decoder could not read its pixel data' : first;
  return new AppError('corrupt_media', `The image is corrupt or truncated: ${reason}`, { cause: err });
}

/**
 * sharp decodes JPEG at 1/8, 1/4 or 1/2 scale when asked for a reduction of at least 9, 5 or 3
 * (it keeps a factor back for "known libjpeg rounding errors" otherwise), then resamples the
 * small remainder. Returns the largest such reduction that keeps the shorter side ≥ minSide.
 */
export function jpegShrinkFactor(width: number, height: number, minSide: number): number {
  if (minSide <= 0) return 1;
  for (const s of [9, 5, 3]) if (Math.floor(Math.min(width, height) / s) >= minSide) return s;
  return 1;
}

async function readHeader(bytes: Buffer): Promise<Metadata> {
  try {
    // Header only: no pixel limit here, so checkPixels can say exactly what was declared.
    return await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]!.trim() : String(err);
    if (/unsupported image format/i.test(message)) {
      throw new AppError('unsupported_type', 'The content is not an image format this build can decode', {
        cause: err,
      });
    }
    throw new AppError('corrupt_media', `The image header could not be read: ${message}`, { cause: err });
  }
}

/** The media type sharp actually sees; HEIF files are AVIF or HEIC by their coding. */
function decodedType(sniffed: ImageMediaType, meta: Metadata): ImageMediaType {
  if (meta.format === 'heif') return meta.compression === 'av1' ? 'image/avif' : 'image/heic';
  return sniffed;
}

function checkPixels(width: number, height: number, limits: DecodeLimits): void {
  if (!(width > 0 && height > 0))
    throw new AppError('corrupt_media', `The image header declares an empty size (${width}x${height})`);
  if (width * height > limits.maxPixels) {
    throw new AppError(
      'too_many_pixels',
      `The image declares ${width}x${height} = ${width * height} pixels, over the limit of ${limits.maxPixels}; it was not decoded (possible decompression bomb)`,
    );
  }
}

/** Naive CMYK → RGB, R = (255-C)(255-K)/255, as ImageMagick (the reference's decoder) does it. */
function rgbFromCmyk(cmyk: Uint8Array, pixels: number, stride: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0, p = 0, q = 0; i < pixels; i++, p += stride, q += 3) {
    const k = 255 - cmyk[p + 3]!;
    rgb[q] = Math.round(((255 - cmyk[p]!) * k) / 255);
    rgb[q + 1] = Math.round(((255 - cmyk[p + 1]!) * k) / 255);
    rgb[q + 2] = Math.round(((255 - cmyk[p + 2]!) * k) / 255);
  }
  return rgb;
}

/** Splits sharp's interleaved output into grey/RGB and an alpha plane. */
function splitChannels(
  raw: Uint8Array,
  pixels: number,
  channels: number,
  grey: boolean,
): { data: Uint8Array; alpha: Uint8Array | null } {
  const hasAlpha = channels === 2 || channels === 4;
  const colour = hasAlpha ? channels - 1 : channels;
  const keep = grey ? 1 : 3;
  if (!hasAlpha && colour === keep) return { data: raw, alpha: null };
  const data = new Uint8Array(pixels * keep);
  const alpha = hasAlpha ? new Uint8Array(pixels) : null;
  for (let i = 0, p = 0, q = 0; i < pixels; i++, p += channels, q += keep) {
    data[q] = raw[p]!;
    if (keep === 3) {
      data[q + 1] = raw[p + (colour === 1 ? 0 : 1)]!;
      data[q + 2] = raw[p + (colour === 1 ? 0 : 2)]!;
    }
    if (alpha) alpha[i] = raw[p + colour]!;
  }
  return { data, alpha };
}

async function decodeWithSharp(
  bytes: Buffer,
  meta: Metadata,
  mediaType: ImageMediaType,
  limits: DecodeLimits,
  shrinkMinSide: number,
): Promise<DecodedImage> {
  const storedWidth = meta.width;
  const storedHeight = meta.pageHeight ?? meta.height;
  checkPixels(storedWidth, storedHeight, limits);
  const cmyk = meta.space === 'cmyk';
  const grey = !cmyk && meta.channels - (meta.hasAlpha ? 1 : 0) === 1;
  // failOn 'error': libjpeg warnings (stray bytes, a damaged segment) still decode, as they do
  // for the reference; a truncated file (no end of image) fails as corrupt_media.
  let img = sharp(bytes, {
    failOn: 'error',
    limitInputPixels: limits.maxPixels,
    ignoreIcc: true,
    sequentialRead: true,
    pages: 1,
    page: 0,
  }).timeout({
    seconds: limits.timeoutSeconds,
  });
  if (cmyk) {
    img = img.pipelineColourspace('cmyk').toColourspace('cmyk');
  } else if (mediaType === 'image/jpeg') {
    const s = jpegShrinkFactor(storedWidth, storedHeight, shrinkMinSide);
    if (s > 1) img = img.resize(Math.floor(storedWidth / s), Math.floor(storedHeight / s), { fit: 'fill' });
  }
  let out;
  try {
    // 16-bit input arrives as 8 bits scaled by libvips (65535 → 255). The reference CLI keeps the
    // low byte instead (CImg stores ImageMagick's 16-bit samples in uint8), which puts a 16-bit
    // PNG ~110–130 bits from its 8-bit copy; we deliberately do not reproduce that bug.
    out = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw decodeFailure(err, limits);
  }
  const { width, height, channels } = out.info;
  const pixels = width * height;
  const raw = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
  if (cmyk)
    return {
      width,
      height,
      channels: 3,
      data: rgbFromCmyk(raw, pixels, channels),
      alpha: null,
      mediaType,
      storedWidth,
      storedHeight,
    };
  const { data, alpha } = splitChannels(raw, pixels, channels, grey);
  return { width, height, channels: grey ? 1 : 3, data, alpha, mediaType, storedWidth, storedHeight };
}

async function decodeBytes(bytes: Buffer, options: DecodeOptions, limits: DecodeLimits): Promise<DecodedImage> {
  if (bytes.length === 0) throw emptyFile();
  if (bytes.length > limits.maxBytes) throw tooLarge(bytes.length, limits.maxBytes);
  const sniffed = sniffType(bytes.subarray(0, SNIFF_BYTES));
  const refused = refusal(sniffed);
  if (refused !== null || !isImageType(sniffed)) throw new AppError('unsupported_type', refused ?? 'Not an image');
  const meta = await readHeader(bytes);
  const mediaType = decodedType(sniffed, meta);
  if (mediaType !== 'image/heic') return decodeWithSharp(bytes, meta, mediaType, limits, options.shrinkMinSide ?? 0);
  checkPixels(meta.width, meta.height, limits);
  const tool = await (options.findHeicDecoder ?? findHeicDecoder)();
  if (tool === null) throw new AppError('unsupported_type', HEIC_INSTALL_HINT);
  const png = await decodeHeicToPng(bytes, tool, limits.timeoutSeconds * 1000, limits.maxPixels * 8 + (1 << 20));
  const pngMeta = await readHeader(png);
  return decodeWithSharp(png, pngMeta, 'image/heic', limits, 0);
}

/** Decodes a still image from a Buffer or a file path. Throws AppError on any failure. */
export async function decodeImage(input: Buffer | string, options: DecodeOptions = {}): Promise<DecodedImage> {
  const limits = { ...DEFAULT_DECODE_LIMITS, ...options.limits };
  const bytes = typeof input === 'string' ? await readMediaFile(input, limits.maxBytes) : input;
  return decodeBytes(bytes, options, limits);
}
