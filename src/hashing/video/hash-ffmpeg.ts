/**
 * A container video through ffmpeg: probe, check the declared limits, find bars on keyframes
 * spread over the video, then one decode that hashes the selected frames as they arrive.
 */
import { AppError } from '../../core/errors.js';
import { decodeFrames, type FramePixels, type FrameSelection } from '../../media/video-frames.js';
import type { FfmpegSource } from '../../media/video-input.js';
import { probeVideo, type VideoProbe } from '../../media/video-probe.js';
import type { Bands } from '../borders.js';
import { BarsEstimate } from './bars.js';
import { FrameHasher } from './frame-hasher.js';
import type { VideoLimits } from './options.js';
import { frameStep, frameTime, type VideoFrameHash, type VideoMode } from './sampling.js';

/** Keyframes looked at for bars; spread over the video. */
const BAR_SAMPLES = 24;
/** A decode that stops short of this share of the declared frames is a truncated file. */
const MIN_COVERAGE = 0.9;

export interface FfmpegRun {
  source: FfmpegSource;
  demuxer: string;
  mode: VideoMode;
  secondsPerHash: number;
  exact: boolean;
  bars: boolean;
  limits: VideoLimits;
  ffmpegPath: string;
  ffprobePath: string;
  threads: number;
  deadline: number;
  signal: AbortSignal | undefined;
}

export interface FfmpegHashes {
  probe: VideoProbe;
  frames: VideoFrameHash[];
  framesTrimmed?: VideoFrameHash[];
  bars?: Bands;
}

function checkDeclared(p: VideoProbe, limits: VideoLimits): void {
  if (p.width * p.height > limits.maxPixels) {
    throw new AppError(
      'too_many_pixels',
      `The video's frames are ${p.width}x${p.height}, over the limit of ${limits.maxPixels} pixels`,
    );
  }
  if (p.durationSec > limits.maxSeconds) {
    throw new AppError(
      'video_too_long',
      `The video lasts ${Math.round(p.durationSec)} s, over the limit of ${limits.maxSeconds} s`,
    );
  }
  const frames = p.frameCount ?? Math.round(p.durationSec * p.fps);
  if (frames > limits.maxFrames) {
    throw new AppError('too_many_frames', `The video has ${frames} frames, over the limit of ${limits.maxFrames}`);
  }
}

/**
 * yuv420p frames pass through untouched and are converted here exactly as vPDQ's reference
 * does; odd sizes and other formats are converted by ffmpeg (its C converter in exact mode).
 */
function pixelsFor(p: VideoProbe): FramePixels {
  const even = p.width % 2 === 0 && p.height % 2 === 0;
  if (even && (p.pixFmt === 'yuv420p' || p.pixFmt === 'yuvj420p')) return p.pixFmt;
  return 'rgb24';
}

function selection(mode: VideoMode, step: number): FrameSelection {
  if (mode === 'keyframes') return { kind: 'keyframes' };
  return mode === 'every' ? { kind: 'all' } : { kind: 'step', step };
}

async function findBars(run: FfmpegRun, p: VideoProbe): Promise<Bands | null> {
  const estimate = new BarsEstimate();
  await decodeFrames(
    run.source,
    run.demuxer,
    {
      ...run,
      select: { kind: 'spread', count: BAR_SAMPLES, durationSec: p.durationSec },
      pixels: 'gray',
      width: p.width,
      height: p.height,
      exactCpu: false,
      timeoutSeconds: run.limits.timeoutSeconds,
    },
    (f) => estimate.add({ data: f.data, width: p.width, height: p.height, channels: 1 }),
  );
  return estimate.result();
}

export async function hashWithFfmpeg(run: FfmpegRun): Promise<FfmpegHashes> {
  const { limits } = run;
  const probe = await probeVideo(run.source, run.demuxer, { ...run, timeoutSeconds: limits.timeoutSeconds });
  checkDeclared(probe, limits);
  const bars = run.bars ? await findBars(run, probe) : null;
  const step = run.mode === 'every' ? 1 : frameStep(probe.fps, run.secondsPerHash);
  const pixels = pixelsFor(probe);
  const hasher = new FrameHasher(probe.width, probe.height, pixels, run.exact ? 'exact' : 'fast', bars);
  const frames: VideoFrameHash[] = [];
  const trimmed: VideoFrameHash[] = [];
  const { frames: decoded, ptsSec } = await decodeFrames(
    run.source,
    run.demuxer,
    {
      ...run,
      select: selection(run.mode, step),
      pixels,
      width: probe.width,
      height: probe.height,
      exactCpu: run.exact,
      timeoutSeconds: limits.timeoutSeconds,
    },
    ({ seq, data }) => {
      // Keyframes get their real index and time from ffmpeg's timestamps once decoding ends.
      const frame = run.mode === 'keyframes' ? seq : seq * step;
      const ts = frameTime(frame, probe.fps);
      if (frame >= limits.maxFrames) {
        throw new AppError('too_many_frames', `The video has more than ${limits.maxFrames} frames (the limit)`);
      }
      if (ts > limits.maxSeconds) {
        throw new AppError('video_too_long', `The video runs past the limit of ${limits.maxSeconds} s`);
      }
      const h = hasher.hash(data);
      frames.push({ frame, ts, ...h.full });
      if (h.trimmed) trimmed.push({ frame, ts, ...h.trimmed });
    },
  );
  if (run.mode === 'keyframes') restamp([frames, trimmed], ptsSec, probe);
  else checkCoverage(probe, decoded, step);
  return { probe, frames, ...(bars ? { framesTrimmed: trimmed, bars } : {}) };
}

/** Keyframes: index and time from the presentation timestamps ffmpeg reported. */
function restamp(lists: VideoFrameHash[][], ptsSec: number[], p: VideoProbe): void {
  for (const list of lists) {
    for (const f of list) {
      const pts = ptsSec[f.frame];
      if (pts === undefined) continue;
      const t = Math.max(0, pts - p.startSec);
      f.frame = Math.round(t * p.fps);
      f.ts = Math.round(t * 1000) / 1000;
    }
  }
}

/** A file cut short decodes cleanly up to the cut: compare with what the container declared. */
function checkCoverage(p: VideoProbe, outputs: number, step: number): void {
  const declared = p.frameCount ?? Math.round(p.durationSec * p.fps);
  if (!(declared > 0)) return;
  const reached = outputs * step;
  if (reached < declared * MIN_COVERAGE) {
    throw new AppError(
      'corrupt_media',
      `The video is truncated or damaged: about ${Math.min(reached, declared)} of the ${declared} frames it declares could be decoded`,
    );
  }
}
