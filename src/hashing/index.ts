/**
 * One still image → digests of its bytes + perceptual hashes (PDQ, optional dihedral and
 * trimmed PDQ, blockhash). The file is read once: the same bytes feed the digests and the
 * decoder. Default is the fast mode (JPEG shrink-on-load, PDQ approximating full resolution);
 * `exact` decodes at full resolution and reproduces the reference bit for bit.
 */
import { AppError } from '../core/errors.js';
import type { Digests, ImageHashes, PdqVariantHash } from '../core/hash.js';
import { type DecodedImage, type DecodeLimits, DEFAULT_DECODE_LIMITS, decodeImage } from '../media/decode.js';
import type { HeicDecoderLookup } from '../media/heic.js';
import type { ImageMediaType } from '../media/sniff.js';
import { blockhashFromRgba, rgbaFromPixels } from './blockhash.js';
import { type Bands, cropLuma, findBands, OUTER_BAND_OPTIONS, trimVariants } from './borders.js';
import { digestBuffer, readAndDigest } from './digest.js';
import { lumaFromPixels } from './luma.js';
import { type PdqFlavour, pdqFromLuma, type PdqResult } from './pdq.js';
import { pdqDihedral } from './pdq-dihedral.js';

export { digestBuffer, digestFile, readAndDigest } from './digest.js';

/**
 * Fast mode lets libjpeg shrink on load while the shorter decoded side stays ≥ this. Measured
 * on the reference images: the Jarosz window (side/128) must stay ≥ ~1.5 decoded pixels for
 * the result to stay within a few bits of full resolution, i.e. side/shrink ≥ 192.
 */
export const FAST_MIN_DECODED_SIDE = 192;

export interface HashImageOptions {
  /** Full-resolution decode and the reference's float32 arithmetic (slower). */
  exact?: boolean;
  /** Also the 8 rotation/flip hashes, in DIHEDRAL_NAMES order. */
  dihedral?: boolean;
  /** The C++ CLI flavour: squash to 512x512 before hashing (implies a full-resolution decode). */
  squash512?: boolean;
  limits?: Partial<DecodeLimits>;
  /** Fast mode's shrink-on-load bound (see FAST_MIN_DECODED_SIDE); 0 disables shrinking. */
  shrinkMinSide?: number;
  findHeicDecoder?: HeicDecoderLookup;
}

export interface ImageHashResult {
  digests: Digests;
  size: number;
  mediaType: ImageMediaType;
  hashes: ImageHashes;
}

function flavourOf(options: HashImageOptions): PdqFlavour {
  if (options.squash512) return 'squash512';
  return options.exact ? 'exact' : 'fast';
}

/**
 * PDQ of the content inside uniform edge bands (every band: pdqTrimmed) and of the other trims
 * a re-post's framing suggests (borders.ts trimVariants), when there are any bands.
 */
function trimmedPdqs(
  img: DecodedImage,
  luma: Float32Array,
  flavour: PdqFlavour,
): { all: PdqResult | null; variants: PdqVariantHash[] } {
  const all = findBands(img);
  const outer = findBands(img, OUTER_BAND_OPTIONS);
  // After shrink-on-load, the decoded line where a band meets the content mixes both: drop it.
  const reduced = img.width < img.storedWidth || img.height < img.storedHeight;
  const margin = (band: number): number => (band > 0 && reduced ? band + 1 : band);
  const pdqInside = (found: Bands): PdqResult => {
    const bands = {
      top: margin(found.top),
      bottom: margin(found.bottom),
      left: margin(found.left),
      right: margin(found.right),
    };
    const inner = cropLuma(luma, img.width, img.height, bands);
    return pdqFromLuma(inner.luma, inner.width, inner.height, {
      flavour,
      storedWidth: Math.round((inner.width * img.storedWidth) / img.width),
      storedHeight: Math.round((inner.height * img.storedHeight) / img.height),
    });
  };
  const variants = (outer ? trimVariants(outer, all) : []).map(({ name, bands }) => {
    const { hex, quality } = pdqInside(bands);
    return { name, hash: hex, quality };
  });
  return { all: all && pdqInside(all), variants };
}

/** Perceptual hashes of decoded pixels; `width`/`height` reported are the stored size. */
export function hashDecoded(
  img: DecodedImage,
  options: Pick<HashImageOptions, 'exact' | 'dihedral' | 'squash512'> = {},
): ImageHashes {
  const flavour = flavourOf(options);
  const luma = lumaFromPixels(img.data, img.width, img.height, img.channels);
  const stored = { storedWidth: img.storedWidth, storedHeight: img.storedHeight };
  const pdq = pdqFromLuma(luma, img.width, img.height, { flavour, ...stored });
  const rgba = rgbaFromPixels(img.data, img.width, img.height, img.channels, img.alpha);
  const hashes: ImageHashes = {
    width: img.storedWidth,
    height: img.storedHeight,
    pdq: pdq.hex,
    pdqQuality: pdq.quality,
    blockhash: blockhashFromRgba(rgba, img.width, img.height, 2),
  };
  if (options.dihedral) hashes.pdqDihedral = pdqDihedral(pdq);
  const trimmed = trimmedPdqs(img, luma, flavour);
  if (trimmed.all) {
    hashes.pdqTrimmed = trimmed.all.hex;
    hashes.pdqTrimmedQuality = trimmed.all.quality;
  }
  if (trimmed.variants.length > 0) hashes.pdqTrimmedVariants = trimmed.variants;
  return hashes;
}

/** Digests + perceptual hashes of an image given as bytes or a file path. Throws AppError. */
export async function hashImage(input: Buffer | string, options: HashImageOptions = {}): Promise<ImageHashResult> {
  const limits = { ...DEFAULT_DECODE_LIMITS, ...options.limits };
  let bytes: Buffer;
  let digests: Digests;
  if (typeof input === 'string') {
    ({ bytes, digests } = await readAndDigest(input, limits.maxBytes));
  } else {
    bytes = input;
    digests = digestBuffer(bytes);
  }
  const fullResolution = options.exact === true || options.squash512 === true;
  const img = await decodeImage(bytes, {
    limits,
    shrinkMinSide: fullResolution ? 0 : (options.shrinkMinSide ?? FAST_MIN_DECODED_SIDE),
    findHeicDecoder: options.findHeicDecoder,
  });
  try {
    return { digests, size: bytes.length, mediaType: img.mediaType, hashes: hashDecoded(img, options) };
  } catch (err) {
    throw err instanceof AppError ? err : new AppError('internal', 'Hashing the decoded image failed', { cause: err });
  }
}
