/**
 * One video → digests of its bytes and vPDQ-compatible frame hashes: `{frame, ts, pdq,
 * quality}` per hashed frame, as vPDQ's hash files list them, plus the frames inside the
 * video's bars when it has any. Containers (MP4/QuickTime, Matroska/WebM, AVI) are decoded by
 * ffmpeg, animated GIF/WebP by sharp. Throws AppError; the child processes are always gone
 * when it returns.
 */
import { AppError } from '../../core/errors.js';
import type { Digests } from '../../core/hash.js';
import { ffmpegSource, readHead, sniffVideo, type VideoInput } from '../../media/video-input.js';
import { tooLarge } from '../../media/read.js';
import { digestBuffer, digestFile } from '../digest.js';
import { hashAnimated } from './hash-animated.js';
import { hashWithFfmpeg } from './hash-ffmpeg.js';
import { DEFAULT_VIDEO_LIMITS, type HashVideoOptions, type VideoHashResult, type VideoLimits } from './options.js';
import { pruneFrames, type VideoFrameHash } from './sampling.js';

export { DEFAULT_VIDEO_LIMITS, type HashVideoOptions, type VideoHashResult, type VideoLimits } from './options.js';
export { frameStep, pruneFrames, VIDEO_MODES, type VideoFrameHash, type VideoMode } from './sampling.js';

/** ffprobe beside a configured ffmpeg binary, else the one on PATH. */
export function defaultFfprobePath(ffmpegPath: string): string {
  return ffmpegPath.includes('/') ? ffmpegPath.replace(/ffmpeg([^/]*)$/, 'ffprobe$1') : 'ffprobe';
}

async function digestsOf(input: VideoInput, maxBytes: number): Promise<{ digests: Digests; size: number }> {
  if ('path' in input) return digestFile(input.path, maxBytes);
  if (input.bytes.length > maxBytes) throw tooLarge(input.bytes.length, maxBytes);
  return { digests: digestBuffer(input.bytes), size: input.bytes.length };
}

function positive(n: number | undefined, fallback: number, what: string): number {
  const v = n ?? fallback;
  if (!(v > 0) || !Number.isFinite(v))
    throw new AppError('invalid_argument', `Expected a positive number for ${what} but received ${v}`);
  return v;
}

export async function hashVideo(input: VideoInput, options: HashVideoOptions = {}): Promise<VideoHashResult> {
  const limits: VideoLimits = { ...DEFAULT_VIDEO_LIMITS, ...options.limits };
  const mode = options.mode ?? 'fps1';
  const secondsPerHash = positive(options.secondsPerHash, 1, 'secondsPerHash');
  const exact = options.exact === true;
  const bars = options.bars !== false;
  const deadline = Date.now() + positive(limits.timeoutSeconds, 1, 'the video timeout') * 1000;
  options.signal?.throwIfAborted();
  const sniffed = sniffVideo(await readHead(input));
  // The digests stream the file alongside the decode: both are bounded by maxBytes.
  const digesting = digestsOf(input, limits.maxBytes);
  digesting.catch(() => undefined);
  let out: Omit<VideoHashResult, 'digests' | 'size'>;
  if (sniffed.kind === 'animated') {
    const a = await hashAnimated(input, {
      mode,
      secondsPerHash,
      exact,
      bars,
      limits,
      deadline,
      signal: options.signal,
    });
    out = {
      mediaType: sniffed.mediaType,
      durationSec: a.info.durationSec,
      width: a.info.width,
      height: a.info.height,
      fps: a.fps,
      mode,
      frames: a.frames,
    };
    if (a.bars) Object.assign(out, { framesTrimmed: a.framesTrimmed, bars: a.bars });
  } else {
    await digesting; // a file over maxBytes fails before ffmpeg starts
    const ffmpegPath = options.ffmpegPath ?? 'ffmpeg';
    const source = await ffmpegSource(input, sniffed, options.tempDir);
    try {
      const v = await hashWithFfmpeg({
        source,
        demuxer: sniffed.demuxer,
        mode,
        secondsPerHash,
        exact,
        bars,
        limits,
        ffmpegPath,
        ffprobePath: options.ffprobePath ?? defaultFfprobePath(ffmpegPath),
        threads: Math.max(1, Math.floor(options.threads ?? 1)),
        deadline,
        signal: options.signal,
      });
      const p = v.probe;
      out = {
        mediaType: sniffed.mediaType,
        durationSec: p.durationSec,
        width: p.width,
        height: p.height,
        fps: p.fps,
        mode,
        frames: v.frames,
      };
      if (v.bars) Object.assign(out, { framesTrimmed: v.framesTrimmed, bars: v.bars });
    } finally {
      await source.release();
    }
  }
  const { digests, size } = await digesting;
  const prune = (frames: VideoFrameHash[]) =>
    options.pruneBits === undefined ? frames : pruneFrames(frames, options.pruneBits);
  return {
    ...out,
    size,
    digests,
    frames: prune(out.frames),
    ...(out.framesTrimmed ? { framesTrimmed: prune(out.framesTrimmed) } : {}),
  };
}
