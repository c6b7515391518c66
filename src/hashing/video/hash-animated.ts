/**
 * An animated GIF or WebP as a video: its frames are the pages sharp composites, its clock the
 * frame delays. `every` and `keyframes` (an animation has none) hash every page; `fps1` hashes
 * pages whose index is a multiple of trunc(secondsPerHash × mean frame rate), as vPDQ would.
 * Bars are measured on the hashed pages first, so the trimmed pass runs only when there are
 * bars.
 */
import { animatedInfo, decodeAnimated, type AnimatedInfo } from '../../media/video-animated.js';
import type { VideoInput } from '../../media/video-input.js';
import type { Bands } from '../borders.js';
import { BarsEstimate } from './bars.js';
import { FrameHasher } from './frame-hasher.js';
import type { VideoLimits } from './options.js';
import { frameStep, type VideoFrameHash, type VideoMode } from './sampling.js';

export interface AnimatedHashes {
  info: AnimatedInfo;
  fps: number;
  frames: VideoFrameHash[];
  framesTrimmed?: VideoFrameHash[];
  bars?: Bands;
}

export async function hashAnimated(
  input: VideoInput,
  o: {
    mode: VideoMode;
    secondsPerHash: number;
    exact: boolean;
    bars: boolean;
    limits: VideoLimits;
    deadline: number;
    signal: AbortSignal | undefined;
  },
): Promise<AnimatedHashes> {
  const info = await animatedInfo(input, o.limits);
  const fps = info.durationSec > 0 ? info.pages / info.durationSec : 1;
  const step = o.mode === 'fps1' ? frameStep(fps, o.secondsPerHash) : 1;
  const wanted = Array.from({ length: Math.ceil(info.pages / step) }, (_, i) => i * step);
  const flavour = o.exact ? 'exact' : 'fast';
  const run = { deadline: o.deadline, timeoutSeconds: o.limits.timeoutSeconds, signal: o.signal };
  const estimate = new BarsEstimate();
  const frames: VideoFrameHash[] = [];
  let hasher: FrameHasher | undefined;
  await decodeAnimated(input, info, wanted, run, ({ index, channels, data }) => {
    hasher ??= new FrameHasher(info.width, info.height, channels === 3 ? 'rgb24' : 'gray', flavour, null);
    if (o.bars) estimate.add({ data, width: info.width, height: info.height, channels });
    frames.push({ frame: index, ts: info.startSec[index]!, ...hasher.hash(data).full });
  });
  const bars = estimate.result();
  if (!bars) return { info, fps, frames };
  const trimmed: VideoFrameHash[] = [];
  let inner: FrameHasher | undefined;
  await decodeAnimated(input, info, wanted, run, ({ index, channels, data }) => {
    inner ??= new FrameHasher(info.width, info.height, channels === 3 ? 'rgb24' : 'gray', flavour, bars);
    trimmed.push({ frame: index, ts: info.startSec[index]!, ...inner.hash(data).trimmed! });
  });
  return { info, fps, frames, framesTrimmed: trimmed, bars };
}
