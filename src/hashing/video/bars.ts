/**
 * Letterbox and pillarbox bars of a whole video. Each sampled frame is measured with the
 * still-image detector (src/hashing/borders.ts `findBands`); a video's bars must hold for the
 * whole video, so each side's bar is the lower median over the frames that have content:
 * a dark scene that makes one frame's band look deeper, or a bright one that hides it, is
 * outvoted. Flat frames (a fade to black, a blank title card) say nothing and are skipped.
 */
import { type BandOptions, type Bands, DEFAULT_BAND_OPTIONS, findBands } from '../borders.js';

export interface FrameImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Pixels looked at when deciding whether a frame is flat. */
const FLAT_SAMPLES = 4096;
/** Mean deviation (0–255) below which a frame is taken as flat. */
const FLAT_DEVIATION = 3;

function isFlat(img: FrameImage): boolean {
  const n = img.width * img.height;
  const step = Math.max(1, Math.floor(n / FLAT_SAMPLES));
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i += step, count++) sum += img.data[i * img.channels]!;
  const mean = sum / count;
  let dev = 0;
  for (let i = 0; i < n; i += step) dev += Math.abs(img.data[i * img.channels]! - mean);
  return dev / count < FLAT_DEVIATION;
}

function lowerMedian(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1] ?? 0;
}

export class BarsEstimate {
  private readonly seen: Bands[] = [];
  private width = 0;
  private height = 0;
  private readonly opts: BandOptions;

  constructor(options: Partial<BandOptions> = {}) {
    this.opts = { ...DEFAULT_BAND_OPTIONS, ...options };
  }

  add(img: FrameImage): void {
    if (isFlat(img)) return;
    this.width = img.width;
    this.height = img.height;
    this.seen.push(findBands(img, this.opts) ?? { top: 0, bottom: 0, left: 0, right: 0 });
  }

  /** The video's bars, or null when there are none (or no frame had content). */
  result(): Bands | null {
    if (this.seen.length === 0) return null;
    const side = (k: keyof Bands) => lowerMedian(this.seen.map((b) => b[k]));
    let { top, bottom, left, right } = {
      top: side('top'),
      bottom: side('bottom'),
      left: side('left'),
      right: side('right'),
    };
    // Medians of different frames can together leave too little: then that axis keeps its lines.
    const keep = this.opts.minContentFraction;
    if (this.height - top - bottom < this.height * keep) top = bottom = 0;
    if (this.width - left - right < this.width * keep) left = right = 0;
    return top + bottom + left + right === 0 ? null : { top, bottom, left, right };
  }
}
