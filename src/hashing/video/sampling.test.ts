import { describe, expect, it } from 'vitest';
import { frameStep, frameTime, pruneFrames, type VideoFrameHash } from './sampling.js';

const frame = (n: number, pdq: string): VideoFrameHash => ({ frame: n, ts: n / 30, pdq, quality: 100 });
const A = '0'.repeat(64);

describe('vPDQ sampling', () => {
  it('steps by int(seconds × fps), truncated, never below 1', () => {
    expect(frameStep(30, 1)).toBe(30);
    expect(frameStep(29.97, 1)).toBe(29);
    expect(frameStep(30, 0)).toBe(1);
    expect(frameStep(0.5, 1)).toBe(1);
    expect(frameStep(25, 2)).toBe(50);
  });

  it('stamps frame / fps to the millisecond, as the reference prints it', () => {
    expect(frameTime(1, 30)).toBe(0.033);
    expect(frameTime(2, 30)).toBe(0.067);
    expect(frameTime(30, 29.97)).toBe(1.001);
  });
});

describe('pruneFrames', () => {
  it('drops frames within D bits of the last kept frame, not of the previous one', () => {
    const oneBit = '1' + '0'.repeat(63);
    const twoBits = '3' + '0'.repeat(63);
    const threeBits = '7' + '0'.repeat(63);
    const frames = [frame(0, A), frame(1, oneBit), frame(2, twoBits), frame(3, threeBits)];
    expect(pruneFrames(frames, 2).map((f) => f.frame)).toEqual([0, 3]);
    expect(pruneFrames(frames, 0).map((f) => f.frame)).toEqual([0, 1, 2, 3]);
    expect(pruneFrames([], 5)).toEqual([]);
  });
});
