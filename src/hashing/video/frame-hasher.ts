/**
 * PDQ of one decoded video frame, and of its content inside the video's bars when it has any.
 * Buffers are reused from frame to frame: a video's frames all have one size.
 */
import type { Bands } from '../borders.js';
import { cropLuma } from '../borders.js';
import { lumaFromPixels } from '../luma.js';
import { type PdqFlavour, pdqFromLuma } from '../pdq.js';
import { lumaFromYuv420p } from './yuv.js';

/** How a frame's bytes are laid out (see src/media/video-frames.ts). */
export type FrameLayout = 'yuv420p' | 'yuvj420p' | 'rgb24' | 'gray';

export interface FramePdq {
  pdq: string;
  quality: number;
}

export class FrameHasher {
  private readonly luma: Float32Array;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly layout: FrameLayout,
    private readonly flavour: PdqFlavour,
    private readonly bars: Bands | null,
  ) {
    this.luma = new Float32Array(width * height);
  }

  hash(data: Uint8Array): { full: FramePdq; trimmed?: FramePdq } {
    const { width, height } = this;
    switch (this.layout) {
      case 'yuv420p':
      case 'yuvj420p':
        lumaFromYuv420p(data, width, height, this.layout === 'yuvj420p', this.luma);
        break;
      case 'rgb24':
        lumaFromPixels(data, width, height, 3, this.luma);
        break;
      case 'gray':
        lumaFromPixels(data, width, height, 1, this.luma);
        break;
    }
    const full = pdqFromLuma(this.luma, width, height, { flavour: this.flavour });
    if (!this.bars) return { full: { pdq: full.hex, quality: full.quality } };
    const inner = cropLuma(this.luma, width, height, this.bars);
    const trimmed = pdqFromLuma(inner.luma, inner.width, inner.height, { flavour: this.flavour });
    return { full: { pdq: full.hex, quality: full.quality }, trimmed: { pdq: trimmed.hex, quality: trimmed.quality } };
  }
}
