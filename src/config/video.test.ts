import { describe, expect, it } from 'vitest';
import { DEFAULT_VIDEO_LIMITS } from '../hashing/video/options.js';
import { type ConfigError, loadConfig } from './index.js';

describe('video settings', () => {
  it('defaults to ffmpeg on PATH, one frame a second, HMA’s 80 % rule and the hashing defaults', () => {
    const { video } = loadConfig({});
    expect(video).toEqual({
      ffmpegPath: 'ffmpeg',
      ffprobePath: undefined,
      mode: 'fps1',
      limits: {
        maxSeconds: DEFAULT_VIDEO_LIMITS.maxSeconds,
        maxFrames: DEFAULT_VIDEO_LIMITS.maxFrames,
        timeoutSeconds: DEFAULT_VIDEO_LIMITS.timeoutSeconds,
        maxBytes: DEFAULT_VIDEO_LIMITS.maxBytes,
      },
      rule: 'hma',
      matchPercent: 80,
    });
    expect(Object.isFrozen(video.limits)).toBe(true);
  });

  it('parses every video setting', () => {
    const { video } = loadConfig({
      TIPHASH_FFMPEG_PATH: '/opt/ffmpeg/bin/ffmpeg',
      TIPHASH_FFPROBE_PATH: '/opt/ffmpeg/bin/ffprobe',
      TIPHASH_VIDEO_MODE: 'every',
      TIPHASH_VIDEO_MAX_SECONDS: '600',
      TIPHASH_VIDEO_MAX_FRAMES: '36000',
      TIPHASH_VIDEO_TIMEOUT_SECONDS: '120',
      TIPHASH_VIDEO_MAX_BYTES: '1000000',
      TIPHASH_VIDEO_MATCH_RULE: 'compared',
      TIPHASH_VIDEO_MATCH_PERCENT: '70.5',
    });
    expect(video).toEqual({
      ffmpegPath: '/opt/ffmpeg/bin/ffmpeg',
      ffprobePath: '/opt/ffmpeg/bin/ffprobe',
      mode: 'every',
      limits: { maxSeconds: 600, maxFrames: 36000, timeoutSeconds: 120, maxBytes: 1000000 },
      rule: 'compared',
      matchPercent: 70.5,
    });
  });

  it('names every bad video setting', () => {
    let err: unknown;
    try {
      loadConfig({
        TIPHASH_VIDEO_MODE: 'all',
        TIPHASH_VIDEO_MAX_SECONDS: '0',
        TIPHASH_VIDEO_MATCH_PERCENT: '101',
        TIPHASH_VIDEO_MATCH_RULE: 'x',
      });
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'TIPHASH_VIDEO_MATCH_PERCENT',
      'TIPHASH_VIDEO_MATCH_RULE',
      'TIPHASH_VIDEO_MAX_SECONDS',
      'TIPHASH_VIDEO_MODE',
    ]);
  });
});
