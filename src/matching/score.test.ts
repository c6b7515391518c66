import { describe, expect, it } from 'vitest';
import { matchScore } from './score.js';

describe('matchScore', () => {
  it('puts identical bytes at 100, above every perceptual match', () => {
    expect(matchScore({ algorithm: 'sha256', distance: 0, threshold: 0 })).toBe(100);
    expect(matchScore({ algorithm: 'md5', distance: 0, threshold: 0 })).toBe(100);
    expect(matchScore({ algorithm: 'pdq', distance: 0, threshold: 31, quality: 100 })).toBe(99);
  });

  it('falls linearly from 99 at distance 0 to 50 at the threshold', () => {
    expect(matchScore({ algorithm: 'pdq', distance: 31, threshold: 31, quality: 90 })).toBe(50);
    expect(matchScore({ algorithm: 'pdq', distance: 10, threshold: 20, quality: 90 })).toBe(75);
    expect(matchScore({ algorithm: 'blockhash', distance: 5, threshold: 10 })).toBe(75);
    const scores = [0, 5, 10, 20, 31].map((d) => matchScore({ algorithm: 'pdq', distance: d, threshold: 31, quality: 80 }));
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('halves low-quality hashes so they never outrank a confident match', () => {
    expect(matchScore({ algorithm: 'pdq', distance: 0, threshold: 31, quality: 49 })).toBe(50);
    expect(matchScore({ algorithm: 'pdq', distance: 31, threshold: 31, quality: 10 })).toBe(25);
    expect(matchScore({ algorithm: 'pdq', distance: 0, threshold: 31, quality: 50 })).toBe(99);
  });

  it('handles a zero threshold', () => {
    expect(matchScore({ algorithm: 'pdq', distance: 0, threshold: 0, quality: 90 })).toBe(99);
  });
});

describe('matchScore for video (vpdq)', () => {
  const base = { algorithm: 'vpdq' as const, threshold: 31, pctThreshold: 80 };

  it('is 99 when every frame matched at distance 0 and 50 at both thresholds', () => {
    expect(matchScore({ ...base, distance: 0, pct: 100 })).toBe(99);
    expect(matchScore({ ...base, distance: 31, pct: 80 })).toBe(50);
  });

  it('weighs the matched share and the median frame distance equally', () => {
    expect(matchScore({ ...base, distance: 31, pct: 100 })).toBe(75);
    expect(matchScore({ ...base, distance: 0, pct: 80 })).toBe(75);
    expect(matchScore({ ...base, distance: 0, pct: 90 })).toBe(87);
  });

  it('handles a 100% threshold and a 0% one', () => {
    expect(matchScore({ ...base, pctThreshold: 100, distance: 0, pct: 100 })).toBe(99);
    expect(matchScore({ ...base, pctThreshold: 0, distance: 0, pct: 50 })).toBe(87);
  });
});
