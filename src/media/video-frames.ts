/**
 * Decoded frames of a video, piped from ffmpeg's stdout as raw pixels: nothing is written to
 * disk. Frame choice happens inside ffmpeg (a `select` filter ahead of any pixel conversion),
 * so frames not hashed are decoded (their successors need them) but never converted or piped.
 *
 * Pixel formats: yuv420p/yuvj420p are passed through untouched (the hashing layer converts
 * them exactly as vPDQ's reference does); anything else is converted by ffmpeg to rgb24
 * (`-cpuflags 0` in exact mode, for libswscale's C converter); `gray` serves bar detection.
 */
import { AppError } from '../core/errors.js';
import { type FfmpegSource, inputArgs } from './video-input.js';
import { runTool, toolError } from './video-tool.js';

export type FramePixels = 'yuv420p' | 'yuvj420p' | 'rgb24' | 'gray';

/**
 * - `all`: every decoded frame (vPDQ's `-r 0`)
 * - `step`: frames whose decode index is a multiple of `step` (vPDQ's seconds-per-hash sampling)
 * - `keyframes`: only keyframes are decoded (fast triage); their timestamps come from ffmpeg
 * - `spread`: up to `count` keyframes spread evenly over `durationSec` (bar detection)
 */
export type FrameSelection =
  | { kind: 'all' }
  | { kind: 'step'; step: number }
  | { kind: 'keyframes' }
  | { kind: 'spread'; count: number; durationSec: number };

export interface FrameStreamOptions {
  ffmpegPath: string;
  select: FrameSelection;
  pixels: FramePixels;
  width: number;
  height: number;
  /** libswscale's C code instead of SIMD (the reference's rounding) for ffmpeg-side conversions. */
  exactCpu: boolean;
  threads: number;
  deadline: number;
  timeoutSeconds: number;
  signal?: AbortSignal | undefined;
}

export interface RawFrame {
  /** 0-based position among the frames ffmpeg output. */
  seq: number;
  /** Valid only during the callback: copy what must outlive it. */
  data: Uint8Array;
}

export function frameBytes(pixels: FramePixels, width: number, height: number): number {
  if (pixels === 'rgb24') return width * height * 3;
  if (pixels === 'gray') return width * height;
  return width * height + 2 * ((width + 1) >> 1) * ((height + 1) >> 1);
}

/** Presentation times ffmpeg's showinfo filter reports, in output order. */
const SHOWINFO = /Parsed_showinfo.*\bn:\s*(\d+)\s+pts:\s*\S+\s+pts_time:(\S+)/;

function filters(select: FrameSelection): string[] {
  switch (select.kind) {
    case 'all':
      return [];
    case 'step':
      return select.step > 1 ? [`select=not(mod(n\\,${select.step}))`] : [];
    case 'keyframes':
      return ['showinfo=checksum=0'];
    case 'spread': {
      const gap = Number.isFinite(select.durationSec) ? select.durationSec / select.count : 0;
      return gap > 0 ? [`select=isnan(prev_selected_t)+gte(t-prev_selected_t\\,${gap.toFixed(3)})`] : [];
    }
  }
}

export function ffmpegArgs(source: FfmpegSource, demuxer: string, o: FrameStreamOptions): string[] {
  const vf = filters(o.select);
  const keyOnly = o.select.kind === 'keyframes' || o.select.kind === 'spread';
  return [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    o.select.kind === 'keyframes' ? 'level+info' : 'level+error',
    ...(o.exactCpu ? ['-cpuflags', '0'] : []),
    '-threads',
    String(o.threads),
    '-filter_threads',
    String(o.threads),
    ...(keyOnly ? ['-skip_frame', 'nokey'] : []),
    // The stored grid, as vPDQ and the still-image path hash it: rotation tags are not applied.
    '-noautorotate',
    ...inputArgs(source, demuxer),
    '-i',
    source.url,
    '-map',
    '0:V:0',
    '-an',
    '-sn',
    '-dn',
    ...(vf.length > 0 ? ['-vf', vf.join(',')] : []),
    ...(o.select.kind === 'spread' ? ['-frames:v', String(o.select.count + 1)] : []),
    '-fps_mode',
    'passthrough',
    '-pix_fmt',
    o.pixels,
    '-f',
    'rawvideo',
    'pipe:1',
  ];
}

/**
 * Streams frames to `onFrame` in output order; `onFrame` throws to stop early (a limit).
 * Returns the presentation time of each frame (seconds) when the selection is `keyframes`.
 * Throws `corrupt_media` when ffmpeg fails or produces nothing.
 */
export async function decodeFrames(
  source: FfmpegSource,
  demuxer: string,
  opts: FrameStreamOptions,
  onFrame: (frame: RawFrame) => void,
): Promise<{ frames: number; ptsSec: number[] }> {
  const size = frameBytes(opts.pixels, opts.width, opts.height);
  const ptsSec: number[] = [];
  const onStderrLine = (line: string): boolean => {
    const m = SHOWINFO.exec(line);
    if (m) ptsSec[Number(m[1])] = Number(m[2]);
    return m !== null || / \[info\] /.test(line);
  };
  const toolOpts = { ...opts, name: 'ffmpeg', stdin: source.stdin, onStderrLine };
  const { result: frames, exit } = await runTool(
    opts.ffmpegPath,
    ffmpegArgs(source, demuxer, opts),
    toolOpts,
    async (stdout) => {
      const buf = new Uint8Array(size);
      let fill = 0;
      let seq = 0;
      for await (const chunk of stdout) {
        let p = 0;
        while (p < chunk.length) {
          if (fill === 0 && chunk.length - p >= size) {
            onFrame({ seq: seq++, data: chunk.subarray(p, p + size) });
            p += size;
            continue;
          }
          const n = Math.min(size - fill, chunk.length - p);
          buf.set(chunk.subarray(p, p + n), fill);
          fill += n;
          p += n;
          if (fill === size) {
            onFrame({ seq: seq++, data: buf });
            fill = 0;
          }
        }
      }
      return seq;
    },
  );
  if (exit.code !== 0) {
    throw new AppError('corrupt_media', `The video could not be decoded: ${toolError(exit.stderr, source.url)}`);
  }
  if (frames === 0 && opts.select.kind !== 'spread') {
    const why = exit.stderr.trim() === '' ? 'no frame could be decoded' : toolError(exit.stderr, source.url);
    throw new AppError('corrupt_media', `The video has no decodable frame: ${why}`);
  }
  return { frames, ptsSec };
}
