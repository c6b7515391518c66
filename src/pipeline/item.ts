import { stat } from 'node:fs/promises';
import { AppError, toAppError, type ErrorInfo } from '../core/errors.js';
import type { Digests, ImageHashes } from '../core/hash.js';
import type { ItemReport } from '../core/match.js';
import { digestBuffer, digestFile, readAndDigest } from '../hashing/digest.js';
import { type HashImageOptions, FAST_MIN_DECODED_SIDE, hashDecoded } from '../hashing/index.js';
import { hashVideo, type HashVideoOptions, type VideoHashResult } from '../hashing/video/index.js';
import { fetchToBuffer, type FetchOptions } from '../intake/fetch.js';
import type { Config } from '../config/index.js';
import type { ItemMatcher } from '../matching/item-matcher.js';
import type { VideoMatchOptions } from '../matching/vpdq-matcher.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, decodeImage } from '../media/decode.js';
import { SNIFF_BYTES, isVideoType, sniffType } from '../media/sniff.js';
import { animatedInfo } from '../media/video-animated.js';
import { readHead, type VideoInput } from '../media/video-input.js';
import { sourceLabel, type ItemSource } from './sources.js';

export interface PipelineOptions {
  hashing: Pick<HashImageOptions, 'exact' | 'squash512'>;
  limits: DecodeLimits;
  fetch: FetchOptions;
  /** Match every list's entries against the item's 8 dihedral PDQ hashes. */
  dihedral: boolean;
  /** Videos and animations: sampling mode, limits, ffmpeg's path, where a non-streamable upload may be spooled. */
  video: Omit<HashVideoOptions, 'signal'>;
  /** Aborts fetching and decoding (a worker shutting down, a job timing out). */
  signal?: AbortSignal;
}

/** Video hashing options from the settings (TIPHASH_FFMPEG_PATH, TIPHASH_VIDEO_*). */
export function videoOptions(
  video: Config['video'],
  overrides: Omit<HashVideoOptions, 'signal'> = {},
): Omit<HashVideoOptions, 'signal'> {
  return {
    mode: video.mode,
    limits: video.limits,
    ffmpegPath: video.ffmpegPath,
    ...(video.ffprobePath === undefined ? {} : { ffprobePath: video.ffprobePath }),
    ...overrides,
  };
}

/** The video verdict rule from the settings (HMA's query % ≥ 80 by default). */
export function videoMatchOptions(video: Config['video']): VideoMatchOptions {
  return { rule: video.rule, thresholdPct: video.matchPercent };
}

export function pipelineOptions(overrides: Partial<PipelineOptions> = {}): PipelineOptions {
  return { hashing: {}, limits: { ...DEFAULT_DECODE_LIMITS }, fetch: {}, dihedral: false, video: {}, ...overrides };
}

/**
 * What an item is read from: a file or URL (scan, URL items), bytes from somewhere else (a
 * staged upload, decrypted by `load`), or only the digests a tip gave (no media: matched by
 * digest alone).
 */
export type AnalysisSource =
  ItemSource | { kind: 'bytes'; load: () => Promise<Buffer> } | { kind: 'digests'; digests: Partial<Digests> };

/** What hashing one item produced. `error` is set when no perceptual hash could be made. */
export interface Analysis {
  size?: number;
  mediaType?: string;
  digests?: Partial<Digests>;
  hashes?: ImageHashes;
  /** A video's or an animation's frame hashes. */
  video?: Omit<VideoHashResult, 'digests' | 'size' | 'mediaType'>;
  error?: ErrorInfo;
  /** The error may go away on a retry (a network failure, a server's 5xx). */
  transient?: true;
}

async function readSource(
  source: Exclude<AnalysisSource, { kind: 'digests' }>,
  opts: PipelineOptions,
): Promise<{ bytes: Buffer; digests: Digests }> {
  if (source.kind === 'file') return readAndDigest(source.path, opts.limits.maxBytes);
  const bytes =
    source.kind === 'url'
      ? (
          await fetchToBuffer(source.url, {
            maxBytes: opts.limits.maxBytes,
            ...opts.fetch,
            ...(opts.signal ? { signal: opts.signal } : {}),
          })
        ).data
      : await source.load();
  if (bytes.length > opts.limits.maxBytes)
    throw new AppError('too_large', `The file exceeds the limit of ${opts.limits.maxBytes} bytes`);
  return { bytes, digests: digestBuffer(bytes) };
}

function failure(out: Analysis, err: unknown): Analysis {
  const e = toAppError(err);
  return { ...out, error: e.toJSON(), ...(e.permanent ? {} : { transient: true as const }) };
}

/**
 * Reads (or fetches) an item once, digests its bytes, and decodes and hashes it. Digests are
 * kept even when decoding fails, so a file on an MD5 list matches however broken it is.
 * Never throws: failures come back as `error`.
 */
export async function analyseItem(source: AnalysisSource, opts: PipelineOptions): Promise<Analysis> {
  if (source.kind === 'digests') return { digests: source.digests };
  // A video file is handed to ffmpeg by path (it may be gigabytes): it is never read whole.
  if (source.kind === 'file' && (await isVideoFile(source.path))) return analyseVideo({ path: source.path }, opts);
  let bytes: Buffer;
  const out: Analysis = {};
  try {
    const read = await readSource(source, opts);
    bytes = read.bytes;
    out.size = bytes.length;
    if (bytes.length === 0) throw new AppError('empty_file', 'The file is empty (0 bytes)');
    out.digests = read.digests;
  } catch (err) {
    return failure(out, err);
  }
  const sniffed = sniffType(bytes.subarray(0, SNIFF_BYTES));
  if (sniffed !== null) out.mediaType = sniffed;
  if (isVideoType(sniffed)) return analyseVideo({ bytes }, opts, out);
  try {
    const img = await decodeImage(bytes, {
      limits: opts.limits,
      shrinkMinSide: opts.hashing.exact || opts.hashing.squash512 ? 0 : FAST_MIN_DECODED_SIDE,
    });
    out.mediaType = img.mediaType;
    // The 8 dihedral hashes cost ~0.1 ms from the one DCT; the matcher decides which lists use them.
    out.hashes = hashDecoded(img, { ...opts.hashing, dihedral: true });
  } catch (err) {
    return failure(out, err);
  }
  // An animation's first frame is hashed as a still above; all its frames as a video too.
  if ((sniffed === 'image/gif' || sniffed === 'image/webp') && (await isAnimated(bytes, opts))) {
    const moving = await analyseVideo({ bytes }, opts, out);
    return { ...moving, mediaType: out.mediaType, ...(out.hashes ? { hashes: out.hashes } : {}) };
  }
  return out;
}

async function isVideoFile(path: string): Promise<boolean> {
  // Only a regular file is opened here: opening a FIFO would block.
  const st = await stat(path).catch(() => null);
  if (!st?.isFile() || st.size === 0) return false;
  return isVideoType(sniffType(await readHead({ path })));
}

async function isAnimated(bytes: Buffer, opts: PipelineOptions): Promise<boolean> {
  const limits = {
    maxPixels: opts.limits.maxPixels,
    maxFrames: opts.video.limits?.maxFrames ?? Number.MAX_SAFE_INTEGER,
  };
  return (await animatedInfo({ bytes }, limits).catch(() => ({ pages: 1 }))).pages > 1;
}

/**
 * Frame hashes of a video or an animation. When decoding fails, the digests are still
 * taken (a second read, only then), so a file on a video-MD5 list matches however broken.
 */
async function analyseVideo(input: VideoInput, opts: PipelineOptions, known: Analysis = {}): Promise<Analysis> {
  try {
    const { digests, size, mediaType, ...video } = await hashVideo(input, {
      ...opts.video,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return { ...known, size, mediaType, digests, video };
  } catch (err) {
    if (known.digests) return failure(known, err);
    try {
      const d =
        'path' in input
          ? await digestFile(input.path, opts.video.limits?.maxBytes)
          : { digests: digestBuffer(input.bytes), size: input.bytes.length };
      return failure({ ...known, size: d.size, digests: d.digests }, err);
    } catch {
      return failure(known, err);
    }
  }
}

/** Matches an analysis against the lists and decides the item's verdict. */
export function judge(source: string, a: Analysis, matcher: ItemMatcher, dihedral: boolean): ItemReport {
  const video = a.video ? { video: { frames: a.video.frames, framesTrimmed: a.video.framesTrimmed } } : {};
  const outcome = a.digests ? matcher.match({ ...a.digests, ...a.hashes, ...video }, { dihedral }) : { matches: [] };
  const report: ItemReport = {
    source,
    ...(a.size !== undefined ? { size: a.size } : {}),
    ...(a.mediaType !== undefined ? { mediaType: a.mediaType } : {}),
    ...a.digests,
    verdict: outcome.matches.length > 0 ? 'matched' : a.error ? 'failed' : 'no_match',
    matches: outcome.matches,
  };
  if (a.error) report.error = a.error;
  if (outcome.allowListed) report.allowListed = outcome.allowListed;
  return report;
}

export async function processItem(
  source: ItemSource,
  matcher: ItemMatcher,
  opts: PipelineOptions,
): Promise<ItemReport> {
  return judge(sourceLabel(source), await analyseItem(source, opts), matcher, opts.dihedral);
}
