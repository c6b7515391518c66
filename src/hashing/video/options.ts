/** Options, limits and result of hashing one video (see ./index.ts). */
import type { Digests } from '../../core/hash.js';
import type { Bands } from '../borders.js';
import type { VideoFrameHash, VideoMode } from './sampling.js';

export interface VideoLimits {
  /** Longest video accepted (declared, and as decoded): `video_too_long`. */
  maxSeconds: number;
  /** Most frames decoded (not only hashed): `too_many_frames`. */
  maxFrames: number;
  /** Wall time for the whole item, probe to last frame: `decode_timeout`. */
  timeoutSeconds: number;
  /** Largest frame (width x height): `too_many_pixels`. */
  maxPixels: number;
  /** Largest file: `too_large`. */
  maxBytes: number;
}

export const DEFAULT_VIDEO_LIMITS: Readonly<VideoLimits> = Object.freeze({
  maxSeconds: 4 * 3600,
  maxFrames: 4 * 3600 * 60,
  timeoutSeconds: 3600,
  maxPixels: 8192 * 4320,
  maxBytes: 4 * 1024 ** 3,
});

export interface HashVideoOptions {
  /**
   * `every`: every decoded frame (how vPDQ's sample hashes were made); `fps1` (default): one
   * frame per `secondsPerHash` as vPDQ samples; `keyframes`: keyframes only, fast triage.
   */
  mode?: VideoMode;
  /** vPDQ's seconds_per_hash for `fps1` (default 1). */
  secondsPerHash?: number;
  /** Reference PDQ arithmetic per frame, and libswscale's C converter where ffmpeg converts (slower). */
  exact?: boolean;
  /** Drop frames within this many bits of the last frame kept (off when absent). */
  pruneBits?: number;
  /** Look for letterbox/pillarbox bars and also hash the frames inside them (default true). */
  bars?: boolean;
  limits?: Partial<VideoLimits>;
  ffmpegPath?: string;
  /** Default: `ffprobe` beside ffmpegPath when that is a path, else `ffprobe` on PATH. */
  ffprobePath?: string;
  /** ffmpeg decoder and filter threads (default 1: one item, one core). */
  threads?: number;
  /** Where a non-streamable MP4 given as bytes is written for ffmpeg to seek in (default: the OS temp dir). */
  tempDir?: string;
  signal?: AbortSignal;
}

export interface VideoHashResult {
  mediaType: string;
  size: number;
  digests: Digests;
  /** NaN when neither the container nor the decode said. */
  durationSec: number;
  width: number;
  height: number;
  fps: number;
  mode: 'every' | 'fps1' | 'keyframes';
  frames: VideoFrameHash[];
  /** The same frames cropped to the inside of the video's bars, when it has bars. */
  framesTrimmed?: VideoFrameHash[];
  bars?: Bands;
}
