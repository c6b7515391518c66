/**
 * Frames of an animated GIF or WebP, decoded by sharp (libvips composites each frame onto the
 * previous ones as a viewer would). ffmpeg 5.1 cannot decode animated WebP, and one decoder
 * for both keeps frame 0 identical to the still-image path's picture. Pages are decoded in
 * batches so memory stays bounded by `BATCH_PIXELS` whatever the frame count.
 */
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../core/errors.js';
import type { VideoInput } from './video-input.js';

/** Pixels decoded at once (a batch of pages); ~48 MB of RGB. */
const BATCH_PIXELS = 16_000_000;
/** What browsers show for a frame whose delay is missing or ~0. */
const DEFAULT_DELAY_MS = 100;

export interface AnimatedInfo {
  width: number;
  height: number;
  pages: number;
  /** Start time of each frame, seconds. */
  startSec: number[];
  durationSec: number;
}

export interface AnimatedFrame {
  index: number;
  channels: 1 | 3;
  /** Valid only during the callback. */
  data: Uint8Array;
}

export interface AnimatedLimits {
  maxPixels: number;
  maxFrames: number;
}

function source(input: VideoInput): string | Buffer {
  return 'path' in input ? input.path : Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
}

function failure(err: unknown): AppError {
  const message = err instanceof Error ? err.message.split('\n')[0]!.trim() : String(err);
  if (/timeout/i.test(message))
    return new AppError('decode_timeout', 'Decoding the animation timed out', { cause: err });
  return new AppError('corrupt_media', `The animation is corrupt or truncated: ${message}`, { cause: err });
}

export async function animatedInfo(input: VideoInput, limits: AnimatedLimits): Promise<AnimatedInfo> {
  let meta: Metadata;
  try {
    meta = await sharp(source(input), { pages: -1, limitInputPixels: false }).metadata();
  } catch (err) {
    throw failure(err);
  }
  const pages = meta.pages ?? 1;
  const width = meta.width;
  const height = meta.pageHeight ?? meta.height;
  if (!(width > 0 && height > 0)) throw new AppError('corrupt_media', 'The animation declares an empty frame size');
  if (width * height > limits.maxPixels) {
    throw new AppError(
      'too_many_pixels',
      `The animation's frames are ${width}x${height}, over the limit of ${limits.maxPixels} pixels`,
    );
  }
  if (pages > limits.maxFrames) {
    throw new AppError('too_many_frames', `The animation has ${pages} frames, over the limit of ${limits.maxFrames}`);
  }
  const startSec: number[] = [];
  let t = 0;
  for (let i = 0; i < pages; i++) {
    startSec.push(Math.round(t) / 1000);
    const d = meta.delay?.[i] ?? 0;
    t += d > 10 ? d : DEFAULT_DELAY_MS;
  }
  return { width, height, pages, startSec, durationSec: t / 1000 };
}

/** Decodes the pages `wanted` (ascending) and hands each to onFrame, batch by batch. */
export interface AnimatedRun {
  /** Absolute time (Date.now() scale) by which decoding must end. */
  deadline: number;
  timeoutSeconds: number;
  signal?: AbortSignal | undefined;
}

export async function decodeAnimated(
  input: VideoInput,
  info: AnimatedInfo,
  wanted: number[],
  run: AnimatedRun,
  onFrame: (frame: AnimatedFrame) => void,
): Promise<void> {
  const perBatch = Math.max(1, Math.floor(BATCH_PIXELS / (info.width * info.height)));
  const { deadline } = run;
  for (let i = 0; i < wanted.length;) {
    run.signal?.throwIfAborted();
    const first = wanted[i]!;
    let last = first;
    let j = i;
    while (j < wanted.length && wanted[j]! < first + perBatch) last = wanted[j++]!;
    const seconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    let out;
    try {
      out = await sharp(source(input), {
        page: first,
        pages: last - first + 1,
        failOn: 'error',
        ignoreIcc: true,
        limitInputPixels: false,
      })
        .timeout({ seconds })
        .removeAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw failure(err);
    }
    if (Date.now() > deadline)
      throw new AppError('decode_timeout', `Decoding the animation did not finish within ${run.timeoutSeconds} s`);
    const channels = out.info.channels;
    if (channels !== 1 && channels !== 3)
      throw new AppError('corrupt_media', `The animation decoded to ${channels} channels`);
    const frameSize = info.width * info.height * channels;
    for (let k = i; k < j; k++) {
      const at = (wanted[k]! - first) * frameSize;
      onFrame({ index: wanted[k]!, channels, data: out.data.subarray(at, at + frameSize) });
    }
    i = j;
  }
}
