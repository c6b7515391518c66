/**
 * Duration, size, frame rate and pixel format of a video's first video stream, from ffprobe,
 * before anything is decoded: the limits are checked against what the container declares,
 * and checked again while decoding, since a header can lie.
 */
import { AppError } from '../core/errors.js';
import { type FfmpegSource, inputArgs } from './video-input.js';
import { runTool, toolError } from './video-tool.js';

export interface VideoProbe {
  codec: string;
  width: number;
  height: number;
  pixFmt: string;
  /** avg_frame_rate, or r_frame_rate when that is 0/0 (as vPDQ does). */
  fps: number;
  /** NaN when the container does not say. */
  durationSec: number;
  /** The container's frame count, when it has one. */
  frameCount: number | null;
  startSec: number;
}

export interface ProbeOptions {
  ffprobePath: string;
  deadline: number;
  timeoutSeconds: number;
  signal?: AbortSignal | undefined;
}

/** ffprobe's JSON, as far as we read it. */
interface ProbeJson {
  streams?: Array<Record<string, string | number | undefined>>;
  format?: Record<string, string | number | undefined>;
}

/** Probe output is a few hundred bytes; anything near this is not ffprobe talking. */
const MAX_PROBE_OUTPUT = 1 << 20;

export function parseRate(rate: string | number | undefined): number {
  if (rate === undefined) return 0;
  const [num, den] = String(rate).split('/').map(Number);
  if (num === undefined || !Number.isFinite(num)) return 0;
  if (den === undefined) return num;
  return den > 0 ? num / den : 0;
}

function num(v: string | number | undefined): number {
  const n = Number(v);
  return v === undefined || v === 'N/A' || !Number.isFinite(n) ? NaN : n;
}

export function readProbe(json: ProbeJson): VideoProbe {
  const stream = json.streams?.[0];
  if (!stream)
    throw new AppError('unsupported_type', 'The file has no video stream (audio only, or only a cover picture)');
  const width = num(stream.width);
  const height = num(stream.height);
  if (!(width > 0 && height > 0)) {
    throw new AppError(
      'corrupt_media',
      `The video stream declares no usable frame size (${stream.width}x${stream.height})`,
    );
  }
  const fps = parseRate(stream.avg_frame_rate) || parseRate(stream.r_frame_rate);
  if (!(fps > 0)) throw new AppError('corrupt_media', 'The video stream declares no frame rate');
  const duration = num(stream.duration);
  const frames = num(stream.nb_frames);
  const start = num(stream.start_time);
  return {
    codec: String(stream.codec_name ?? 'unknown'),
    width,
    height,
    pixFmt: String(stream.pix_fmt ?? 'unknown'),
    fps,
    durationSec: Number.isFinite(duration) ? duration : num(json.format?.duration),
    frameCount: frames > 0 ? frames : null,
    startSec: Number.isFinite(start) ? start : 0,
  };
}

export async function probeVideo(source: FfmpegSource, demuxer: string, opts: ProbeOptions): Promise<VideoProbe> {
  const args = [
    '-v',
    'level+error',
    ...inputArgs(source, demuxer),
    '-select_streams',
    'V:0',
    '-show_entries',
    'stream=codec_name,width,height,pix_fmt,avg_frame_rate,r_frame_rate,nb_frames,duration,start_time:format=duration',
    '-of',
    'json',
    source.url,
  ];
  const { result: output, exit } = await runTool(
    opts.ffprobePath,
    args,
    { ...opts, name: 'ffprobe', stdin: source.stdin },
    async (stdout) => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stdout) {
        size += chunk.length;
        if (size > MAX_PROBE_OUTPUT)
          throw new AppError('corrupt_media', 'ffprobe described the video at implausible length');
        chunks.push(chunk);
      }
      return Buffer.concat(chunks).toString('utf8');
    },
  );
  if (exit.code !== 0) {
    throw new AppError(
      'corrupt_media',
      `The video is corrupt, truncated or not what its first bytes claim: ${toolError(exit.stderr, source.url)}`,
    );
  }
  let json: ProbeJson;
  try {
    json = JSON.parse(output) as ProbeJson;
  } catch (err) {
    throw new AppError('corrupt_media', 'ffprobe gave no readable description of the video', { cause: err });
  }
  return readProbe(json);
}
