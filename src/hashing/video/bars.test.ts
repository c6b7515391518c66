import { describe, expect, it } from 'vitest';
import { BarsEstimate, type FrameImage } from './bars.js';

const W = 160;
const H = 90;

/** A frame with black bars of the given depth above and below noisy content of brightness `level`. */
function frame(bar: number, level = 40, seed = 1): FrameImage {
  const data = new Uint8Array(W * H);
  for (let y = bar; y < H - bar; y++)
    for (let x = 0; x < W; x++) data[y * W + x] = level + ((x * 7919 + y * 104729 + seed * 31) % 160);
  return { data, width: W, height: H, channels: 1 };
}

describe('BarsEstimate', () => {
  it('takes the bars most frames agree on', () => {
    const e = new BarsEstimate();
    for (let i = 0; i < 5; i++) e.add(frame(12, 40, i));
    e.add(frame(20, 40, 9)); // a dark scene: the band looks deeper on this frame
    e.add(frame(0, 40, 8)); // content reaching the edge on this one
    expect(e.result()).toEqual({ top: 12, bottom: 12, left: 0, right: 0 });
  });

  it('skips flat frames and gives null without content or bars', () => {
    const e = new BarsEstimate();
    e.add({ data: new Uint8Array(W * H), width: W, height: H, channels: 1 });
    expect(e.result()).toBeNull();
    e.add(frame(0));
    expect(e.result()).toBeNull();
    const f = new BarsEstimate();
    f.add({ data: new Uint8Array(W * H), width: W, height: H, channels: 1 });
    f.add(frame(10));
    expect(f.result()).toEqual({ top: 10, bottom: 10, left: 0, right: 0 });
  });
});
