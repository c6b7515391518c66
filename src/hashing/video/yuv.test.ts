import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { lumaFromPixels } from '../luma.js';
import { lumaFromYuv420p, rgbFromYuv420p, yuv420pFrameBytes } from './yuv.js';

/**
 * A yuv420p frame holding every (Y, U, V) combination: each 2x2 block shares one chroma pair,
 * 65 536 pairs x 64 blocks x 4 pixels = all 256 luma values for every pair.
 */
function everyCombination(): { frame: Uint8Array; width: number; height: number } {
  const width = 4096;
  const height = 4096;
  const cw = width / 2;
  const frame = new Uint8Array(yuv420pFrameBytes(width, height));
  const u0 = width * height;
  const v0 = u0 + cw * (height / 2);
  for (let c = 0; c < cw * (height / 2); c++) {
    frame[u0 + c] = c & 255;
    frame[v0 + c] = (c >> 8) & 255;
    const bx = c % cw;
    const by = Math.floor(c / cw);
    for (let k = 0; k < 4; k++) frame[(2 * by + (k >> 1)) * width + 2 * bx + (k & 1)] = (((c >> 16) & 63) << 2) | k;
  }
  return { frame, width, height };
}

/** libswscale's C converter, the one vPDQ's reference hashes went through. */
function ffmpegC(frame: Uint8Array, width: number, height: number, fullRange: boolean): Buffer {
  const args = ['-v', 'error', '-cpuflags', '0', '-f', 'rawvideo', '-pix_fmt', fullRange ? 'yuvj420p' : 'yuv420p'];
  const r = spawnSync(
    'ffmpeg',
    [...args, '-s', `${width}x${height}`, '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    {
      input: frame,
      maxBuffer: 1 << 27,
    },
  );
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${String(r.stderr)}`);
  return r.stdout;
}

describe('yuv420p → RGB as libswscale C', () => {
  const all = everyCombination();

  it.each([false, true])(
    'equals ffmpeg -cpuflags 0 on all 16.7M (Y,U,V) combinations (full range: %s)',
    (fullRange) => {
      const mine = rgbFromYuv420p(all.frame, all.width, all.height, fullRange);
      expect(Buffer.from(mine).equals(ffmpegC(all.frame, all.width, all.height, fullRange))).toBe(true);
    },
  );

  it('keeps its quirk: limited-range white (Y 235) is 253', () => {
    const frame = new Uint8Array(yuv420pFrameBytes(2, 2)).fill(128).fill(235, 0, 4);
    expect([...rgbFromYuv420p(frame, 2, 2, false).subarray(0, 3)]).toEqual([253, 253, 253]);
  });

  it('matches for widths that are not a multiple of 8', () => {
    const width = 1082;
    const height = 6;
    const frame = Uint8Array.from({ length: yuv420pFrameBytes(width, height) }, (_, i) => (i * 2654435761) >>> 24);
    expect(Buffer.from(rgbFromYuv420p(frame, width, height, false)).equals(ffmpegC(frame, width, height, false))).toBe(
      true,
    );
  });

  it('gives the same luma fused as through RGB', () => {
    const width = 48;
    const height = 30;
    const frame = Uint8Array.from({ length: yuv420pFrameBytes(width, height) }, (_, i) => (i * 40503) & 255);
    for (const full of [false, true]) {
      expect(lumaFromYuv420p(frame, width, height, full)).toEqual(
        lumaFromPixels(rgbFromYuv420p(frame, width, height, full), width, height, 3),
      );
    }
  });

  it('refuses a short frame', () => {
    expect(() => lumaFromYuv420p(new Uint8Array(10), 4, 4, false)).toThrow(/Expected 24 bytes/);
  });
});
